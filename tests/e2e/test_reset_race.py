"""A reset of the real server while uploads stream in and their jobs run: the jobs of wiped
batches end quietly (no traceback in the log), are counted, and are never tried again."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import requests

from simulator.settings import Settings
from simulator.store.database import Database
from simulator.testing.server import SimulatorServer, start_server
from tests.e2e.conftest import add_user, jobs_where, streamed_uploads, wait_until

pytestmark = pytest.mark.server

USER_ID = "RESET01"
UPLOAD_THREADS = 4
MAX_ROUNDS = 10
WIPED = re.compile(r'posc_sim_processing_seconds_count\{result="wiped",site="test"\} (\S+)')


def wiped_jobs(server: SimulatorServer) -> float:
    found = WIPED.search(requests.get(f"{server.control_url}/metrics", timeout=10).text)
    return float(found.group(1)) if found else 0.0


def reset_while_jobs_run(server: SimulatorServer, database: Database) -> list[int]:
    """Uploads from several threads, a reset of the test site while a job runs; the codes the
    uploads got."""
    user = add_user(server, "test", USER_ID)
    with streamed_uploads(server, user, UPLOAD_THREADS) as answers:
        wait_until(lambda: jobs_where(database, "state = 'running'") > 0, "a job running")
        reset = requests.post(
            f"{server.control_url}/reset", json={"site": "test", "dataset": "empty"}, timeout=60
        )
        assert reset.status_code == 200, reset.text
        time.sleep(0.2)  # uploads go on against the wiped site
    return [answer.status_code for answer in answers]


def test_a_reset_while_jobs_run_ends_their_jobs_quietly_counted_and_never_retried(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir, "--workers", "2")
    database = Database(Settings(data_dir=data_dir).resolved_database_url)
    try:
        codes: list[int] = []
        for _ in range(MAX_ROUNDS):
            codes += reset_while_jobs_run(server, database)
            wait_until(lambda: jobs_where(database, "state <> 'done'") == 0, "the queue empty")
            if wiped_jobs(server) > 0:
                break
        log = server.output()
        assert "Traceback" not in log, log
        assert "ERROR" not in log, log
        assert 201 in codes
        assert max(codes) < 500, codes  # the wiped user or provider: a clear refusal
        assert jobs_where(database, "attempts > 1") == 0
        assert wiped_jobs(server) > 0, f"no reset caught a job in {MAX_ROUNDS} rounds"
    finally:
        server.stop()
        database.dispose()
