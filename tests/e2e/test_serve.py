from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from simulator.testing.server import start_server
from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.server


def test_serve_runs_both_sites_with_demo_data(live_server: Callable[..., LiveServer]) -> None:
    server = live_server("--workers", "2")
    landing = requests.get(f"{server.url}/", timeout=10)
    assert landing.status_code == 200
    assert "Web-Based MassHealth Transactions" in landing.text
    assert 'href="/test/"' in landing.text
    assert 'href="/prod/"' in landing.text

    test_login = requests.get(f"{server.url}/test/login", timeout=10)
    assert test_login.status_code == 200
    assert test_login.headers["X-POSC-Site"] == "test"
    assert 'id="site-banner"' in test_login.text

    prod_login = requests.get(f"{server.url}/prod/login", timeout=10)
    assert prod_login.status_code == 200
    assert prod_login.headers["X-POSC-Site"] == "prod"
    assert 'id="site-banner"' not in prod_login.text

    printed = server.output()
    assert f"{server.url}/test/" in printed
    assert f"{server.url}/prod/" in printed
    assert "DEMOMASTER" in printed
    assert "Welcome#2026" in printed
    assert "In what city were you born? Worcester" in printed


def test_a_restart_keeps_the_data_directory(
    live_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    first = live_server("--workers", "1")
    secret_file = tmp_path / "data-0" / "posc-sim.db"
    assert secret_file.exists()
    first.stop()
    again = start_server(tmp_path / "data-0", "--workers", "1")
    try:
        assert requests.get(f"{again.url}/test/login", timeout=10).status_code == 200
    finally:
        again.stop()


def test_a_bad_setting_stops_the_start_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "serve", "--data-dir", str(tmp_path)],
        env={"POSC_SIM_MAX_UPLOAD_FILES": "lots", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("posc-sim: error: max_upload_files:")
    assert "POSC_SIM_MAX_UPLOAD_FILES" in lines[0]


def test_refuses_a_public_address_without_an_admin_token(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "serve",
            "--host",
            "0.0.0.0",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "admin_token" in result.stderr
