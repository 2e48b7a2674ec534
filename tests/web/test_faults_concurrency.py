"""Fault counting stays exact when many requests meet one rule at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient

from simulator.settings import Settings
from tests.web.helpers import create_user, upload
from tests.web.test_faults import add_fault


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(threads=30)


def test_a_rule_fires_exactly_times_across_concurrent_requests(
    app: Flask, client: FlaskClient
) -> None:
    """Thirty uploads at once (a server of 30 threads) against ``times: 10``: exactly ten meet
    the fault."""
    alice = create_user(client, "test", "ALICE01")["user_id"]
    add_fault(
        client, site="test", operation="upload", action={"type": "error", "status": 503}, times=10
    )
    callers = 30
    start = threading.Barrier(callers)

    def send(_: int) -> int:
        own = app.test_client()
        start.wait()
        return upload(own, "test", alice, [(b"ISA*00*concurrent~", "c.txt")]).status_code

    with ThreadPoolExecutor(callers) as pool:
        statuses = list(pool.map(send, range(callers)))
    assert statuses.count(503) == 10
    assert statuses.count(201) == 20
    (rule,) = client.get("/_sim/v1/faults").get_json()["faults"]
    assert rule["fired"] == 10
