"""The runner against an in-process simulator: each scenario stands or falls on its own."""

from __future__ import annotations

import sys
from pathlib import Path

from simulator.scenarios.runner import Outcome, Runner
from simulator.testing.mock import DEFAULT_BASE_URL, mock_posc
from simulator.testing.server import free_port

GOOD = """name: a good one
site: test
run:
  steps:
    - me: true
expect:
  - name: the call worked
    last_status: 200
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


def run(*paths: Path, client: str | None = None) -> list[Outcome]:
    with mock_posc():
        return Runner(DEFAULT_BASE_URL, client_command=client).run_all(paths)


def test_a_refused_set_up_is_that_scenarios_error_and_the_next_one_runs(tmp_path: Path) -> None:
    taken = write(
        tmp_path,
        "taken",
        "name: a user that exists\ngiven:\n  users:\n"
        "    - {user_id: DEMOMASTER, password: Partner#2026}\n"
        "expect:\n  - {name: never judged, last_status: 200}\n",
    )
    typo = write(tmp_path, "typo", GOOD.replace("site: test", "site: tset"))
    fault = write(
        tmp_path,
        "fault",
        GOOD.replace(
            "run:", "given:\n  faults:\n    - {operation: logn, action: {type: lockout}}\nrun:"
        ),
    )
    first, second, third, good = run(taken, typo, fault, write(tmp_path, "good", GOOD))
    assert first.error is not None
    assert first.error.startswith("given: POST /_sim/v1/users answered 409 (")
    assert first.checks == []
    assert second.error == (
        f"invalid scenario: {typo}:2: scenario.site: expected one of test, prod, got 'tset'"
    )
    assert third.error is not None
    assert f"{fault}:5: scenario.given.faults[0]: operation: expected one of" in third.error
    assert good.passed
    assert good.error is None
    assert [(c.name, c.passed) for c in good.checks] == [("the call worked", True)]


def test_an_unreachable_server_is_a_one_line_reason(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    outcome = Runner(url).run(write(tmp_path, "good", GOOD))
    assert outcome.error == f"cannot reach {url}: Connection refused"
    assert outcome.seconds > 0


def test_a_client_that_hangs_is_stopped_and_its_output_kept(tmp_path: Path) -> None:
    script = tmp_path / "hangs.py"
    script.write_text("import time\nprint('waiting', flush=True)\ntime.sleep(60)\n")
    command = f"{sys.executable} {script}"
    hang = write(
        tmp_path,
        "hang",
        f"name: a client that hangs\nrun:\n  client: {command}\n  timeout: 1\n"
        "expect:\n  - {name: never judged, last_status: 200}\n",
    )
    outcome, after = run(hang, write(tmp_path, "after", GOOD))
    assert outcome.error == f"client: {command} did not finish in 1 s and was stopped"
    assert outcome.client is not None
    assert outcome.client.stdout == "waiting\n"
    assert outcome.seconds < 30
    assert after.passed


def test_a_client_exit_status_is_judged_and_its_output_recorded(tmp_path: Path) -> None:
    script = tmp_path / "client.py"
    script.write_text(
        "import sys\nprint('sent 0 files')\nprint('no route', file=sys.stderr)\nsys.exit(3)\n"
    )
    plain = write(
        tmp_path,
        "plain",
        "name: plain\nexpect:\n  - {name: n, at_most: 5, journal: {operation: upload}}\n",
    )
    expected = write(
        tmp_path,
        "expected",
        "name: expects 3\nrun:\n  exit_status: 3\n"
        "expect:\n  - {name: n, at_most: 5, journal: {operation: upload}}\n",
    )
    failing, passing = run(plain, expected, client=f"{sys.executable} {script}")
    exit_check = failing.checks[0]
    assert (exit_check.name, exit_check.passed) == ("client exits with status 0", False)
    assert exit_check.detail == "expected exit status 0, got 3"
    assert failing.client is not None
    assert (failing.client.stdout, failing.client.stderr) == ("sent 0 files\n", "no route\n")
    assert failing.checks[1].passed
    assert not failing.passed
    assert passing.passed
    assert passing.checks[0].name == "client exits with status 3"
