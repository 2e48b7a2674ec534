"""The PostgreSQL starter: a server with the settings asked, gone with its folder afterwards."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import psutil
import pytest
from sqlalchemy import text

from simulator.testing.postgres import (
    TEST_DATABASE_ENV,
    admin_engine,
    create_database,
    drop_database,
    running_server,
)


def show(server_url: str, name: str) -> str:
    with admin_engine(server_url) as admin, admin.connect() as connection:
        return str(connection.execute(text(f"SHOW {name}")).scalar())


def postgres_processes(folder: Path) -> list[psutil.Process]:
    return [
        process
        for process in psutil.process_iter(["cmdline"])
        if str(folder) in " ".join(process.info["cmdline"] or ())
    ]


def test_a_setting_that_takes_a_restart_is_in_force_and_the_server_still_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(TEST_DATABASE_ENV, raising=False)  # a server of this test's own
    # Outside pytest's temporary folder, which each test worker makes private to its user
    # again while it starts: a server running as another user could not reach it.
    folder = Path(tempfile.gettempdir()) / f"posc-sim-postgres-{uuid.uuid4().hex[:12]}"
    settings = {"max_connections": "150", "synchronous_commit": "off"}
    with running_server(folder, settings) as server_url:
        assert show(server_url, "max_connections") == "150"
        assert show(server_url, "synchronous_commit") == "off"
        url = create_database(server_url, "made_here")
        with admin_engine(url) as engine, engine.connect() as connection:
            assert connection.execute(text("SELECT current_database()")).scalar() == "made_here"
        drop_database(server_url, "made_here")
        assert postgres_processes(folder)
    assert not folder.exists()
    assert not postgres_processes(folder)
