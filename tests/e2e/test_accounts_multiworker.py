"""Lockout state lives in the database, so it holds across worker processes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from tests.e2e.conftest import LiveServer, add_user
from tests.web.helpers import PASSWORD

pytestmark = pytest.mark.server
MAX_CONNECTIONS_TRIED = 60
WRONG = ("SPREAD1", "Wrong#1234")


def connection_to_worker(server: LiveServer, wanted: Callable[[str], bool]) -> requests.Session:
    """A fresh keep-alive connection whose worker ``wanted`` accepts.

    Made just before its one use: gunicorn closes a keep-alive connection idle for two
    seconds, and the client's silent reconnect may land on any worker.
    """
    for _ in range(MAX_CONNECTIONS_TRIED):
        connection = requests.Session()
        pid = connection.get(f"{server.url}/test/login", timeout=10).headers["X-POSC-Worker"]
        if wanted(pid):
            return connection
        connection.close()
    raise AssertionError("every connection went to the same worker")


def wrong_password_on(server: LiveServer, wanted: Callable[[str], bool]) -> str:
    """One failed sign-in served by a worker ``wanted`` accepts; the worker that served it."""
    with connection_to_worker(server, wanted) as connection:
        answer = connection.get(f"{server.url}/test/api/v1/me", auth=WRONG, timeout=10)
    assert answer.json()["error"]["code"] == "invalid_credentials"
    return answer.headers["X-POSC-Worker"]


def test_five_failures_spread_over_two_workers_still_lock(
    live_server: Callable[..., LiveServer],
) -> None:
    server = live_server("--workers", "2")
    add_user(server, "test", "SPREAD1")
    first = wrong_password_on(server, lambda pid: True)
    second = wrong_password_on(server, lambda pid: pid != first)
    seen = {first, second}
    seen.add(wrong_password_on(server, lambda pid: pid == first))
    seen.add(wrong_password_on(server, lambda pid: pid == second))
    assert len(seen) == 2
    fifth = requests.get(f"{server.url}/test/api/v1/me", auth=WRONG, timeout=10)
    assert (fifth.status_code, fifth.json()["error"]["code"]) == (423, "account_locked")
    right = requests.get(f"{server.url}/test/api/v1/me", auth=("SPREAD1", PASSWORD), timeout=10)
    assert right.status_code == 423
