"""A database the simulator cannot use stops the start with one line naming ``database_url``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from simulator.testing.postgres import database_url
from simulator.testing.server import clean_env, free_port
from tests.databases import DatabaseFactory


def start_on(url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "simulator", "seed", "--data-dir", str(data_dir)]
    env = clean_env({"POSC_SIM_DATABASE_URL": url})
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("problem", ["unreachable server", "no such database"])
def test_an_unusable_database_is_one_line_naming_the_key(
    problem: str, postgres: DatabaseFactory, tmp_path: Path
) -> None:
    if problem == "unreachable server":
        url = f"postgresql://posc:secret@127.0.0.1:{free_port()}/posc"
    else:
        url = database_url(postgres.server_url, "nowhere")
    started = start_on(url, tmp_path)
    assert started.returncode == 2
    lines = started.stderr.strip().splitlines()
    assert len(lines) == 1, started.stderr
    assert lines[0].startswith("posc-sim: error: database_url: cannot use ")
    assert "secret" not in lines[0]  # the password is never printed
    assert "Traceback" not in started.stderr
