"""The ``posc-sim`` command: serve, reset and seed."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from posc_sim_fixtures.datasets import DATASETS, DEMO_ACCOUNTS
from simulator import __version__
from simulator.control.seeding import SeededSite, reset_sites, seed_unseeded_sites, seeded_sites
from simulator.faults.rules import parse_rule
from simulator.loadtest import loadtest
from simulator.runtime import Runtime
from simulator.scenarios.runner import Outcome, Runner, scenario_files
from simulator.scenarios.runner import junit_xml as junit_xml_report
from simulator.scenarios.schema import ScenarioError, load_scenario
from simulator.server import is_loopback, run_server
from simulator.settings import Settings, SettingsError, load_settings
from simulator.sites import SITE_CODES, SITES
from simulator.store.sweep import sweep_orphans
from simulator.testing.server import start_server

SITE_CHOICE = click.Choice([*SITE_CODES, "both"])


def _storage_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--data-dir", type=click.Path(path_type=Path), help="Database and file store folder."
    )(command)
    return click.option(
        "--config", "config_file", type=click.Path(path_type=Path), help="A TOML settings file."
    )(command)


def _settings(config_file: Path | None, **flags: Any) -> Settings:
    return load_settings(config_file=config_file, overrides=flags)


@click.group()
@click.version_option(__version__, prog_name="posc-sim")
def cli() -> None:
    """A test-harness simulator of the MassHealth POSC batch file exchange."""


@cli.command()
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 8080).")
@click.option("--workers", type=int, help="Worker processes (default 2 x cores).")
@_storage_options
def serve(config_file: Path | None, **flags: Any) -> None:
    """Run both sites; seeds the demo data set on first start."""
    settings = _settings(config_file, **flags)
    if not is_loopback(settings.host) and not settings.admin_token:
        raise SettingsError(
            f"admin_token: required to listen on {settings.host}, which is not loopback "
            "(set POSC_SIM_ADMIN_TOKEN)"
        )
    runtime = Runtime.open(settings)
    try:
        runtime.prepare_storage()
        sweep_orphans(runtime.database, settings.blob_dir, settings.orphan_grace_seconds)
        seed_unseeded_sites(runtime, settings.dataset, settings.seed)
        _load_configured_faults(settings, runtime)
        _print_welcome(settings, runtime)
    finally:
        runtime.close()
    run_server(settings)


@cli.command()
@click.option("--site", type=SITE_CHOICE, default="both", show_default=True)
@click.option("--seed", type=int, help="Seed for the generated data (default: the setting).")
@click.option("--dataset", type=click.Choice(sorted(DATASETS)), help="Data set to load.")
@_storage_options
def reset(config_file: Path | None, site: str, **flags: Any) -> None:
    """Wipe a site (or both, and the clock) and seed it afresh."""
    settings = _settings(config_file, **flags)
    runtime = Runtime.open(settings)
    try:
        runtime.prepare_storage()
        sites = SITE_CODES if site == "both" else (site,)
        results = reset_sites(runtime, sites, settings.dataset, settings.seed)
        if site == "both":
            runtime.clock.reset()
        for result in results:
            click.echo(_describe(result))
    finally:
        runtime.close()


@cli.command()
@click.option("--seed", type=int, help="Seed for the generated data (default: the setting).")
@click.option("--dataset", type=click.Choice(sorted(DATASETS)), help="Data set to load.")
@_storage_options
def seed(config_file: Path | None, **flags: Any) -> None:
    """Seed the sites that have no data yet; seeded sites are left as they are."""
    settings = _settings(config_file, **flags)
    runtime = Runtime.open(settings)
    try:
        runtime.prepare_storage()
        results = seed_unseeded_sites(runtime, settings.dataset, settings.seed)
        for result in results:
            click.echo(_describe(result))
        if not results:
            click.echo("Both sites are already seeded; use 'posc-sim reset' to start over.")
    finally:
        runtime.close()


def _load_configured_faults(settings: Settings, runtime: Runtime) -> None:
    """Add the config file's ``[[faults]]`` once: a rule keeps its id across restarts."""
    existing = {rule["id"] for rule in runtime.faults.rules()}
    for index, table in enumerate(settings.fault_rules, start=1):
        spec = parse_rule({"id": f"config-{index}", **table})
        if spec.rule_id not in existing:
            runtime.faults.add(spec)


@cli.group()
def fault() -> None:
    """Manage fault rules of a running server (POSC_SIM_URL, POSC_SIM_ADMIN_TOKEN)."""


def _control(method: str, path: str, body: Any = None) -> Any:
    base = os.environ.get("POSC_SIM_URL", "http://127.0.0.1:8080").rstrip("/")
    request = urllib.request.Request(
        f"{base}/_sim/v1{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
    )
    token = os.environ.get("POSC_SIM_ADMIN_TOKEN")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read().decode()
    except urllib.error.HTTPError as error:
        detail = json.loads(error.read().decode() or "{}").get("error", {})
        raise click.ClickException(detail.get("message") or str(error)) from None
    except urllib.error.URLError as error:
        raise click.ClickException(f"cannot reach {base}: {error.reason}") from None
    return json.loads(text) if text else None


@fault.command("add")
@click.argument("rule")
def fault_add(rule: str) -> None:
    """Add RULE, a fault rule as JSON (CONTRACT §5)."""
    try:
        body = json.loads(rule)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"the rule is not JSON: {error}") from None
    click.echo(json.dumps(_control("POST", "/faults", body), indent=2))


@fault.command("list")
@click.option("--site", type=click.Choice(SITE_CODES))
def fault_list(site: str | None) -> None:
    """List the rules, with how often each matched and fired."""
    query = f"?site={site}" if site else ""
    click.echo(json.dumps(_control("GET", f"/faults{query}"), indent=2))


@fault.command("clear")
@click.option("--site", type=click.Choice(SITE_CODES))
def fault_clear(site: str | None) -> None:
    """Remove every rule (of one site, with --site)."""
    query = f"?site={site}" if site else ""
    _control("DELETE", f"/faults{query}")
    click.echo("fault rules cleared")


@cli.group()
def scenario() -> None:
    """Scenario suites: set up a situation, run a client, check what happened."""


PATHS = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))


@scenario.command("check")
@PATHS
def scenario_check(paths: tuple[Path, ...]) -> None:
    """Validate scenario files without running them."""
    failed = False
    for path in scenario_files(paths):
        try:
            load_scenario(path)
            click.echo(f"ok      {path}")
        except ScenarioError as error:
            failed = True
            click.echo(f"invalid {error}", err=True)
    if failed:
        sys.exit(1)


@scenario.command("list")
@PATHS
def scenario_list(paths: tuple[Path, ...]) -> None:
    """List scenarios with their descriptions (default: the built-in suite)."""
    for path in scenario_files(paths):
        loaded = load_scenario(path)
        click.echo(f"{path}: {loaded['name']} - {loaded.get('description', '').strip()}")


@scenario.command("run")
@PATHS
@click.option("--url", help="A running server; without it, one is started for the run.")
@click.option("--junit-xml", type=click.Path(path_type=Path), help="Write a JUnit XML report.")
@click.option("--client", "client_command", help="Your client's command, run per scenario.")
def scenario_run(
    paths: tuple[Path, ...], url: str | None, junit_xml: Path | None, client_command: str | None
) -> None:
    """Run scenarios; exits non-zero when any expectation fails."""
    files = scenario_files(paths)
    for path in files:
        try:
            load_scenario(path)  # refuse a bad file before anything runs
        except ScenarioError as error:
            click.echo(f"invalid {error}", err=True)
            sys.exit(2)
    if url:
        outcomes = _run_scenarios(url, files, client_command)
    else:
        with tempfile.TemporaryDirectory() as folder:
            server = start_server(Path(folder) / "data", "--workers", "2")
            try:
                outcomes = _run_scenarios(server.url, files, client_command)
            finally:
                server.stop()
    for outcome in outcomes:
        mark = "PASS" if outcome.passed else "FAIL"
        click.echo(f"{mark} {outcome.scenario} ({outcome.path})")
        for check in outcome.checks:
            verdict = "ok  " if check.passed else "FAIL"
            evidence = f" [journal {check.evidence[:10]}]" if check.evidence else ""
            click.echo(f"  {verdict} {check.name}: {check.detail}{evidence}")
    if junit_xml is not None:
        junit_xml.write_bytes(junit_xml_report(outcomes))
    passed = sum(1 for outcome in outcomes if outcome.passed)
    click.echo(f"scenarios: {passed} passed, {len(outcomes) - passed} failed")
    if passed < len(outcomes):
        sys.exit(1)


def _run_scenarios(url: str, files: list[Path], client_command: str | None) -> list[Outcome]:
    runner = Runner(url, os.environ.get("POSC_SIM_ADMIN_TOKEN"), client_command)
    return [runner.run(path) for path in files]


def _describe(result: SeededSite) -> str:
    site = SITES[result.site]
    return (
        f"{site.name} site: seeded data set '{result.dataset}' with seed {result.seed} "
        f"({len(result.accounts)} demo accounts)"
    )


def _print_welcome(settings: Settings, runtime: Runtime) -> None:
    base = f"http://{settings.host}:{settings.port}"
    lines = [f"posc-sim {__version__}: Web-Based MassHealth Transactions at {base}/"]
    lines += [f"  {profile.title:<24} {base}{profile.url_prefix}/" for profile in SITES.values()]
    lines.append(f"  {'Control API':<24} {base}/_sim/v1/")
    lines.append(f"  Data directory           {settings.data_dir.resolve()}")
    for state in seeded_sites(runtime).values():
        if state.dataset == "demo":
            lines.append(_credentials(state.site))
    click.echo("\n".join(lines))
    sys.stdout.flush()


def _credentials(site: str) -> str:
    rows = [f"  Demo logins on the {SITES[site].name} site (as seeded):"]
    rows += [
        f"    {account.user_id:<12} {account.password:<14} {account.description}"
        for account in DEMO_ACCOUNTS
    ]
    return "\n".join(rows)


cli.add_command(loadtest)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except SettingsError as error:
        click.echo(f"posc-sim: error: {error}", err=True)
        sys.exit(2)
