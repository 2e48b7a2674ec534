"""``posc-sim certification report``: JUnit XML read back by a JUnit parser, and the HTML file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from junitparser import Failure, JUnitXml, TestSuite

from simulator.cli import cli
from simulator.portal.transactions import upload_types
from simulator.runtime import Runtime
from tests.web.helpers import create_user
from tests.web.test_certification import ORGANIZATION, USER, claims, send

CERTIFIED_DEMO_CASES = 2 * sum(1 for kind in upload_types() if kind.in_use)


@pytest.fixture
def tested(client: FlaskClient, runtime: Runtime) -> tuple[str, str]:
    """Newco: one accepted 837P (in progress), then a rejected 837P; nothing else."""
    create_user(client, "test", USER, organization=ORGANIZATION)
    accepted = send(client, runtime, claims())
    rejected = send(client, runtime, claims("prod"))
    return accepted, rejected


def report(runtime: Runtime, *options: str) -> Result:
    """The command as a user runs it beside the server: its data directory and database."""
    data_dir = str(runtime.settings.data_dir)
    database = runtime.settings.database_url
    env = {"POSC_SIM_DATABASE_URL": database} if database else None
    command = ["certification", "report", "--data-dir", data_dir, *options]
    return CliRunner().invoke(cli, command, env=env)


def only_suite(path: Path) -> TestSuite:
    parsed = JUnitXml.fromfile(str(path))
    suite = parsed if isinstance(parsed, TestSuite) else next(iter(parsed))
    assert isinstance(suite, TestSuite)
    return suite


def test_the_junit_report_has_one_case_per_organization_and_type(
    runtime: Runtime, tested: tuple[str, str], tmp_path: Path
) -> None:
    accepted, rejected = tested
    result = report(runtime, "--junit-xml", str(tmp_path / "all.xml"))
    assert result.exit_code == 1, result.output
    suite = only_suite(tmp_path / "all.xml")
    cases = list(suite)
    assert len(cases) == CERTIFIED_DEMO_CASES + 1
    assert suite.tests == len(cases)
    failed = [case for case in cases if not case.is_passed]
    assert suite.failures == len(failed) == 1
    [case] = failed
    assert (case.classname, case.name) == (ORGANIZATION, "837P")
    [failure] = case.result
    assert isinstance(failure, Failure)
    assert "2 more accepted test file(s) of 837P needed" in (failure.message or "")
    assert accepted in (failure.text or "")
    assert rejected in (failure.text or "")
    assert "TA1 020: Invalid Test Indicator Value" in (failure.text or "")
    assert f"FAIL {ORGANIZATION} 837P in_progress" in result.output


def test_one_organization_passes_once_certified(
    client: FlaskClient, runtime: Runtime, tested: tuple[str, str], tmp_path: Path
) -> None:
    junit = tmp_path / "newco.xml"
    assert report(runtime, "--organization", ORGANIZATION, "--junit-xml", str(junit)).exit_code
    send(client, runtime, claims())
    send(client, runtime, claims())
    result = report(runtime, "--organization", ORGANIZATION, "--junit-xml", str(junit))
    assert result.exit_code == 0, result.output
    suite = only_suite(junit)
    assert (suite.tests, suite.failures) == (1, 0)
    [case] = list(suite)
    assert case.is_passed
    assert "certified by testing at" in (case.system_out or "")
    assert len((case.system_out or "").splitlines()) == 1 + 4  # the line, then the 4 files


def test_an_organization_that_tested_nothing_fails_rather_than_passing_empty(
    runtime: Runtime, tmp_path: Path
) -> None:
    junit = tmp_path / "nobody.xml"
    result = report(runtime, "--organization", "Nobody Billing", "--junit-xml", str(junit))
    assert result.exit_code == 1
    suite = only_suite(junit)
    assert (suite.tests, suite.failures) == (1, 1)
    assert "no transaction type has been tested" in result.output


def test_the_html_report_is_one_self_contained_file_with_a_timeline_per_type(
    runtime: Runtime, tested: tuple[str, str], tmp_path: Path
) -> None:
    accepted, rejected = tested
    page = tmp_path / "report.html"
    report(runtime, "--organization", ORGANIZATION, "--html", str(page))
    html = page.read_text(encoding="utf-8")
    assert ORGANIZATION in html
    assert 'data-transaction-type="837P" data-status="in_progress"' in html
    timeline = re.findall(r'<li class="([a-z-]+)" data-tracking-number="(\d+)"', html)
    assert timeline == [("counted", accepted), ("not-counted", rejected)]
    assert not re.search(r"<(link|script|img)\b", html)
    assert "http://" not in html
    assert "https://" not in html
