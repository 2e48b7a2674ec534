"""``posc-sim certification report``: the certification status as a CI gate and a readable file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simulator import certification_report
from simulator.portal.certification import CERTIFIED
from simulator.runtime import Runtime
from simulator.settings import load_settings


@click.group()
def certification() -> None:
    """The path from the Test site to Production (reads the server's data directory)."""


@certification.command("report")
@click.option("--organization", help="One organization (by name); default: every one.")
@click.option(
    "--junit-xml", type=click.Path(path_type=Path), help="Write a JUnit XML report to this file."
)
@click.option(
    "--html", "html_file", type=click.Path(path_type=Path), help="Write an HTML report here."
)
@click.option("--data-dir", type=click.Path(path_type=Path), help="Database and file store folder.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="A TOML file.")
def report(
    organization: str | None,
    junit_xml: Path | None,
    html_file: Path | None,
    data_dir: Path | None,
    config_file: Path | None,
) -> None:
    """One line per organization and type; exits 1 unless every one is certified."""
    settings = load_settings(config_file=config_file, overrides={"data_dir": data_dir})
    runtime = Runtime.open(settings)
    try:
        runtime.prepare_storage()
        statuses = runtime.certification.organizations(organization)
        made_at = runtime.clock.now()
    finally:
        runtime.close()
    cases = [(status.organization, kind) for status in statuses for kind in status.types]
    for name, kind in cases:
        verdict = "PASS" if kind.status == CERTIFIED else "FAIL"
        detail = f": {kind.missing}" if kind.missing else ""
        click.echo(f"{verdict} {name} {kind.transaction_type} {kind.status}{detail}")
    if organization is not None and not cases:
        click.echo(f"FAIL {organization}: {certification_report.NOTHING_TESTED}")
    if junit_xml is not None:
        junit_xml.write_bytes(certification_report.junit_xml(statuses, organization))
    if html_file is not None:
        html_file.write_text(
            certification_report.html(statuses, made_at, organization), encoding="utf-8"
        )
    failed = sum(1 for _, kind in cases if kind.status != CERTIFIED)
    click.echo(f"certification: {len(cases) - failed} certified, {failed} not")
    if failed or not cases:
        sys.exit(1)
