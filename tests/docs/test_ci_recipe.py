"""docs/ci.md: its script runs as it is, and its pipelines call that script."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from junitparser import Failure, JUnitXml

from simulator.scenarios.runner import BUILTIN_SCENARIOS
from simulator.testing.server import free_port
from simulator.testing.simulator import FAST_HASH

pytestmark = pytest.mark.server
DOCS = Path(__file__).resolve().parents[2] / "docs"
SCRIPT = DOCS / "ci" / "posc-sim-scenarios.sh"
FAILING = """name: expects a lockout that never comes
run:
  steps:
    - me: true
expect:
  - name: locked
    last_error: account_locked
"""


def run_script(folder: Path, *paths: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The script as a CI job runs it: bash, posc-sim on the PATH, in the job's folder."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("POSC_SIM_")}
    environment = {
        **inherited,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "POSC_PORT": str(free_port()),
        "POSC_SIM_PASSWORD_HASH_METHOD": FAST_HASH,
        **env,
    }
    return subprocess.run(
        ["bash", str(SCRIPT), *paths],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def nobody_listens(port: int) -> bool:
    """The server is gone: a connection is refused (closed connections may still linger)."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_the_script_runs_a_suite_and_writes_junit(tmp_path: Path) -> None:
    result = run_script(
        tmp_path,
        str(BUILTIN_SCENARIOS / "lockout.yaml"),
        str(BUILTIN_SCENARIOS / "first-login.yaml"),
        POSC_SIM_ADMIN_TOKEN="ci-token",
        POSC_PORT=str(port := free_port()),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "scenarios: 2 passed, 0 failed, 0 errors"
    report = JUnitXml.fromfile(str(tmp_path / "posc-sim-junit.xml"))
    assert (report.failures, report.errors) == (0, 0)
    assert len(list(report)) == 2
    assert "posc-sim" in (tmp_path / "posc-sim-server.log").read_text()
    assert nobody_listens(port)


def test_a_failing_scenario_fails_the_job_and_is_in_the_report(tmp_path: Path) -> None:
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "failing.yaml").write_text(FAILING)
    result = run_script(tmp_path, "suite", POSC_REPORT="out/report.xml")
    assert result.returncode == 1
    assert "FAIL locked: expected last error code account_locked, got None" in result.stdout
    [suite] = JUnitXml.fromfile(str(tmp_path / "out" / "report.xml"))
    [case] = suite
    assert isinstance(case.result[0], Failure)


def pipelines() -> list[dict[str, object]]:
    blocks = re.findall(r"```yaml\n(.*?)```", (DOCS / "ci.md").read_text(), re.DOTALL)
    return [yaml.safe_load(block) for block in blocks]


def test_both_pipelines_call_the_tested_script_and_publish_its_report() -> None:
    github, gitlab = pipelines()
    steps = github["jobs"]["scenarios"]["steps"]  # type: ignore[index]
    runs = [step.get("run", "") for step in steps]
    assert "bash ci/posc-sim-scenarios.sh scenarios/" in runs
    published = next(step for step in steps if "upload-artifact" in step.get("uses", ""))
    assert "posc-sim-junit.xml" in published["with"]["path"]
    job = gitlab["posc-sim-scenarios"]  # type: ignore[index]
    assert "bash ci/posc-sim-scenarios.sh scenarios/" in job["script"]
    assert job["artifacts"]["reports"]["junit"] == job["variables"]["POSC_REPORT"]
    assert job["artifacts"]["when"] == "always"
