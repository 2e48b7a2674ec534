"""Processing jobs are durable: claimed once, and taken again when their worker died."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select, update

from simulator.clock import real_now
from simulator.runtime import Runtime
from simulator.store.jobs import LEASE
from simulator.store.models import Job
from tests.web.helpers import basic, create_user, upload


def test_a_job_is_claimed_by_one_worker_only(client: FlaskClient, runtime: Runtime) -> None:
    create_user(client, "test", "ALICE01")
    upload(client, "test", "ALICE01", [(b"ISA*x~", "x.txt")])
    first = runtime.processor.claim("worker-a")
    assert first is not None
    assert runtime.processor.claim("worker-b") is None


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
