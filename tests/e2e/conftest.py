"""A real ``posc-sim serve`` process on a free loopback port, started and stopped by the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

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
