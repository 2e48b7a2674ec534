"""The ``posc_sim_server`` fixture: a real server process for clients that are not Python."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import requests

from simulator.testing.server import SimulatorServer, start_server
from simulator.testing.simulator import FAST_HASH

pytestmark = pytest.mark.server


def test_the_server_answers_the_landing_page_and_is_ready(
    posc_sim_server: SimulatorServer,
) -> None:
    landing = requests.get(f"{posc_sim_server.url}/", timeout=10)
    assert landing.status_code == 200
    assert "Test Transactions" in landing.text
    ready = requests.get(f"{posc_sim_server.control_url}/ready", timeout=10)
    assert ready.json() == {"status": "ready"}
    login = requests.get(f"{posc_sim_server.prod_url}/login", timeout=10)
    assert login.headers["X-POSC-Site"] == "prod"
    assert posc_sim_server.test_url == f"{posc_sim_server.url}/test"


def test_the_server_hashes_with_the_cheap_method_and_stops_by_its_pid(
    posc_sim_server: SimulatorServer,
) -> None:
    database = posc_sim_server.data_dir / "posc-sim.db"
    with closing(sqlite3.connect(database)) as connection:
        hashes = [row[0] for row in connection.execute("SELECT password_hash FROM users")]
    assert hashes
    assert all(value.startswith(f"{FAST_HASH}$") for value in hashes)
    posc_sim_server.stop()
    assert posc_sim_server.process.returncode is not None
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{posc_sim_server.url}/", timeout=5)


def test_a_server_with_an_admin_token_is_waited_for_with_it(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", env={"POSC_SIM_ADMIN_TOKEN": "s3cret"})
    try:
        assert requests.get(f"{server.control_url}/ready", timeout=10).status_code == 401
        bearer = {"Authorization": "Bearer s3cret"}
        ready = requests.get(f"{server.control_url}/ready", headers=bearer, timeout=10)
        assert ready.status_code == 200
    finally:
        server.stop()
