"""Processing jobs are durable: claimed once, and taken again when their worker died."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from simulator.clock import real_now
from simulator.control.seeding import reset_sites
from simulator.holders import Holder, Machine, this_machine, this_process
from simulator.runtime import Runtime
from simulator.store.jobs import LEASE, Fate, JobQueue
from simulator.store.models import Job
from tests.web.helpers import basic, create_user, upload


def test_a_job_is_claimed_by_one_worker_only(client: FlaskClient, runtime: Runtime) -> None:
    create_user(client, "test", "ALICE01")
    upload(client, "test", "ALICE01", [(b"ISA*x~", "x.txt")])
    first = runtime.processor.claim("worker-a")
    assert first is not None
    assert runtime.processor.claim("worker-b") is None


def test_looking_for_a_job_when_none_is_due_takes_no_write_turn(
    client: FlaskClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An idle worker looks every quarter second: it must not queue among the writers."""
    create_user(client, "test", "ALICE01")
    writes = []
    transaction = runtime.database.transaction
    monkeypatch.setattr(runtime.database, "transaction", lambda: writes.append(1) or transaction())
    assert runtime.processor.claim("idle") is None
    assert writes == []
    upload(client, "test", "ALICE01", [(b"ISA*x~", "x.txt")])
    writes.clear()
    assert runtime.processor.claim("idle") is not None
    assert writes == [1]


def test_a_job_abandoned_by_a_dead_worker_is_finished(
    client: FlaskClient, runtime: Runtime
) -> None:
    create_user(client, "test", "ALICE01")
    number = upload(client, "test", "ALICE01", [(b"not x12", "x.txt")]).get_json()[
        "tracking_number"
    ]
    crashed = runtime.processor.claim("worker-that-dies")
    assert crashed is not None
    assert runtime.processor.run_pending("survivor") == 0  # its lease still runs
    with runtime.database.transaction() as session:
        session.execute(update(Job).values(claimed_at=real_now() - LEASE - timedelta(seconds=1)))
    assert runtime.processor.run_pending("survivor") == 1
    status = client.get(f"/test/api/v1/batches/{number}", headers=basic("ALICE01")).get_json()
    assert status["status"] == "rejected"
    with runtime.database.reading() as session:
        job = session.scalars(select(Job)).one()
        assert (job.state, job.attempts, job.claimed_by) == ("done", 2, "survivor")


def test_a_job_taken_over_after_its_lease_is_told_from_one_held_or_wiped(
    client: FlaskClient, runtime: Runtime
) -> None:
    create_user(client, "test", "ALICE01")
    upload(client, "test", "ALICE01", [(b"not x12", "x.txt")])
    slow = runtime.processor.claim("worker-slow")
    assert slow is not None
    with runtime.database.transaction() as session:
        session.execute(update(Job).values(claimed_at=real_now() - LEASE - timedelta(seconds=1)))
    taker = runtime.processor.claim("worker-taker")
    assert taker is not None
    queue = JobQueue(runtime.database)
    assert (queue.fate(slow), queue.fate(taker)) == (Fate.TAKEN, Fate.HELD)
    reset_sites(runtime, ["test"], "empty", 1)
    assert (queue.fate(slow), queue.fate(taker)) == (Fate.GONE, Fate.GONE)


def finished_pid() -> int:
    """The process ID of a process that ran and was reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def holders_here() -> tuple[Holder, Machine]:
    me, here = this_process(), this_machine()
    assert me is not None, "no /proc on this system"
    assert here is not None
    return me, here


def test_jobs_of_a_dead_process_or_an_ended_boot_here_are_queued_again_at_once(
    client: FlaskClient, runtime: Runtime
) -> None:
    me, here = holders_here()
    holders = {
        "dead": replace(me, pid=finished_pid()),
        "reused pid": replace(me, started=me.started - 1),
        "earlier boot": replace(me, machine=replace(here, boot="0" * len(here.boot))),
        "alive": me,
        "elsewhere": replace(me, machine=replace(here, host="f" * len(here.host))),
    }
    create_user(client, "test", "ALICE01")
    for _ in holders:
        upload(client, "test", "ALICE01", [(b"not x12", "x.txt")])
    for holder in holders.values():
        assert runtime.processor.claim(str(holder)) is not None

    assert runtime.processor.release_abandoned() == 3
    with runtime.database.reading() as session:
        jobs = {job.claimed_by: job.state for job in session.scalars(select(Job))}
    assert jobs == {None: "queued", str(me): "running", str(holders["elsewhere"]): "running"}
    assert runtime.processor.run_pending("survivor") == 3  # the live ones keep their lease
    assert runtime.processor.release_abandoned() == 0
    metrics = client.get("/_sim/v1/metrics").get_data(as_text=True)
    assert 'posc_sim_jobs_released_total{site="test"} 3.0' in metrics


def test_jobs_of_workers_named_otherwise_wait_for_their_lease(
    client: FlaskClient, runtime: Runtime
) -> None:
    create_user(client, "test", "ALICE01")
    upload(client, "test", "ALICE01", [(b"not x12", "x.txt")])
    assert runtime.processor.claim(f"pid{finished_pid()}") is not None
    assert runtime.processor.release_abandoned() == 0
    assert runtime.processor.run_pending("survivor") == 0
