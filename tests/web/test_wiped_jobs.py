"""A reset that wipes a batch while its job runs ends the job quietly, counted, never retried.

The wipe can come at any step of the job: before its batch is loaded, while its uploaded files
are read (they are removed), or while its response files are written (their rows then fail
their foreign keys).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from posc_sim_fixtures.x12_builders import Submitter, build_837p
from simulator.control.seeding import reset_sites
from simulator.runtime import Runtime
from simulator.store.jobs import JobQueue
from simulator.store.models import Batch, Job, ResponseFile
from simulator.store.sweep import find_orphans
from tests.web.helpers import create_user, upload

Patch = Callable[[pytest.MonkeyPatch, Runtime, Callable[[], None]], None]


def before_loading(
    monkeypatch: pytest.MonkeyPatch, runtime: Runtime, wipe: Callable[[], None]
) -> None:
    monkeypatch.setattr(JobQueue, "load", wiping_first(JobQueue.load, wipe))


def while_reading(
    monkeypatch: pytest.MonkeyPatch, runtime: Runtime, wipe: Callable[[], None]
) -> None:
    monkeypatch.setattr(runtime.blobs, "open", wiping_first(runtime.blobs.open, wipe))


def while_writing(
    monkeypatch: pytest.MonkeyPatch, runtime: Runtime, wipe: Callable[[], None]
) -> None:
    write = runtime.blobs.write_bytes
    monkeypatch.setattr(runtime.blobs, "write_bytes", wiping_first(write, wipe))


def wiping_first(step: Callable[..., Any], wipe: Callable[[], None]) -> Callable[..., Any]:
    """``step``, after a reset of the test site the first time it is called."""
    wiped: list[bool] = []

    def wiped_then_step(*args: Any, **kwargs: Any) -> Any:
        if not wiped:
            wiped.append(True)
            wipe()
        return step(*args, **kwargs)

    return wiped_then_step


@pytest.mark.parametrize("step", [before_loading, while_reading, while_writing])
def test_a_job_whose_batch_a_reset_wipes_ends_quietly_and_is_counted(
    client: FlaskClient,
    runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    step: Patch,
) -> None:
    create_user(client, "test", "ALICE01")
    claim = build_837p(Submitter("ALICE01"), claims=3)
    assert upload(client, "test", "ALICE01", [(claim, "claims.txt")]).status_code == 201
    step(monkeypatch, runtime, lambda: reset_sites(runtime, ["test"], "empty", 1))
    caplog.set_level(logging.INFO)

    assert runtime.processor.run_pending("worker") == 1
    assert runtime.processor.run_pending("worker") == 0  # nothing left to try again

    loud = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert loud == []
    with runtime.database.reading() as session:
        for table in (Job, Batch, ResponseFile):
            kept = select(func.count()).select_from(table).where(table.site == "test")
            assert session.scalar(kept) == 0
    orphans = find_orphans(runtime.database, runtime.settings.blob_dir, grace_seconds=0)
    assert (orphans.blobs, orphans.temporary) == ([], [])
    metrics = client.get("/_sim/v1/metrics").get_data(as_text=True)
    assert 'posc_sim_processing_seconds_count{result="wiped",site="test"} 1.0' in metrics


def test_a_wiped_job_is_told_from_a_new_upload_that_takes_its_numbers_again(
    client: FlaskClient,
    runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLite hands a wiped row's ID to the next row: the new job is not the wiped one's."""
    claim = build_837p(Submitter("ALICE01"), claims=3)

    def upload_claim() -> int:
        create_user(client, "test", "ALICE01")
        answer = upload(client, "test", "ALICE01", [(claim, "claims.txt")])
        assert answer.status_code == 201
        return int(answer.get_json()["tracking_number"])

    def wipe_and_upload_again() -> None:
        reset_sites(runtime, ["test"], "empty", 1)
        upload_claim()

    upload_claim()
    while_reading(monkeypatch, runtime, wipe_and_upload_again)
    caplog.set_level(logging.INFO)

    assert runtime.processor.run_pending("worker", limit=1) == 1
    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []
    with runtime.database.reading() as session:
        job = session.scalars(select(Job).where(Job.site == "test")).one()
        assert (job.state, job.attempts) == ("queued", 0)  # the new upload's, untouched
    assert runtime.processor.run_pending("worker") == 1
    metrics = client.get("/_sim/v1/metrics").get_data(as_text=True)
    assert 'posc_sim_processing_seconds_count{result="wiped",site="test"} 1.0' in metrics
    assert 'posc_sim_processing_seconds_count{result="done",site="test"} 1.0' in metrics
