"""Lockout state lives in the database, so it holds across worker processes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from tests.e2e.conftest import LiveServer, add_user
from tests.web.helpers import PASSWORD

pytestmark = pytest.mark.server
MAX_CONNECTIONS_TRIED = 60


def connection_to_another_worker(server: LiveServer, known_pid: str) -> requests.Session:
    """A keep-alive connection served by a worker other than ``known_pid``."""
    for _ in range(MAX_CONNECTIONS_TRIED):
        connection = requests.Session()
        pid = connection.get(f"{server.url}/test/login", timeout=10).headers["X-POSC-Worker"]
        if pid != known_pid:
            return connection
        connection.close()
    raise AssertionError("every connection went to the same worker")


def test_five_failures_spread_over_two_workers_still_lock(
    live_server: Callable[..., LiveServer],
) -> None:
    server = live_server("--workers", "2")
    add_user(server, "test", "SPREAD1")
    first = requests.Session()
    first_pid = first.get(f"{server.url}/test/login", timeout=10).headers["X-POSC-Worker"]
    second = connection_to_another_worker(server, first_pid)
    wrong = ("SPREAD1", "Wrong#1234")
    seen = set()
    for connection in (first, second, first, second):
        answer = connection.get(f"{server.url}/test/api/v1/me", auth=wrong, timeout=10)
        assert answer.json()["error"]["code"] == "invalid_credentials"
        seen.add(answer.headers["X-POSC-Worker"])
    assert len(seen) == 2
    fifth = first.get(f"{server.url}/test/api/v1/me", auth=wrong, timeout=10)
    assert (fifth.status_code, fifth.json()["error"]["code"]) == (423, "account_locked")
    right = second.get(f"{server.url}/test/api/v1/me", auth=("SPREAD1", PASSWORD), timeout=10)
    assert right.status_code == 423
