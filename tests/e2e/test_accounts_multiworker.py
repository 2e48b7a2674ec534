"""Lockout state lives in the database, so it holds across worker processes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from tests.e2e.conftest import LiveServer, add_user
from tests.web.helpers import PASSWORD

pytestmark = pytest.mark.server
MAX_CONNECTIONS_TRIED = 60
WRONG_PASSWORD = "Wrong#1234"
MAX_SPREAD_TRIES = 5


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


def wrong_password_on(server: LiveServer, user_id: str, wanted: Callable[[str], bool]) -> str:
    """One failed sign-in served by a worker ``wanted`` accepts; the worker that served it."""
    with connection_to_worker(server, wanted) as connection:
        answer = connection.get(
            f"{server.url}/test/api/v1/me", auth=(user_id, WRONG_PASSWORD), timeout=10
        )
    assert answer.json()["error"]["code"] == "invalid_credentials"
    return answer.headers["X-POSC-Worker"]


def four_failures_on_two_workers(server: LiveServer, user_id: str) -> bool:
    """Four failed sign-ins of a new user, aimed at two workers in turn; whether both served.

    A connection's keep-alive is the server's to end, so an aimed request may still land on
    the other worker: the spread is checked, not assumed.
    """
    add_user(server, "test", user_id)
    first = wrong_password_on(server, user_id, lambda pid: True)
    second = wrong_password_on(server, user_id, lambda pid: pid != first)
    third = wrong_password_on(server, user_id, lambda pid: pid == first)
    fourth = wrong_password_on(server, user_id, lambda pid: pid == second)
    return len({first, second, third, fourth}) == 2


def test_five_failures_spread_over_two_workers_still_lock(
    live_server: Callable[..., LiveServer],
) -> None:
    server = live_server("--workers", "2")
    user_id = next(
        user
        for user in (f"SPREAD{n}" for n in range(1, MAX_SPREAD_TRIES + 1))
        if four_failures_on_two_workers(server, user)
    )
    wrong = (user_id, WRONG_PASSWORD)
    fifth = requests.get(f"{server.url}/test/api/v1/me", auth=wrong, timeout=10)
    assert (fifth.status_code, fifth.json()["error"]["code"]) == (423, "account_locked")
    right = requests.get(f"{server.url}/test/api/v1/me", auth=(user_id, PASSWORD), timeout=10)
    assert right.status_code == 423
