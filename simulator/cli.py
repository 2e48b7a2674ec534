"""The ``posc-sim`` command: serve, reset and seed."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from posc_sim_fixtures.datasets import DEMO_ACCOUNTS
from simulator import __version__
from simulator.control.seeding import SeededSite, reset_sites, seed_unseeded_sites, seeded_sites
from simulator.runtime import Runtime
from simulator.server import is_loopback, run_server
from simulator.settings import Settings, SettingsError, load_settings
from simulator.sites import SITE_CODES, SITES

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
        seed_unseeded_sites(runtime, settings.dataset, settings.seed)
        _print_welcome(settings, runtime)
    finally:
        runtime.close()
    run_server(settings)


@cli.command()
@click.option("--site", type=SITE_CHOICE, default="both", show_default=True)
@click.option("--seed", type=int, help="Seed for the generated data (default: the setting).")
@click.option("--dataset", type=click.Choice(["demo", "empty"]), help="Data set to load.")
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
@click.option("--dataset", type=click.Choice(["demo", "empty"]), help="Data set to load.")
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


def main() -> None:
    try:
        cli(standalone_mode=True)
    except SettingsError as error:
        click.echo(f"posc-sim: error: {error}", err=True)
        sys.exit(2)
