"""A real ``posc-sim serve`` process on a free loopback port, started and stopped by the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from simulator.testing.server import SimulatorServer, start_server

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
