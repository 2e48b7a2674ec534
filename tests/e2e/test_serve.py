from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from http.client import HTTPConnection
from pathlib import Path

import pytest
import requests

from simulator.testing.server import free_port, start_server
from simulator.testing.simulator import FAST_HASH
from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.server
FAST = {"POSC_SIM_PASSWORD_HASH_METHOD": FAST_HASH}


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
    assert "Security answers (forgotten password): " in printed
    assert "In what city were you born? Worcester" in printed


def test_a_client_keeps_its_connection_from_request_to_request(
    live_server: Callable[..., LiveServer],
) -> None:
    """HTTP/1.1 clients (requests, zeep, Locust) reuse their connection: each answer keeps it
    open, so a request costs no new connection and a client stays with the worker it reached."""
    server = live_server("--workers", "2")
    host, port = server.url.removeprefix("http://").split(":")
    connection = HTTPConnection(host, int(port), timeout=10)
    workers = set()
    try:
        for _ in range(5):
            connection.request("GET", "/test/login")
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200
            assert not answer.will_close, answer.getheader("Connection")
            workers.add(answer.getheader("X-POSC-Worker"))
    finally:
        connection.close()
    assert len(workers) == 1


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


def serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", "serve", *args],
        env={"PATH": "", **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ((), {"POSC_SIM_DATABASE_URL": "notaurl://x"}, "database_url: no SQLAlchemy dialect"),
        (
            (),
            {"POSC_SIM_DATABASE_URL": "postgresql+pg8000://sim:secret@127.0.0.1/sim"},
            "database_url: the driver for postgresql+pg8000 is not installed (pip install pg8000)",
        ),
        (("--data-dir", "/proc/posc-sim"), {}, "data_dir: cannot create /proc/posc-sim: "),
    ],
)
def test_a_storage_that_cannot_be_used_is_one_line(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    result = serve("--data-dir", str(tmp_path), *args, env=env)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"posc-sim: error: {message}")
    assert "secret" not in line
    assert result.stdout == ""


def test_a_port_in_use_is_one_line_before_any_banner(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve("--port", str(port), "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"posc-sim: error: port: cannot listen on 127.0.0.1:{port}: another process listens "
        "there (choose another with --port)\n"
    )


def test_an_unknown_posc_sim_variable_is_named_with_the_nearest_setting(tmp_path: Path) -> None:
    result = serve("-h", env={"POSC_SIM_PORTT": "9000"})
    assert result.returncode == 0
    assert result.stderr == (
        "posc-sim: warning: POSC_SIM_PORTT is not a posc-sim setting and is ignored "
        "(did you mean POSC_SIM_PORT?)\n"
    )
    for flag in ("--threads", "--admin-token", "--dataset", "--log-level", "--access-log"):
        assert flag in result.stdout


def test_the_access_log_and_the_log_level(live_server: Callable[..., LiveServer]) -> None:
    server = live_server("--access-log", "--log-level", "info")
    requests.get(f"{server.url}/test/login", timeout=10)
    deadline = time.monotonic() + 10  # the worker writes its log line after the answer
    while '"GET /test/login' not in server.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    printed = server.output()
    assert '"GET /test/login HTTP/1.1" 200' in printed
    assert "[INFO] Booting worker" in printed


def test_the_admin_token_flag_and_the_fault_commands_url_and_token(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator",
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
            "--data-dir",
            str(tmp_path / "data"),
            "--admin-token",
            "s3cret",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={"PATH": "", **FAST},
    )
    try:
        wait_until_ready(url, {"Authorization": "Bearer s3cret"})
        assert requests.get(f"{url}/_sim/v1/faults", timeout=10).status_code == 401
        rule = '{"operation": "upload", "action": {"type": "error", "status": 503}}'
        fault = [sys.executable, "-m", "simulator", "fault", "--url", url]
        added = subprocess.run(
            [*fault, "--admin-token", "s3cret", "add", rule],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": ""},
        )
        assert added.returncode == 0, added.stderr
        assert '"status": 503' in added.stdout
        refused = subprocess.run(
            [*fault, "list"], capture_output=True, text=True, timeout=60, env={"PATH": ""}
        )
        assert refused.returncode == 1
        assert refused.stderr.startswith("Error: ")
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def wait_until_ready(url: str, headers: dict[str, str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/_sim/v1/ready", headers=headers, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} was not ready in 60 s")
