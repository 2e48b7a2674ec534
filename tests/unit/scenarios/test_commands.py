"""``posc-sim scenario check|schema|run`` as a CI job calls them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from click.testing import CliRunner
from junitparser import Error, JUnitXml

from simulator.cli import cli
from simulator.scenarios.runner import BUILTIN_SCENARIOS
from simulator.testing.server import free_port

SUITE = BUILTIN_SCENARIOS


def test_check_refuses_to_check_nothing(tmp_path: Path) -> None:
    nothing = CliRunner().invoke(cli, ["scenario", "check"])
    assert nothing.exit_code == 2
    assert "name the scenario files or folders to check" in nothing.output
    empty = CliRunner().invoke(cli, ["scenario", "check", str(tmp_path)])
    assert empty.exit_code == 2
    assert f"no scenario files (*.yaml) in {tmp_path}" in empty.output


def test_check_uses_the_servers_own_rules(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text("name: s\nsite: tset\nexpect: []\n")
    rule = tmp_path / "rule.yaml"
    rule.write_text(
        "name: r\ngiven:\n  faults:\n    - operation: upload\n"
        "      action: {type: error, status: 418}\nexpect: []\n"
    )
    clock = tmp_path / "clock.yaml"
    clock.write_text("name: c\ngiven:\n  clock: {advance: 90 days}\nexpect: []\n")
    data = tmp_path / "data.yaml"
    data.write_text("name: d\ndataset: demos\nexpect: []\n")
    result = CliRunner().invoke(cli, ["scenario", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{site}:2: scenario.site: expected one of test, prod, got 'tset'" in result.output
    assert f"{rule}:4: scenario.given.faults[0]: action.status: expected 500, 502" in result.output
    assert f"{clock}:3: scenario.given.clock.advance: expected seconds or an ISO" in result.output
    assert f"{data}:2: scenario.dataset: expected one of demo, empty" in result.output


def test_the_schema_accepts_the_built_in_suite_and_refuses_what_check_refuses() -> None:
    result = CliRunner().invoke(cli, ["scenario", "schema"])
    schema = json.loads(result.output)
    validator = jsonschema.Draft202012Validator(schema)
    validator.check_schema(schema)
    for path in sorted(SUITE.glob("*.yaml")):
        assert list(validator.iter_errors(yaml.safe_load(path.read_text()))) == [], path
    bad = {"name": "x", "site": "tset", "expect": [{"name": "y", "jornal": {}}]}
    assert len(list(validator.iter_errors(bad))) == 2


def test_run_against_a_closed_port_reports_each_scenario_and_writes_junit(
    tmp_path: Path,
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    report = tmp_path / "report.xml"
    result = CliRunner().invoke(
        cli,
        [
            "scenario",
            "run",
            str(SUITE / "lockout.yaml"),
            str(SUITE / "unlock.yaml"),
            "--url",
            url,
            "--junit-xml",
            str(report),
        ],
    )
    assert result.exit_code == 1
    assert f"  cannot reach {url}: Connection refused" in result.output
    assert result.output.splitlines()[-1] == "scenarios: 0 passed, 0 failed, 2 errors"
    suites = list(JUnitXml.fromfile(str(report)))
    assert len(suites) == 2
    for suite in suites:
        [case] = suite
        [error] = case.result
        assert isinstance(error, Error)
        assert error.message == f"cannot reach {url}: Connection refused"
