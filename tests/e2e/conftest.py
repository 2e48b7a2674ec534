"""A real ``posc-sim serve`` process on a free loopback port, started and stopped by the test."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from posc_sim_fixtures.x12_builders import Submitter, build_837p
from simulator.store.database import Database
from simulator.testing.server import SimulatorServer, start_server
from tests.web.helpers import PASSWORD, QUESTIONS

LiveServer = SimulatorServer


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Start servers with ``live_server(*serve options, env={...})``; all stop at teardown."""
    started: list[LiveServer] = []

    def start(*args: str, env: dict[str, str] | None = None) -> LiveServer:
        server = start_server(tmp_path / f"data-{len(started)}", *args, env=env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def add_user(server: LiveServer, site: str, user_id: str) -> tuple[str, str]:
    """A user of provider 110048577A on ``site``, through the control API; its credentials."""
    response = requests.post(
        f"{server.url}/_sim/v1/users",
        json={
            "site": site,
            "user_id": user_id,
            "password": PASSWORD,
            "providers": ["110048577A"],
            "security_questions": QUESTIONS,
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return user_id, PASSWORD


@contextmanager
def streamed_uploads(
    server: LiveServer, user: tuple[str, str], threads: int = 4
) -> Iterator[list[requests.Response]]:
    """Small 837P uploads sent from ``threads`` threads until the block ends or the server is
    gone (a refused connection promised nothing); the answers, as they come."""
    answers: list[requests.Response] = []
    stop = threading.Event()
    claim = build_837p(Submitter(user[0]), claims=5)

    def send() -> None:
        with requests.Session() as session:
            session.auth = user
            while not stop.is_set():
                try:
                    answers.append(
                        session.post(
                            f"{server.test_url}/api/v1/batches",
                            data={"provider_id": "110048577A", "transaction_type": "837P"},
                            files={"files": ("claims.txt", claim)},
                            timeout=30,
                        )
                    )
                except requests.RequestException:
                    return

    senders = [threading.Thread(target=send) for _ in range(threads)]
    for sender in senders:
        sender.start()
    try:
        yield answers
    finally:
        stop.set()
        for sender in senders:
            sender.join(timeout=60)


def accepted(answers: list[requests.Response]) -> list[str]:
    """The tracking numbers of the uploads answered 201."""
    return [answer.json()["tracking_number"] for answer in answers if answer.status_code == 201]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll ``condition`` often (a job runs for a fraction of a second) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not reached in {timeout:g} s"
        time.sleep(0.01)


def jobs_where(database: Database, condition: str) -> int:
    """How many jobs meet ``condition`` (SQL), read beside the server."""
    with database.connected() as connection:
        return int(
            connection.execute(text(f"SELECT count(*) FROM jobs WHERE {condition}")).one()[0]
        )
