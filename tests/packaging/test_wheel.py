"""What a user gets from ``pip install``: the wheel, installed into a fresh environment.

The editable install that ``run.py`` makes puts the source tree on the path, which once hid a
package missing from the wheel. Here the wheel is built from the checkout and installed with
only the ``testing`` extra into a new virtual environment; every command runs from an empty
folder, so nothing of the source tree can be imported by accident.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from simulator.testing.server import READY_PATH, ServerProcess, clean_env, free_port

ROOT = Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT_SECONDS = 600
NOT_SOURCE = (
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".posc-sim",
)
COMMAND_TIMEOUT_SECONDS = 300

pytestmark = pytest.mark.server

OUTSIDE_TEST = """
import requests

from simulator.testing.mock import mock_posc


def test_the_fixture_answers_the_api(posc_sim):
    posc_sim.create_user("test", "ALICE01", "Secret#123", providers=["110048577A"])
    answer = posc_sim.client.get("/test/api/v1/me", auth=("ALICE01", "Secret#123"))
    assert answer.status_code == 200
    assert answer.get_json()["user_id"] == "ALICE01"


def test_mock_posc_answers_requests():
    with mock_posc() as posc:
        posc.create_user("prod", "BOB01", "Secret#123", providers=["110048577A"])
        me = requests.get("https://posc.example.test/prod/api/v1/me", auth=("BOB01", "Secret#123"))
        assert me.json()["providers"][0]["provider_id"] == "110048577A"
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment holding the wheel and its ``testing`` extra; its bin folder."""
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "source"
    # A copy without local build output: a stale build/ folder would go into the wheel.
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    wheels = folder / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(source)], folder)
    (wheel,) = wheels.glob("posc_sim-*.whl")
    environment = folder / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    bin_folder = environment / ("Scripts" if os.name == "nt" else "bin")
    run([str(bin_folder / "python"), "-m", "pip", "install", f"{wheel}[testing]"], folder)
    return bin_folder


def run(command: list[str], cwd: Path) -> str:
    """Run ``command`` in ``cwd`` with no ``PYTHONPATH``; its output, or a failure showing it."""
    environment = {k: v for k, v in clean_env({}).items() if k != "PYTHONPATH"}
    result = subprocess.run(
        command,
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_SECONDS,
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_the_installed_command_knows_its_version(installed: Path, tmp_path: Path) -> None:
    version = run([str(installed / "python"), "-c", VERSION_OF_METADATA], tmp_path).strip()
    assert run([str(installed / "posc-sim"), "--version"], tmp_path).split()[-1] == version


VERSION_OF_METADATA = "from importlib.metadata import version; print(version('posc-sim'))"


def test_the_built_in_scenarios_ship_in_the_wheel(installed: Path, tmp_path: Path) -> None:
    listing = run([str(installed / "posc-sim"), "scenario", "list"], tmp_path)
    lines = listing.splitlines()
    assert len(lines) >= 20
    assert any("lockout" in line for line in lines)
    assert all("site-packages" in line for line in lines)


def test_the_installed_server_starts_and_gets_ready(installed: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [str(installed / "posc-sim"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--data-dir", str(tmp_path / "data"), "--workers", "1"]
    server = ServerProcess.launch(command, port, tmp_path / "server.log", clean_env({}))
    try:
        server.wait_ready(READY_PATH)
        assert "Test Transactions" in server.output()
    finally:
        server.stop()


def test_an_outside_project_uses_the_plugin_and_mock_posc(installed: Path, tmp_path: Path) -> None:
    project = tmp_path / "partner-project"
    project.mkdir()
    (project / "test_partner.py").write_text(OUTSIDE_TEST)
    output = run(
        [str(installed / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project
    )
    assert "2 passed" in output
