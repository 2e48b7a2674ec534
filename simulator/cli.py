"""The ``posc-sim`` command: serve, reset and seed."""

from __future__ import annotations

import errno
import json
import socket
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import OperationalError

from posc_sim_fixtures.datasets import DATASETS, DEMO_ACCOUNTS, DEMO_SECURITY_QUESTIONS
from simulator import __version__
from simulator.certification_cli import certification
from simulator.control.seeding import SeededSite, reset_sites, seed_unseeded_sites, seeded_sites
from simulator.faults.rules import FaultRuleError, FaultSpec, parse_rule
from simulator.loadtest import loadtest
from simulator.runtime import Runtime
from simulator.scenarios.report import console_lines
from simulator.scenarios.report import junit_xml as junit_xml_report
from simulator.scenarios.runner import (
    BUILTIN_SERVER_ENV,
    NoScenarioFilesError,
    Outcome,
    Runner,
    scenario_files,
)
from simulator.scenarios.schema import ScenarioError, json_schema, load_scenario
from simulator.server import is_loopback, run_server
from simulator.settings import Settings, SettingsError, load_settings, unknown_environment_names
from simulator.sites import SITE_CODES, SITES
from simulator.store.sweep import sweep_orphans
from simulator.testing.server import ServerNotReadyError, start_server
from simulator.x12.reader import NotX12Error
from simulator.x12.retarget import Target, retarget

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="posc-sim")
def cli() -> None:
    """A test-harness simulator of the MassHealth POSC batch file exchange."""
    for warning in unknown_environment_names():
        click.echo(f"posc-sim: warning: {warning}", err=True)


@contextmanager
def _storage(settings: Settings) -> Iterator[Runtime]:
    """The prepared storage; a folder or database that cannot be used is one line, not a trace."""
    try:
        runtime = Runtime.open(settings)
    except OSError as error:
        raise SettingsError(f"data_dir: cannot use {settings.data_dir}: {error.strerror}") from None
    try:
        try:
            runtime.prepare_storage()
        except OSError as error:
            raise SettingsError(
                f"data_dir: cannot create {error.filename or settings.data_dir}: {error.strerror}"
            ) from None
        except OperationalError as error:
            reason = str(error.orig).strip().splitlines()[0]
            raise SettingsError(f"database_url: cannot open the database: {reason}") from None
        yield runtime
    finally:
        runtime.close()


def _check_port_free(host: str, port: int) -> None:
    """Refuse, in one line, a port another process listens on, before anything is printed."""
    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        reason = error.strerror or str(error)
        if error.errno == errno.EADDRINUSE:
            reason = "another process listens there (choose another with --port)"
        raise SettingsError(f"port: cannot listen on {host}:{port}: {reason}") from None


@cli.command()
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 8080).")
@click.option("--workers", type=int, help="Worker processes (default 2 x cores).")
@click.option("--threads", type=int, help="Threads per worker (default 4).")
@click.option("--admin-token", help="Bearer token the control API requires (default none).")
@click.option(
    "--dataset", type=click.Choice(sorted(DATASETS)), help="Data set seeded on first start."
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error", "critical"]),
    help="Server log level (default warning).",
)
@click.option("--access-log/--no-access-log", default=None, help="Log each request (default off).")
@_storage_options
def serve(config_file: Path | None, **flags: Any) -> None:
    """Run both sites; seeds the demo data set on first start."""
    settings = _settings(config_file, **flags)
    if not is_loopback(settings.host) and not settings.admin_token:
        raise SettingsError(
            f"admin_token: required to listen on {settings.host}, which is not loopback "
            "(set POSC_SIM_ADMIN_TOKEN)"
        )
    configured = _configured_faults(settings)
    _check_port_free(settings.host, settings.port)
    with _storage(settings) as runtime:
        sweep_orphans(runtime.database, settings.blob_dir, settings.orphan_grace_seconds)
        runtime.processor.release_abandoned()
        seed_unseeded_sites(runtime, settings.dataset, settings.seed)
        _load_configured_faults(configured, runtime)
        _print_welcome(settings, runtime)
    run_server(settings)


@cli.command()
@click.option("--site", type=SITE_CHOICE, default="both", show_default=True)
@click.option("--seed", type=int, help="Seed for the generated data (default: the setting).")
@click.option("--dataset", type=click.Choice(sorted(DATASETS)), help="Data set to load.")
@_storage_options
def reset(config_file: Path | None, site: str, **flags: Any) -> None:
    """Wipe a site (or both, and the clock) and seed it afresh."""
    settings = _settings(config_file, **flags)
    with _storage(settings) as runtime:
        sites = SITE_CODES if site == "both" else (site,)
        results = reset_sites(runtime, sites, settings.dataset, settings.seed)
        if site == "both":
            runtime.clock.reset()
        for result in results:
            click.echo(_describe(result))


@cli.command()
@click.option("--seed", type=int, help="Seed for the generated data (default: the setting).")
@click.option("--dataset", type=click.Choice(sorted(DATASETS)), help="Data set to load.")
@_storage_options
def seed(config_file: Path | None, **flags: Any) -> None:
    """Seed the sites that have no data yet; seeded sites are left as they are."""
    settings = _settings(config_file, **flags)
    with _storage(settings) as runtime:
        results = seed_unseeded_sites(runtime, settings.dataset, settings.seed)
        for result in results:
            click.echo(_describe(result))
        if not results:
            click.echo("Both sites are already seeded; use 'posc-sim reset' to start over.")


def _configured_faults(settings: Settings) -> list[FaultSpec]:
    """The config file's ``[[faults]]``, each checked as the control API checks a rule."""
    specs = []
    for index, table in enumerate(settings.fault_rules, start=1):
        try:
            specs.append(parse_rule({"id": f"config-{index}", **table}))
        except FaultRuleError as error:
            raise SettingsError(f"fault_rules: rule {index}: {error.message}") from None
    return specs


def _load_configured_faults(specs: list[FaultSpec], runtime: Runtime) -> None:
    """Add the config file's ``[[faults]]`` once: a rule keeps its id across restarts."""
    existing = {rule["id"] for rule in runtime.faults.rules()}
    for spec in specs:
        if spec.rule_id not in existing:
            runtime.faults.add(spec)


@cli.group()
@click.option(
    "--url",
    envvar="POSC_SIM_URL",
    default="http://127.0.0.1:8080",
    show_default=True,
    help="The running server (or POSC_SIM_URL).",
)
@click.option(
    "--admin-token",
    envvar="POSC_SIM_ADMIN_TOKEN",
    help="Its admin token (or POSC_SIM_ADMIN_TOKEN).",
)
@click.pass_context
def fault(context: click.Context, url: str, admin_token: str | None) -> None:
    """Manage the fault rules of a running server."""
    context.obj = (url.rstrip("/"), admin_token)


def _control(method: str, path: str, body: Any = None) -> Any:
    base, token = click.get_current_context().find_object(tuple) or ("", None)
    request = urllib.request.Request(
        f"{base}/_sim/v1{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
    )
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
    """Add RULE, a fault rule as JSON.

    For example: '{"operation": "upload", "action": {"type": "error", "status": 503}, "times": 1}'
    """
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


def _scenario_files(paths: tuple[Path, ...]) -> list[Path]:
    try:
        return scenario_files(paths)
    except NoScenarioFilesError as error:
        click.echo(f"posc-sim: error: {error}", err=True)
        sys.exit(2)


@scenario.command("check")
@PATHS
def scenario_check(paths: tuple[Path, ...]) -> None:
    """Validate scenario files (or folders of them) without running them.

    Sites, data sets, fault rules, durations and times are checked by the parsers the
    server uses, so a file that passes is not refused by the server later.
    """
    if not paths:
        click.echo("posc-sim: error: name the scenario files or folders to check", err=True)
        sys.exit(2)
    failed = False
    for path in _scenario_files(paths):
        try:
            load_scenario(path)
            click.echo(f"ok      {path}")
        except ScenarioError as error:
            failed = True
            click.echo(f"invalid {error}", err=True)
    if failed:
        sys.exit(1)


@scenario.command("schema")
def scenario_schema() -> None:
    """Print the scenario format as a JSON Schema, for editors that check YAML as it is typed."""
    click.echo(json.dumps(json_schema(), indent=2))


@scenario.command("list")
@PATHS
def scenario_list(paths: tuple[Path, ...]) -> None:
    """List scenarios with their descriptions (default: the built-in suite)."""
    for path in _scenario_files(paths):
        loaded = load_scenario(path)
        click.echo(f"{path}: {loaded['name']} - {loaded.get('description', '').strip()}")


@scenario.command("run")
@PATHS
@click.option("--url", help="A running server; without it, one is started for the run.")
@click.option("--admin-token", envvar="POSC_SIM_ADMIN_TOKEN", help="The server's admin token.")
@click.option("--junit-xml", type=click.Path(path_type=Path), help="Write a JUnit XML report.")
@click.option("--client", "client_command", help="Your client's command, run per scenario.")
def scenario_run(
    paths: tuple[Path, ...],
    url: str | None,
    admin_token: str | None,
    junit_xml: Path | None,
    client_command: str | None,
) -> None:
    """Run scenarios (default: the built-in suite); exits 1 when any fails or cannot run.

    Each scenario stands alone: one that cannot run is reported as an error with its reason
    and the others still run. The JUnit report is written in every case.
    """
    files = _scenario_files(paths)
    if url:
        outcomes = Runner(url, admin_token, client_command).run_all(files)
    else:
        outcomes = _run_on_own_server(files, client_command)
    click.echo("\n".join(console_lines(outcomes)))
    if junit_xml is not None:
        _write_report(junit_xml, junit_xml_report(outcomes))
    if not all(outcome.passed for outcome in outcomes):
        sys.exit(1)


def _write_report(path: Path, report: bytes) -> None:
    """Write the report, making its folder; a path that cannot be written is one line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(report)
    except OSError as error:
        raise click.ClickException(f"cannot write {path}: {error.strerror}") from None


def _run_on_own_server(files: list[Path], client_command: str | None) -> list[Outcome]:
    with tempfile.TemporaryDirectory() as folder:
        try:
            server = start_server(Path(folder) / "data", "--workers", "2", env=BUILTIN_SERVER_ENV)
        except ServerNotReadyError as error:
            reason = f"the simulator did not start: {str(error).splitlines()[0]}"
            return [Outcome(path.stem, path, error=reason) for path in files]
        try:
            return Runner(server.url, None, client_command).run_all(files)
        finally:
            server.stop()


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
    answers = ", ".join(f"{question} {answer}" for question, answer in DEMO_SECURITY_QUESTIONS)
    rows.append(f"    Security answers (forgotten password): {answers}")
    return "\n".join(rows)


@cli.group()
def x12() -> None:
    """Work on X12 files."""


@x12.command("retarget")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--provider", required=True, help="The PID/SL that sends it, e.g. 110048577A.")
@click.option("--site", type=click.Choice(SITE_CODES), required=True, help="Where it goes.")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout."
)
def x12_retarget(file: Path, provider: str, site: str, output: Path | None) -> None:
    """Address FILE, written for another payer, to MassHealth on SITE.

    Rewrites ISA05-08 (sender ZZ and the provider, receiver ZZ DMA7384), ISA15 (T or P),
    GS02-03 and the guide versions in GS08 and ST03; every other segment stays as it was.
    """
    try:
        target = Target(provider, SITES[site].usage_indicator)
        data = retarget(file.read_bytes(), target)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    except NotX12Error as error:
        raise click.ClickException(f"{file} is not X12: {error}") from None
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)


cli.add_command(loadtest)
cli.add_command(certification)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except SettingsError as error:
        click.echo(f"posc-sim: error: {error}", err=True)
        sys.exit(2)
