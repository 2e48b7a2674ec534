"""kill -9 of the real server in the middle of uploads and jobs, then a restart on its folder.

The interrupted jobs were claimed by processes that are gone: the restarted server takes them
at once instead of waiting out their two-minute lease, so every upload that was answered with
a tracking number has its 999 within seconds, and the start sweep leaves no orphan.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from posc_sim_fixtures.x12_builders import Submitter, build_837p
from simulator.settings import Settings
from simulator.store.database import Database
from simulator.store.sweep import find_orphans
from simulator.testing.server import SimulatorServer, start_server
from tests.e2e.conftest import add_user

pytestmark = pytest.mark.server

USER_ID = "CRASH01"
UPLOAD_THREADS = 4
ACCEPTED_BEFORE_KILL = 8
ACK_WINDOW_SECONDS = 10.0
SETTLE_SECONDS = 60.0
ACKS = {"999", "TA1"}


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not reached in {timeout:g} s"
        time.sleep(0.01)


def upload_until_stopped(
    server: SimulatorServer, password: str, accepted: list[str], stop: threading.Event
) -> None:
    claim = build_837p(Submitter(USER_ID), claims=5)
    session = requests.Session()
    session.auth = (USER_ID, password)
    while not stop.is_set():
        try:
            answer = session.post(
                f"{server.test_url}/api/v1/batches",
                data={"provider_id": "110048577A", "transaction_type": "837P"},
                files={"files": ("claims.txt", claim)},
                timeout=10,
            )
        except requests.RequestException:
            return  # the server is gone: nothing was promised to this upload
        if answer.status_code == 201:
            accepted.append(answer.json()["tracking_number"])


def jobs_in(database: Database, state: str) -> list[int]:
    with database.connected() as connection:
        found = connection.execute(text("SELECT id FROM jobs WHERE state = :s"), {"s": state})
        return [row.id for row in found]


def acknowledged(server: SimulatorServer, tracking_number: str) -> bool:
    batch = requests.get(f"{server.control_url}/batches/test/{tracking_number}", timeout=5)
    return bool({f["transaction_type"] for f in batch.json()["response_files"]} & ACKS)


def test_after_kill_9_every_accepted_upload_has_its_999_within_10_s_of_the_restart(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    database = Database(Settings(data_dir=data_dir).resolved_database_url)
    server = start_server(data_dir, "--workers", "2")
    again: SimulatorServer | None = None
    try:
        _, password = add_user(server, "test", USER_ID)
        accepted: list[str] = []
        stop = threading.Event()
        senders = [
            threading.Thread(target=upload_until_stopped, args=(server, password, accepted, stop))
            for _ in range(UPLOAD_THREADS)
        ]
        for sender in senders:
            sender.start()
        wait_until(
            lambda: len(accepted) >= ACCEPTED_BEFORE_KILL and bool(jobs_in(database, "running")),
            SETTLE_SECONDS,
            "uploads accepted while a job runs",
        )
        server.kill()
        stop.set()
        for sender in senders:
            sender.join(timeout=30)
        interrupted = jobs_in(database, "running")
        assert interrupted, "the kill caught no job mid-run"

        again = start_server(data_dir, "--workers", "2", env={"POSC_SIM_ORPHAN_GRACE_SECONDS": "0"})
        ready = time.monotonic()
        waiting = set(accepted)
        while waiting and time.monotonic() - ready < ACK_WINDOW_SECONDS:
            waiting = {number for number in waiting if not acknowledged(again, number)}
            time.sleep(0.1)
        assert not waiting, f"{len(waiting)} of {len(accepted)} uploads without a 999 in 10 s"

        wait_until(
            lambda: not jobs_in(database, "queued") and not jobs_in(database, "running"),
            SETTLE_SECONDS,
            "every job done",
        )
        orphans = find_orphans(database, data_dir / "files", grace_seconds=0)
        assert (orphans.blobs, orphans.temporary) == ([], [])
        metrics = requests.get(f"{again.control_url}/metrics", timeout=10).text
        released = f'posc_sim_jobs_released_total{{site="test"}} {float(len(interrupted))}'
        assert released in metrics
        assert "Traceback" not in again.output()
    finally:
        server.stop()
        if again is not None:
            again.stop()
        database.dispose()
