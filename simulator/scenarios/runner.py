"""Running scenarios: reset, set up, run the client, check what happened, report.

Everything goes through the server's public and control interfaces, so the runner works the
same against a server it started itself and against one a CI pipeline runs elsewhere.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from simulator.scenarios.client import ClientState, ReferenceClient
from simulator.scenarios.schema import load_scenario
from simulator.scenarios.setup import apply_given

TIMEOUT = 30
DEFAULT_PASSWORD = "Scenario#2026"


@dataclass
class Check:
    """One expectation's verdict, with the journal entries (by seq) that decided it."""

    name: str
    passed: bool
    detail: str
    evidence: list[int] = field(default_factory=list)


@dataclass
class Outcome:
    scenario: str
    path: Path
    checks: list[Check]
    client_output: str = ""

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)


BUILTIN_SCENARIOS = Path(__file__).with_name("builtin")


def scenario_files(paths: Sequence[Path]) -> list[Path]:
    """The ``.yaml`` files named or found in the folders named; the built-in suite for none."""
    found: list[Path] = []
    for path in paths or (BUILTIN_SCENARIOS,):
        found += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    return found


class Runner:
    def __init__(
        self, url: str, admin_token: str | None = None, client_command: str | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        self.client_command = client_command

    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = requests.request(
            method, f"{self.url}/_sim/v1{path}", headers=self.headers, timeout=TIMEOUT, **kwargs
        )
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer.json() if answer.content else None

    def run(self, path: Path) -> Outcome:
        scenario = load_scenario(path)
        site = scenario.get("site", "test")
        self._control(
            "POST",
            "/reset",
            json={
                "site": site,
                "seed": scenario.get("seed", 1),
                "dataset": scenario.get("dataset", "demo"),
            },
        )
        self._control("POST", "/clock", json={"freeze": False})
        self._control("DELETE", "/journal")
        self._setup(site, scenario.get("given", {}))
        run = scenario.get("run", {})
        users = scenario.get("given", {}).get("users", [])
        user_id = run.get("user_id") or (users[0]["user_id"] if users else "DEMOMASTER")
        password = run.get("password") or next(
            (u["password"] for u in users if u["user_id"] == user_id), "Welcome#2026"
        )
        state = ClientState(user_id, password)
        output = ""
        command = self.client_command or run.get("client")
        if command:
            output = self._external(command, site, user_id, password, run.get("timeout", 300))
        else:
            client = ReferenceClient(self.url, site, state, path.parent, self.headers)
            client.run(run.get("steps", []))
        journal = self._control("GET", "/journal", params={"site": site, "limit": 100000})
        checks = [
            Expectations(self, site, state, journal["entries"]).check(expectation)
            for expectation in scenario["expect"]
        ]
        return Outcome(scenario["name"], path, checks, output)

    def _setup(self, site: str, given: dict[str, Any]) -> None:
        apply_given(lambda method, path, body: self._control(method, path, json=body), site, given)

    def _external(self, command: str, site: str, user_id: str, password: str, timeout: int) -> str:
        environment = {
            **os.environ,
            "POSC_SIM_URL": self.url,
            "POSC_SIM_SITE_URL": f"{self.url}/{site}",
            "POSC_SIM_USER_ID": user_id,
            "POSC_SIM_PASSWORD": password,
        }
        result = subprocess.run(
            shlex.split(command),
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return result.stdout + result.stderr


class Expectations:
    """Evaluates expectations against the journal and the server's state."""

    def __init__(
        self, runner: Runner, site: str, state: ClientState, entries: list[dict[str, Any]]
    ) -> None:
        self.runner = runner
        self.site = site
        self.state = state
        self.entries = entries

    def check(self, expectation: dict[str, Any]) -> Check:
        name = expectation["name"]
        for key, method in (
            ("journal", self._journal),
            ("uploads", self._uploads),
            ("every_upload_999_downloaded", self._acknowledged),
            ("downloads_in_order", self._ordered),
            ("file_contains", self._contains),
            ("last_status", self._last_status),
            ("last_error", self._last_error),
        ):
            if key in expectation:
                passed, detail, evidence = method(expectation)
                return Check(name, passed, detail, evidence)
        return Check(name, False, "the expectation says nothing to check")

    def _journal(self, expectation: dict[str, Any]) -> tuple[bool, str, list[int]]:
        entries = self.entries
        if "after" in expectation:
            first = next((e for e in entries if _matches(e, expectation["after"])), None)
            entries = [e for e in entries if first and e["seq"] > first["seq"]]
        found = [e for e in entries if _matches(e, expectation["journal"])]
        passed = _counted(len(found), expectation)
        return passed, f"{len(found)} matching journal entries", [e["seq"] for e in found]

    def _uploads(self, expectation: dict[str, Any]) -> tuple[bool, str, list[int]]:
        wanted = expectation["uploads"]
        numbers = self.state.tracking_numbers or [
            e["tracking_number"]
            for e in self.entries
            if e["operation"] == "upload" and e["tracking_number"]
        ]
        if "has_tracking_number" in wanted:
            have = [n is not None for n in numbers]
            passed = bool(have) and all(h == wanted["has_tracking_number"] for h in have)
            return passed, f"tracking numbers: {numbers}", []
        problems = [
            problem
            for number in numbers
            if number
            for problem in self._batch_problems(number, wanted)
        ]
        passed = bool(numbers) and not problems and _counted(len(numbers), expectation)
        return passed, "; ".join(problems) or f"{len(numbers)} uploads as expected", []

    def _batch_problems(self, number: str, wanted: dict[str, Any]) -> list[str]:
        batch = self.runner._control("GET", f"/batches/{self.site}/{number}")
        problems = []
        if "status" in wanted and batch["status"] != wanted["status"]:
            problems.append(f"{number} is {batch['status']}, not {wanted['status']}")
        kinds = [f["transaction_type"] for f in batch["response_files"]]
        if "response_types" in wanted and sorted(kinds) != sorted(wanted["response_types"]):
            problems.append(f"{number} has {kinds}, not {wanted['response_types']}")
        if "ta1_note" in wanted:
            notes = [
                i.get("note_code")
                for f in (batch.get("report") or {}).get("files", [])
                for i in f.get("interchanges", [])
            ]
            if wanted["ta1_note"] not in notes:
                problems.append(f"{number} has TA1 notes {notes}, not {wanted['ta1_note']}")
        return problems

    def _acknowledged(self, _expectation: dict[str, Any]) -> tuple[bool, str, list[int]]:
        missing = []
        for number in [n for n in self.state.tracking_numbers if n]:
            batch = self.runner._control("GET", f"/batches/{self.site}/{number}")
            acks = [f for f in batch["response_files"] if f["transaction_type"] in ("999", "TA1")]
            if not acks or not all(f["date_last_downloaded"] for f in acks):
                missing.append(number)
        passed = not missing and bool(self.state.tracking_numbers)
        return passed, f"not downloaded for: {missing}" if missing else "all downloaded", []

    def _ordered(self, _expectation: dict[str, Any]) -> tuple[bool, str, list[int]]:
        dates = [d["date_available"] for d in self.state.downloads]
        return dates == sorted(dates) and bool(dates), f"{len(dates)} downloads in order", []

    def _contains(self, expectation: dict[str, Any]) -> tuple[bool, str, list[int]]:
        wanted = expectation["file_contains"]
        texts = [
            d["content"]
            for d in self.state.downloads
            if d["transaction_type"] == wanted["transaction_type"]
        ]
        passed = any(wanted["text"] in text for text in texts)
        return passed, f"{len(texts)} {wanted['transaction_type']} files downloaded", []

    def _last_status(self, expectation: dict[str, Any]) -> tuple[bool, str, list[int]]:
        last = self.state.statuses[-1] if self.state.statuses else None
        return last == expectation["last_status"], f"last status {last}", []

    def _last_error(self, expectation: dict[str, Any]) -> tuple[bool, str, list[int]]:
        last = self.state.errors[-1] if self.state.errors else None
        return last == expectation["last_error"], f"last error {last}", []


def _matches(entry: dict[str, Any], wanted: dict[str, Any]) -> bool:
    for key, value in wanted.items():
        if key == "fault":
            if bool(entry["fault_id"]) != value:
                return False
        elif entry.get(key) != value:
            return False
    return True


def _counted(count: int, expectation: dict[str, Any]) -> bool:
    """``exactly``, ``at_least`` and ``at_most``; with none of them, at least one."""
    if "exactly" in expectation:
        return count == int(expectation["exactly"])
    if "at_most" in expectation and count > int(expectation["at_most"]):
        return False
    least = int(expectation.get("at_least", 0 if "at_most" in expectation else 1))
    return count >= least


def junit_xml(outcomes: list[Outcome]) -> bytes:
    """One test suite; one test case per expectation, named after its scenario."""
    checks = [(o, c) for o in outcomes for c in o.checks]
    suite = ElementTree.Element(
        "testsuite",
        name="posc-sim scenarios",
        tests=str(len(checks)),
        failures=str(sum(1 for _, c in checks if not c.passed)),
    )
    for outcome, check in checks:
        case = ElementTree.SubElement(
            suite, "testcase", classname=outcome.scenario, name=check.name
        )
        if not check.passed:
            failure = ElementTree.SubElement(case, "failure", message=check.detail)
            failure.text = f"journal entries: {check.evidence}"
    written: bytes = ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True)
    return written
