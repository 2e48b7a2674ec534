"""``posc-sim loadtest PROFILE --hosts ...``: Locust distributed over several running hosts.

The real run starts two ``posc-sim serve`` hosts on one PostgreSQL database, each writing its
access log, and checks both in the command's summary and in each host's own log that the
users were spread over them. The refusals need no server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.loadtest import loadtest, parse_hosts
from simulator.testing.server import SimulatorServer, start_server

ROOT = Path(__file__).resolve().parents[2]
HOSTS = 2
API_REQUEST = re.compile(r'"(?:GET|POST) /test/api/v1/')


@pytest.fixture
def hosts(postgres_database: str, tmp_path: Path) -> Iterator[list[SimulatorServer]]:
    """Two hosts of one simulator: one PostgreSQL database, a folder each, access logs on."""
    env = {"POSC_SIM_DATABASE_URL": postgres_database, "POSC_SIM_ACCESS_LOG": "true"}
    servers: list[SimulatorServer] = []
    try:
        for number in range(HOSTS):
            servers.append(start_server(tmp_path / f"host-{number}", "--workers", "2", env=env))
        yield servers
    finally:
        for server in servers:
            server.stop()


def short_profile(folder: Path) -> Path:
    conf = folder / "short.conf"
    conf.write_text(
        "locustfile = loadtests/locustfile.py\nheadless = true\nusers = 6\nspawn-rate = 6\n"
        "run-time = 8s\nonly-summary = true\n"
    )
    return conf


@pytest.mark.server
def test_the_users_are_spread_over_every_host(
    hosts: list[SimulatorServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    urls = ",".join(server.url for server in hosts)
    result = CliRunner().invoke(
        loadtest, [str(short_profile(tmp_path)), "--hosts", urls, "--workers", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "a Locust master and 2 workers" in result.output
    assert "Locust exit code 0" in result.output
    aggregated = re.search(r"Aggregated\s+(\d+)\s+(\d+)", result.output)
    assert aggregated is not None, result.output
    assert int(aggregated.group(1)) > 0
    assert aggregated.group(2) == "0"
    for server in hosts:
        counted = re.search(rf"{re.escape(server.url)}\s+(\d+)\s+(\d+)", result.output)
        assert counted is not None, result.output
        assert int(counted.group(1)) > 0
        assert counted.group(2) == "0"
        served = [line for line in server.output().splitlines() if API_REQUEST.search(line)]
        assert served, f"{server.url} logged no API request"


@pytest.mark.parametrize(
    ("hosts", "message"),
    [
        ("", "give one or more root URLs"),
        (" , ", "give one or more root URLs"),
        ("127.0.0.1:8080", "'127.0.0.1:8080' is not an http:// URL"),
        ("ftp://127.0.0.1:8080", "'ftp://127.0.0.1:8080' is not an http:// URL"),
        ("http://127.0.0.1:99999", "'http://127.0.0.1:99999' is not an http:// URL"),
        ("http://127.0.0.1:8080/test", "give the simulator's root URL, with no path"),
        ("http://127.0.0.1:8080,http://127.0.0.1:8080/", "a host is named twice"),
        ("http://10.1.2.3:8080", "'http://10.1.2.3:8080' is not on this machine"),
    ],
)
def test_bad_hosts_are_refused_in_one_line(
    hosts: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POSC_SIM_ADMIN_TOKEN", raising=False)
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(loadtest, ["smoke", "--hosts", hosts])
    assert result.exit_code == 1
    assert result.output.startswith("Error: --hosts: ")
    assert message in result.output
    assert result.output.count("\n") == 1, result.output


def test_a_host_elsewhere_is_taken_with_the_admin_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSC_SIM_ADMIN_TOKEN", "a-token")
    urls = "http://10.1.2.3:8080/, http://[::1]:8081,http://localhost:8082"
    assert parse_hosts(urls) == [
        "http://10.1.2.3:8080",
        "http://[::1]:8081",
        "http://localhost:8082",
    ]


def test_workers_are_at_least_one() -> None:
    result = CliRunner().invoke(
        loadtest, ["smoke", "--hosts", "http://127.0.0.1:8080", "--workers", "0"]
    )
    assert result.exit_code == 2
    assert "--workers" in result.output


def test_workers_without_hosts_are_refused() -> None:
    result = CliRunner().invoke(loadtest, ["smoke", "--workers", "2"])
    assert result.exit_code == 1
    assert result.output == "Error: --workers: only with --hosts, which runs Locust distributed\n"
