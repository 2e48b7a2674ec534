"""The scenario runner, as a CI pipeline uses it: the built-in suite, reports and verdicts."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml

from simulator.scenarios.runner import BUILTIN_SCENARIOS, BUILTIN_SERVER_ENV
from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.server
SUITE = BUILTIN_SCENARIOS


def posc_sim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env=dict(os.environ),
    )


def test_the_built_in_suite_runs_green_with_a_junit_report(
    live_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    server = live_server("--workers", "2", env=BUILTIN_SERVER_ENV)
    report = tmp_path / "report.xml"
    result = posc_sim(
        "scenario", "run", str(SUITE), "--url", server.url, "--junit-xml", str(report)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].endswith(" passed, 0 failed, 0 errors")
    xml = JUnitXml.fromfile(str(report))
    assert xml.tests >= 8
    assert (xml.failures, xml.errors) == (0, 0)
    assert all(suite.time > 0 and suite.timestamp for suite in xml)


def test_a_failing_expectation_fails_the_run(
    live_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    server = live_server("--workers", "1")
    scenario = tmp_path / "wrong.yaml"
    scenario.write_text(
        "name: expects the impossible\nsite: test\n"
        "given:\n  users:\n    - {user_id: SOMEONE, password: Partner#2026}\n"
        "run:\n  steps:\n    - me: true\n"
        "expect:\n  - name: a lockout that never happened\n"
        "    journal: {operation: login, outcome: account_locked}\n"
    )
    taken = tmp_path / "taken.yaml"
    taken.write_text(
        "name: a user that exists\ngiven:\n  users:\n"
        "    - {user_id: DEMOMASTER, password: Partner#2026}\n"
        "expect:\n  - {name: never judged, last_status: 200}\n"
    )
    report = tmp_path / "report.xml"
    result = posc_sim(
        "scenario",
        "run",
        str(scenario),
        str(taken),
        "--url",
        server.url,
        "--junit-xml",
        str(report),
    )
    print(result.stdout, report.read_text(), sep="\n")  # what a CI log shows, with -s
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"FAIL expects the impossible ({scenario}, ")
    assert lines[1] == (
        "  FAIL a lockout that never happened: expected at least 1 journal entries matching "
        "{operation: login, outcome: account_locked}, got 0"
    )
    assert lines[2] == "       last journal entries:"
    assert " profile channel=api user_id=SOMEONE status=200 outcome=ok" in lines[3]
    assert lines[-1] == "scenarios: 0 passed, 1 failed, 1 errors"
    failing, erring = JUnitXml.fromfile(str(report))
    [case] = failing
    [failure] = case.result
    assert isinstance(failure, Failure)
    assert failure.message == lines[1].split(": ", 1)[1]
    [error_case] = erring
    assert error_case.result[0].message.startswith("given: POST /_sim/v1/users answered 409")


def test_a_client_command_is_judged_by_what_it_did(
    live_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    server = live_server("--workers", "1")
    client = tmp_path / "client.py"
    client.write_text(
        "import os, requests\n"
        "site = os.environ['POSC_SIM_SITE_URL']\n"
        "auth = (os.environ['POSC_SIM_USER_ID'], os.environ['POSC_SIM_PASSWORD'])\n"
        "requests.get(site + '/api/v1/me', auth=auth, timeout=10)\n"
    )
    scenario = tmp_path / "theirs.yaml"
    scenario.write_text(
        "name: their client signs in\nsite: prod\n"
        "given:\n  users:\n    - {user_id: THEIRS, password: Partner#2026}\n"
        "expect:\n  - name: one successful call\n"
        "    journal: {operation: profile, outcome: ok, user_id: THEIRS}\n    exactly: 1\n"
    )
    result = posc_sim(
        "scenario",
        "run",
        str(scenario),
        "--url",
        server.url,
        "--client",
        f"{sys.executable} {client}",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_names_the_line_and_key(tmp_path: Path) -> None:
    scenario = tmp_path / "typo.yaml"
    scenario.write_text("name: typo\nexpect:\n  - name: x\n    jornal: {operation: login}\n")
    result = posc_sim("scenario", "check", str(scenario))
    assert result.returncode == 1
    assert f"{scenario}:4: scenario.expect[0].jornal: unknown key" in result.stderr
    listed = posc_sim("scenario", "list", str(SUITE))
    assert "first login forces a password change" in listed.stdout
