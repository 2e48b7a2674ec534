"""Transport faults and exact counting against the real multi-process server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LiveServer, add_user
from tests.web.helpers import PASSWORD

pytestmark = pytest.mark.server
AUTH = ("FAULT01", PASSWORD)


@pytest.fixture
def server(live_server: Callable[..., LiveServer]) -> LiveServer:
    started = live_server("--workers", "3")
    add_user(started, "test", "FAULT01")
    return started


def add_fault(server: LiveServer, **rule: Any) -> dict[str, Any]:
    response = requests.post(f"{server.url}/_sim/v1/faults", json=rule, timeout=10)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_reset_connection_is_a_connection_error(server: LiveServer) -> None:
    add_fault(server, operation="profile", action={"type": "reset_connection"}, times=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/test/api/v1/me", auth=AUTH, timeout=10)
    assert requests.get(f"{server.url}/test/api/v1/me", auth=AUTH, timeout=10).status_code == 200


def test_truncated_download_is_an_incomplete_read(server: LiveServer) -> None:
    placed = requests.post(
        f"{server.url}/_sim/v1/files",
        json={
            "site": "test",
            "provider_id": "110048577A",
            "transaction_type": "835",
            "content": "ISA*" + "Y" * 100_000,
        },
        timeout=10,
    ).json()
    add_fault(
        server, operation="download", action={"type": "truncate_body", "bytes": 1000}, times=1
    )
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(f"{server.url}/test/api/v1/files/{placed['file_id']}", auth=AUTH, timeout=10)


def test_delay_holds_the_answer(server: LiveServer) -> None:
    add_fault(server, operation="profile", action={"type": "delay", "ms": 600}, times=1)
    started = time.monotonic()
    assert requests.get(f"{server.url}/test/api/v1/me", auth=AUTH, timeout=10).status_code == 200
    assert time.monotonic() - started >= 0.6


def test_a_times_ten_rule_fires_exactly_ten_times_under_concurrency(server: LiveServer) -> None:
    rule = add_fault(
        server,
        site="test",
        operation="profile",
        action={"type": "error", "status": 503, "retry_after": 1},
        times=10,
    )

    def call(_: int) -> int:
        return requests.get(f"{server.url}/test/api/v1/me", auth=AUTH, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(call, range(100)))
    assert statuses.count(503) == 10
    assert statuses.count(200) == 90
    listed = requests.get(f"{server.url}/_sim/v1/faults", timeout=10).json()["faults"]
    assert [(r["id"], r["fired"]) for r in listed] == [(rule["id"], 10)]
    fired = requests.get(
        f"{server.url}/_sim/v1/journal", params={"site": "test"}, timeout=10
    ).json()["entries"]
    assert sum(1 for e in fired if e["fault_id"] == rule["id"]) == 10


def test_fault_commands_and_configured_rules(
    live_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    config = tmp_path / "posc-sim.toml"
    config.write_text(
        '[[faults]]\noperation = "maintenance_window_never"\naction = { type = "maintenance" }\n'
    )
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "serve",
            "--config",
            str(config),
            "--data-dir",
            str(tmp_path / "bad"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert "fault_rules: rule 1: operation:" in bad.stderr
    config.write_text(
        '[[faults]]\nsite = "prod"\noperation = "search"\n'
        'action = { type = "error", status = 503, retry_after = 9 }\n'
    )
    server = live_server("--workers", "1", "--config", str(config))
    environment = {**os.environ, "POSC_SIM_URL": server.url}

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "simulator", "fault", *args],
            capture_output=True,
            text=True,
            env=environment,
            timeout=60,
        )

    listed = json.loads(command("list").stdout)["faults"]
    assert [(r["id"], r["action"]["retry_after"]) for r in listed] == [("config-1", 9)]
    added = command("add", '{"operation": "login", "action": {"type": "lockout"}, "times": 1}')
    assert added.returncode == 0, added.stderr
    refused = command("add", '{"operation": "login", "action": {"type": "nope"}}')
    assert refused.returncode != 0
    assert "action.type" in refused.stderr
    assert len(json.loads(command("list").stdout)["faults"]) == 2
    assert command("clear").returncode == 0
    assert json.loads(command("list").stdout)["faults"] == []
