"""Running scenarios: reset, set up, run the client, check what happened.

Everything goes through the server's public and control interfaces, so the runner works the
same against a server it started itself and against one a CI pipeline runs elsewhere. A
scenario that cannot run (a bad file, a refused set-up call, an unreachable server, a client
that hangs) ends as an error with its reason; the scenarios after it still run.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from simulator.scenarios.client import ClientState, ReferenceClient
from simulator.scenarios.expectations import Check, Expectations
from simulator.scenarios.schema import ScenarioError, load_scenario
from simulator.scenarios.setup import Control, apply_given

TIMEOUT = 30
CLIENT_TIMEOUT = 300
DEMO_USER, DEMO_PASSWORD = "DEMOMASTER", "Welcome#2026"


class ScenarioAbortedError(Exception):
    """The scenario cannot go on; the message says at which step and why."""


class NoScenarioFilesError(ValueError):
    """The paths given hold no scenario file, so there would be nothing to run or check."""


@dataclass
class ClientRun:
    """A user's own client, as it ran: ``exit_status`` is None when it was stopped."""

    command: str
    exit_status: int | None
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Outcome:
    """One scenario's result: its checks, or the ``error`` that stopped it before them."""

    scenario: str
    path: Path
    checks: list[Check] = field(default_factory=list)
    error: str | None = None
    error_detail: str = ""
    client: ClientRun | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.error is None and all(check.passed for check in self.checks)


BUILTIN_SCENARIOS = Path(__file__).with_name("builtin")


def scenario_files(paths: Sequence[Path]) -> list[Path]:
    """The ``.yaml`` files named or found in the folders named; the built-in suite for none.

    Paths that hold no scenario file are refused: a run that checks nothing must not pass.
    """
    given = list(paths or (BUILTIN_SCENARIOS,))
    found: list[Path] = []
    for path in given:
        found += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not found:
        where = ", ".join(str(p) for p in given)
        raise NoScenarioFilesError(f"no scenario files (*.yaml) in {where}")
    return found


class Runner:
    def __init__(
        self, url: str, admin_token: str | None = None, client_command: str | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        self.client_command = client_command

    def run_all(self, paths: Iterable[Path]) -> list[Outcome]:
        return [self.run(path) for path in paths]

    def run(self, path: Path) -> Outcome:
        """Run one scenario file; whatever goes wrong ends as this outcome's error."""
        outcome = Outcome(path.stem, path)
        started = time.monotonic()
        try:
            scenario = load_scenario(path)
            outcome.scenario = scenario["name"]
            self._play(scenario, path, outcome)
        except ScenarioError as error:
            outcome.error = f"invalid scenario: {error}"
        except ClientTimeoutError as error:
            outcome.error, outcome.client = str(error), error.ran
        except ScenarioAbortedError as error:
            outcome.error = str(error)
        except requests.RequestException as error:
            outcome.error = f"cannot reach {self.url}: {connection_reason(error)}"
        except Exception as error:  # a runner defect must not take the other scenarios down
            outcome.error = f"the runner failed: {type(error).__name__}: {error}"
            outcome.error_detail = traceback.format_exc()
        outcome.seconds = time.monotonic() - started
        return outcome

    def _play(self, scenario: dict[str, Any], path: Path, outcome: Outcome) -> None:
        site = scenario.get("site", "test")
        self._start_clean(site, scenario)
        given = scenario.get("given", {})
        apply_given(self._stage("given"), site, given)
        run = scenario.get("run", {})
        state = _client_state(run, given)
        command = self.client_command or run.get("client")
        if command:
            outcome.client = self._external(command, site, state, run)
            outcome.checks.append(_exit_check(outcome.client, run.get("exit_status", 0)))
        else:
            client = ReferenceClient(self.url, site, state, path.parent, self._stage("run"))
            client.run(run.get("steps", []))
        journal = self._control("GET", "/journal", "expect", params={"site": site, "limit": 100000})
        expectations = Expectations(
            lambda where: self._control("GET", where, "expect"), site, state, journal["entries"]
        )
        outcome.checks += [expectations.check(wanted) for wanted in scenario["expect"]]

    def _start_clean(self, site: str, scenario: dict[str, Any]) -> None:
        reset = {
            "site": site,
            "seed": scenario.get("seed", 1),
            "dataset": scenario.get("dataset", "demo"),
        }
        self._control("POST", "/reset", "reset", json=reset)
        self._control("POST", "/clock", "reset", json={"freeze": False})
        self._control("DELETE", "/journal", "reset")

    def _stage(self, stage: str) -> Control:
        """Control calls on behalf of one stage of the scenario (named in a refusal)."""
        return lambda method, where, body: self._control(method, where, stage, json=body)

    def _control(self, method: str, path: str, stage: str, **kwargs: Any) -> Any:
        """One control API call; a refusal stops the scenario, naming the stage and the reason."""
        answer = requests.request(
            method, f"{self.url}/_sim/v1{path}", headers=self.headers, timeout=TIMEOUT, **kwargs
        )
        if answer.status_code >= 400:
            refusal = f"{stage}: {method} /_sim/v1{path} answered {_refusal(answer)}"
            raise ScenarioAbortedError(refusal)
        return answer.json() if answer.content else None

    def _external(
        self, command: str, site: str, state: ClientState, run: dict[str, Any]
    ) -> ClientRun:
        environment = {
            **os.environ,
            "POSC_SIM_URL": self.url,
            "POSC_SIM_SITE_URL": f"{self.url}/{site}",
            "POSC_SIM_USER_ID": state.user_id,
            "POSC_SIM_PASSWORD": state.password,
        }
        timeout = run.get("timeout", CLIENT_TIMEOUT)
        started = time.monotonic()
        try:
            result = subprocess.run(
                shlex.split(command),
                env=environment,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as stopped:
            ran = ClientRun(
                command, None, _text(stopped.stdout), _text(stopped.stderr), float(timeout)
            )
            stop = f"client: {command} did not finish in {timeout} s and was stopped"
            raise ClientTimeoutError(ran, stop) from None
        except (OSError, ValueError) as error:
            raise ScenarioAbortedError(f"client: cannot start {command!r}: {error}") from None
        seconds = time.monotonic() - started
        return ClientRun(command, result.returncode, result.stdout, result.stderr, seconds)


class ClientTimeoutError(ScenarioAbortedError):
    """The client ran past its time and was stopped; ``ran`` holds what it printed."""

    def __init__(self, ran: ClientRun, message: str) -> None:
        super().__init__(message)
        self.ran = ran


def _client_state(run: dict[str, Any], given: dict[str, Any]) -> ClientState:
    """The account the client acts as: ``run.user_id``, the first given user, or the demo."""
    users = given.get("users", [])
    user_id = run.get("user_id") or (users[0]["user_id"] if users else DEMO_USER)
    password = run.get("password") or next(
        (u["password"] for u in users if u["user_id"] == user_id), DEMO_PASSWORD
    )
    return ClientState(user_id, password)


def _exit_check(ran: ClientRun, expected: int) -> Check:
    passed = ran.exit_status == expected
    detail = f"expected exit status {expected}, got {ran.exit_status}"
    return Check(f"client exits with status {expected}", passed, detail, seconds=ran.seconds)


def _refusal(answer: requests.Response) -> str:
    try:
        error = answer.json().get("error", {})
        reason = f"{error.get('code')}: {error.get('message')}"
    except (ValueError, AttributeError):
        reason = answer.text[:200].strip() or answer.reason
    return f"{answer.status_code} ({reason})"


def _text(captured: str | bytes | None) -> str:
    if isinstance(captured, bytes):
        return captured.decode(errors="replace")
    return captured or ""


ERRNO_MESSAGE = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


def connection_reason(error: requests.RequestException) -> str:
    """The short cause of a failed connection ("Connection refused"), not the whole chain."""
    found = ERRNO_MESSAGE.search(str(error))
    if found:
        return found.group(1).strip()
    if isinstance(error, requests.Timeout):
        return f"no answer within {TIMEOUT} s"
    return type(error).__name__
