"""The JUnit file and console lines, read back as a CI server reads them (junitparser)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from junitparser import Attr, Error, Failure, JUnitXml, TestCase, TestSuite

from simulator.scenarios.expectations import Check
from simulator.scenarios.report import console_lines, junit_xml
from simulator.scenarios.runner import ClientRun, Outcome

STARTED = datetime(2026, 3, 2, 14, 0, 5, tzinfo=UTC)


class FiledCase(TestCase):
    """A test case with the ``file`` attribute that GitLab and others read."""

    file = Attr()


class FiledSuite(TestSuite):
    file = Attr()


def outcomes() -> list[Outcome]:
    failing = Check("two logins", False, "expected exactly 2 journal entries, got 1", [4])
    failing.context = ["nearest journal entries:", "  #5 login user_id=ANN status=401"]
    failing.seconds = 0.002
    client = ClientRun("my-client --all", 3, "sent 1 file\n", "boom \x1b[31m\n", 1.25)
    return [
        Outcome(
            "with a client",
            Path("suite/a.yaml"),
            [
                Check(
                    "client exits with status 0",
                    False,
                    "expected exit status 0, got 3",
                    seconds=1.25,
                ),
                failing,
                Check("uploads", True, "1 uploads as expected"),
            ],
            client=client,
            started_at=STARTED,
            seconds=2.5,
        ),
        Outcome(
            "a user that exists",
            Path("suite/b.yaml"),
            error="given: POST /_sim/v1/users answered 409 (conflict: taken)",
            started_at=STARTED,
            seconds=0.5,
        ),
    ]


def read(tmp_path: Path) -> JUnitXml:
    report = tmp_path / "report.xml"
    report.write_bytes(junit_xml(outcomes()))
    return JUnitXml.fromfile(str(report))


def test_each_scenario_is_a_suite_with_its_file_time_and_timestamp(tmp_path: Path) -> None:
    xml = read(tmp_path)
    assert (xml.tests, xml.failures, xml.errors) == (4, 2, 1)
    first, second = (FiledSuite.fromelem(suite) for suite in xml)
    assert (first.name, first.file, first.time, first.timestamp) == (
        "with a client",
        "suite/a.yaml",
        2.5,
        "2026-03-02T14:00:05",
    )
    assert (first.tests, first.failures, first.errors) == (3, 2, 0)
    assert (second.tests, second.failures, second.errors) == (1, 0, 1)
    cases = [FiledCase.fromelem(case) for case in first]
    assert [(c.classname, c.name, c.file, c.time) for c in cases] == [
        ("with a client", "client exits with status 0", "suite/a.yaml", 1.25),
        ("with a client", "two logins", "suite/a.yaml", 0.002),
        ("with a client", "uploads", "suite/a.yaml", 0.0),
    ]


def test_the_clients_output_and_failures_are_in_the_cases(tmp_path: Path) -> None:
    first, second = read(tmp_path)
    client, logins, uploads = first
    assert client.system_out == "sent 1 file\n"
    assert client.system_err == "boom \ufffd[31m\n"
    [failure] = logins.result
    assert isinstance(failure, Failure)
    assert failure.message == "expected exactly 2 journal entries, got 1"
    assert failure.text == (
        "expected exactly 2 journal entries, got 1\n"
        "nearest journal entries:\n  #5 login user_id=ANN status=401"
    )
    assert uploads.is_passed
    [error_case] = second
    [error] = error_case.result
    assert isinstance(error, Error)
    assert error.message == "given: POST /_sim/v1/users answered 409 (conflict: taken)"


def test_the_console_shows_reasons_evidence_and_the_clients_last_words() -> None:
    lines = console_lines(outcomes())
    assert lines == [
        "FAIL with a client (suite/a.yaml, 2.5 s)",
        "  FAIL client exits with status 0: expected exit status 0, got 3",
        "  FAIL two logins: expected exactly 2 journal entries, got 1",
        "       nearest journal entries:",
        "         #5 login user_id=ANN status=401",
        "  ok   uploads: 1 uploads as expected",
        "  client stdout (last 1 lines):",
        "    | sent 1 file",
        "  client stderr (last 1 lines):",
        "    | boom \x1b[31m",
        "ERROR a user that exists (suite/b.yaml, 0.5 s)",
        "  given: POST /_sim/v1/users answered 409 (conflict: taken)",
        "scenarios: 0 passed, 1 failed, 1 errors",
    ]
