"""What a scenario run reports: lines for the console and a JUnit XML file for CI.

JUnit layout: one ``testsuite`` per scenario file (``name``, ``file``, ``timestamp``,
``time``), one ``testcase`` per expectation (its ``time`` is the time spent judging it); a
user's client adds a case of its own, ``client exits with status N``, carrying its output in
``system-out`` and ``system-err``. A scenario that could not run is one case with an
``error`` whose message is the reason.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime

from simulator.scenarios.expectations import Check
from simulator.scenarios.runner import ClientRun, Outcome

ERROR_CASE = "scenario runs"
CLIENT_TAIL_LINES = 20
# Characters XML 1.0 cannot carry, even escaped; a client may print any of them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def console_lines(outcomes: list[Outcome]) -> list[str]:
    """Each scenario with its verdicts, the reasons and evidence of failures, then a total."""
    lines: list[str] = []
    for outcome in outcomes:
        lines += _scenario_lines(outcome)
    lines.append(summary(outcomes))
    return lines


def summary(outcomes: list[Outcome]) -> str:
    errors = sum(1 for o in outcomes if o.error is not None)
    failed = sum(1 for o in outcomes if not o.passed) - errors
    passed = len(outcomes) - failed - errors
    return f"scenarios: {passed} passed, {failed} failed, {errors} errors"


def _scenario_lines(outcome: Outcome) -> list[str]:
    where = f"({outcome.path}, {outcome.seconds:.1f} s)"
    if outcome.error is not None:
        lines = [f"ERROR {outcome.scenario} {where}", f"  {outcome.error}"]
        return lines + _client_tail(outcome.client)
    lines = [f"{'PASS' if outcome.passed else 'FAIL'} {outcome.scenario} {where}"]
    for check in outcome.checks:
        lines.append(f"  {'ok  ' if check.passed else 'FAIL'} {check.name}: {check.detail}")
        lines += [f"       {line}" for line in check.context]
    if outcome.client is not None and not outcome.passed:
        lines += _client_tail(outcome.client)
    return lines


def _client_tail(ran: ClientRun | None) -> list[str]:
    if ran is None:
        return []
    lines = []
    for name, text in (("stdout", ran.stdout), ("stderr", ran.stderr)):
        tail = text.rstrip().splitlines()[-CLIENT_TAIL_LINES:]
        if tail:
            lines += [f"  client {name} (last {len(tail)} lines):"]
            lines += [f"    | {line}" for line in tail]
    return lines


def junit_xml(outcomes: list[Outcome]) -> bytes:
    suites = ElementTree.Element(
        "testsuites",
        _counts(outcomes),
        name="posc-sim scenarios",
        timestamp=_timestamp(min((o.started_at for o in outcomes), default=datetime.now(UTC))),
        time=_seconds(sum(o.seconds for o in outcomes)),
    )
    for outcome in outcomes:
        _suite(suites, outcome)
    ElementTree.indent(suites)
    written: bytes = ElementTree.tostring(suites, encoding="utf-8", xml_declaration=True)
    return written


def _counts(outcomes: list[Outcome]) -> dict[str, str]:
    cases = sum(len(o.checks) if o.error is None else 1 for o in outcomes)
    failures = sum(1 for o in outcomes if o.error is None for c in o.checks if not c.passed)
    errors = sum(1 for o in outcomes if o.error is not None)
    return {"tests": str(cases), "failures": str(failures), "errors": str(errors)}


def _suite(parent: ElementTree.Element, outcome: Outcome) -> None:
    suite = ElementTree.SubElement(
        parent,
        "testsuite",
        _counts([outcome]),
        name=outcome.scenario,
        file=str(outcome.path),
        timestamp=_timestamp(outcome.started_at),
        time=_seconds(outcome.seconds),
        skipped="0",
    )
    if outcome.error is not None:
        case = _case(suite, outcome, ERROR_CASE, outcome.seconds)
        error = ElementTree.SubElement(
            case, "error", message=_clean(outcome.error), type="ScenarioError"
        )
        error.text = _clean(outcome.error_detail or outcome.error)
        _client_output(case, outcome.client)
        return
    for check in outcome.checks:
        case = _case(suite, outcome, check.name, check.seconds)
        if not check.passed:
            failure = ElementTree.SubElement(
                case, "failure", message=_clean(check.detail), type="ExpectationFailed"
            )
            failure.text = _clean("\n".join([check.detail, *check.context]))
        if _is_client_case(check, outcome):
            _client_output(case, outcome.client)


def _is_client_case(check: Check, outcome: Outcome) -> bool:
    return outcome.client is not None and check is outcome.checks[0]


def _case(
    suite: ElementTree.Element, outcome: Outcome, name: str, seconds: float
) -> ElementTree.Element:
    return ElementTree.SubElement(
        suite,
        "testcase",
        classname=outcome.scenario,
        name=name,
        file=str(outcome.path),
        time=_seconds(seconds),
    )


def _client_output(case: ElementTree.Element, ran: ClientRun | None) -> None:
    if ran is None:
        return
    ElementTree.SubElement(case, "system-out").text = _clean(ran.stdout)
    ElementTree.SubElement(case, "system-err").text = _clean(ran.stderr)


def _clean(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def _seconds(seconds: float) -> str:
    return f"{seconds:.3f}"


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
