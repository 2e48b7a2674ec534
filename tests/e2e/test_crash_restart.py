"""kill -9 of the real server in the middle of uploads and jobs, then a restart on its folder.

The interrupted jobs were claimed by processes that are gone: the restarted server takes them
at once instead of waiting out their two-minute lease, so every upload that was answered with
a tracking number has its 999 within seconds, and the start sweep leaves no orphan.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from simulator.settings import Settings
from simulator.store.database import Database
from simulator.store.sweep import find_orphans
from simulator.testing.server import SimulatorServer, start_server
from tests.e2e.conftest import accepted, add_user, jobs_where, streamed_uploads, wait_until

pytestmark = pytest.mark.server

USER_ID = "CRASH01"
UPLOAD_THREADS = 4
ACCEPTED_BEFORE_KILL = 8
ACK_WINDOW_SECONDS = 10.0
ACKS = {"999", "TA1"}


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
        user = add_user(server, "test", USER_ID)
        with streamed_uploads(server, user, UPLOAD_THREADS) as answers:
            wait_until(
                lambda: (
                    len(accepted(answers)) >= ACCEPTED_BEFORE_KILL
                    and jobs_where(database, "state = 'running'") > 0
                ),
                "uploads accepted while a job runs",
            )
            server.kill()
        interrupted = jobs_where(database, "state = 'running'")
        assert interrupted, "the kill caught no job mid-run"
        promised = accepted(answers)

        again = start_server(data_dir, "--workers", "2", env={"POSC_SIM_ORPHAN_GRACE_SECONDS": "0"})
        ready = time.monotonic()
        waiting = set(promised)
        while waiting and time.monotonic() - ready < ACK_WINDOW_SECONDS:
            waiting = {number for number in waiting if not acknowledged(again, number)}
            time.sleep(0.1)
        assert not waiting, f"{len(waiting)} of {len(promised)} uploads without a 999 in 10 s"

        wait_until(
            lambda: jobs_where(database, "state IN ('queued', 'running')") == 0,
            "every job done",
        )
        orphans = find_orphans(database, data_dir / "files", grace_seconds=0)
        assert (orphans.blobs, orphans.temporary) == ([], [])
        metrics = requests.get(f"{again.control_url}/metrics", timeout=10).text
        released = f'posc_sim_jobs_released_total{{site="test"}} {float(interrupted)}'
        assert released in metrics
        assert "Traceback" not in again.output()
    finally:
        server.stop()
        if again is not None:
            again.stop()
        database.dispose()
