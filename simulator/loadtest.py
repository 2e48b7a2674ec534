"""``posc-sim loadtest PROFILE``: run a Locust profile against a server of its own.

A load test should not need a server started by hand, nor leave one behind: this starts
``posc-sim serve`` on a free 127.0.0.1 port in a temporary data directory (journal off, as a
load run has no use for it; the real password hash; the default number of workers), waits
until it is ready, runs Locust headless with the profile
(``loadtests/profiles/<PROFILE>.conf``, or a path) for the profile's run time (at most ten
minutes), stops both processes by their PID and prints requests, failures, median and p95 of
each request name from Locust's CSV. Locust runs as a subprocess, so this module never imports
it (nor gevent, which patches the standard library when imported).
"""

from __future__ import annotations

import csv
import importlib.util
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from simulator.testing.server import (
    ServerNotReadyError,
    SimulatorServer,
    start_server,
    stop_process,
)

PROFILE_FOLDER = Path("loadtests") / "profiles"
LOCUSTFILE = Path("loadtests") / "locustfile.py"
DEFAULT_RUN_SECONDS = 60
MAX_RUN_SECONDS = 600
# Beyond the run time: Locust's start, users stopping, reports written.
LOCUST_GRACE_SECONDS = 60.0
RETRY_TYPE = "RETRY"  # what loadtests/users.py reports a retried 503 as
TIMESPAN = re.compile(r"^(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s?)?$")


def start_posc_sim(data_dir: Path, *, journal: bool) -> SimulatorServer:
    """``posc-sim serve`` as a load test meets it: default workers, the real password hash."""
    settings = {"POSC_SIM_JOURNAL_ENABLED": str(journal).lower()}
    try:
        return start_server(data_dir, env=settings, workers=None, hash_method=None)
    except ServerNotReadyError as error:
        raise click.ClickException(str(error)) from error


# -- profiles -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """A Locust config file, and the folder its relative paths start from."""

    path: Path
    root: Path
    settings: Mapping[str, str]

    @property
    def run_seconds(self) -> int:
        """The profile's run time, capped: a load run always ends."""
        text = self.settings.get("run-time")
        seconds = parse_timespan(text) if text else DEFAULT_RUN_SECONDS
        return max(1, min(seconds, MAX_RUN_SECONDS))

    @property
    def csv_prefix(self) -> Path | None:
        prefix = self.settings.get("csv")
        return self.root / prefix if prefix else None


def parse_timespan(text: str) -> int:
    """Seconds of a Locust time span: "90", "30s", "2m", "1h30m"."""
    found = TIMESPAN.match(text.strip())
    if not found or not any(found.groups()):
        raise click.ClickException(f"run-time: expected e.g. 30s, 2m or 1h30m, got {text!r}")
    hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return hours * 3600 + minutes * 60 + seconds


def read_settings(path: Path) -> dict[str, str]:
    """The ``key = value`` lines of a Locust config file (comments and sections skipped)."""
    settings = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            key, value = line.split("=", 1)
            settings[key.strip()] = value.strip()
    return settings


def find_profile(name: str) -> Profile:
    """A profile by path, or by name in loadtests/profiles/ here or in the source checkout."""
    checkout = Path(__file__).resolve().parents[1]
    candidates = [Path(name)]
    for base in (Path.cwd(), checkout):
        candidates.append(base / PROFILE_FOLDER / f"{name}.conf")
    for candidate in candidates:
        if candidate.is_file():
            path = candidate.resolve()
            return Profile(path, _project_root(path), read_settings(path))
    known = sorted(p.stem for p in (checkout / PROFILE_FOLDER).glob("*.conf"))
    raise click.ClickException(
        f"no profile {name!r}; give a .conf path or one of: {', '.join(known) or 'none found'}"
    )


def _project_root(profile: Path) -> Path:
    """The nearest folder above the profile holding the locustfile; else the working folder."""
    for folder in profile.parents:
        if (folder / LOCUSTFILE).is_file():
            return folder
    return Path.cwd()


# -- running Locust and reading its CSV -----------------------------------------------------


def run_locust(profile: Profile, url: str, csv_prefix: Path) -> int:
    """Locust headless with the profile, against ``url``, stopped by PID if it overruns."""
    seconds = profile.run_seconds
    command = [sys.executable, "-m", "locust", "--config", str(profile.path), "--headless"]
    command += ["--host", url, "--run-time", f"{seconds}s", "--csv", str(csv_prefix)]
    process = subprocess.Popen(command, cwd=profile.root)
    try:
        return process.wait(timeout=seconds + LOCUST_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        click.echo("posc-sim loadtest: Locust overran its run time; stopping it", err=True)
        return 1
    finally:
        stop_process(process)


@dataclass(frozen=True)
class RequestStats:
    """One row of Locust's ``_stats.csv``: a request name and how it fared."""

    kind: str
    name: str
    requests: int
    failures: int
    median_ms: str
    p95_ms: str


def locust_installed() -> bool:
    return importlib.util.find_spec("locust") is not None


def clear_old_reports(csv_prefix: Path) -> None:
    """Remove a previous run's CSV files, so a run that writes none cannot show old figures."""
    for old in csv_prefix.parent.glob(f"{csv_prefix.name}_*.csv"):
        old.unlink()


def _stats_file(csv_prefix: Path) -> Path:
    """The statistics written at the end (loadtests/locustfile.py), else Locust's last CSV."""
    for suffix in ("_final_stats.csv", "_stats.csv"):
        path = Path(f"{csv_prefix}{suffix}")
        if path.is_file():
            return path
    raise click.ClickException(f"Locust wrote no statistics at {csv_prefix}_stats.csv")


def read_stats(path: Path) -> list[RequestStats]:
    with path.open(newline="") as handle:
        return [
            RequestStats(
                kind=row["Type"],
                name=row["Name"],
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                median_ms=_milliseconds(row["Median Response Time"]),
                p95_ms=_milliseconds(row["95%"]),
            )
            for row in csv.DictReader(handle)
        ]


def _milliseconds(text: str) -> str:
    """Whole milliseconds; Locust writes an exact median for few samples, or N/A for none."""
    try:
        return str(round(float(text)))
    except ValueError:
        return text


def summary(rows: Sequence[RequestStats]) -> list[str]:
    """A table per request name, the total last, and the 503s the users retried."""
    width = max([len(row.name) for row in rows] + [10])
    lines = [
        f"  {'type':<6} {'name':<{width}} {'requests':>9} {'failures':>9} {'median':>7} {'p95':>7}"
    ]
    lines += [
        f"  {row.kind:<6} {row.name:<{width}} {row.requests:>9} {row.failures:>9} "
        f"{row.median_ms:>7} {row.p95_ms:>7}"
        for row in rows
    ]
    retries = sum(row.requests for row in rows if row.kind == RETRY_TYPE)
    lines.append(f"  (times in ms; requests retried after a 503: {retries})")
    return lines


@click.command("loadtest")
@click.argument("profile")
def loadtest(profile: str) -> None:
    """Run PROFILE (smoke, steady, ramp, spike, faults, or a .conf path) against a new server."""
    if not locust_installed():
        raise click.ClickException(
            "Locust is not installed in this environment; install it (pip install locust) "
            "and run again"
        )
    chosen = find_profile(profile)
    with tempfile.TemporaryDirectory(prefix="posc-sim-loadtest-") as folder:
        server = start_posc_sim(Path(folder) / "data", journal=False)
        try:
            csv_prefix = chosen.csv_prefix or Path(folder) / "locust"
            clear_old_reports(csv_prefix)
            click.echo(
                f"posc-sim loadtest: {chosen.path.name} for {chosen.run_seconds} s "
                f"against {server.url}"
            )
            code = run_locust(chosen, server.url, csv_prefix)
        finally:
            server.stop()
        stats_file = _stats_file(csv_prefix)
        click.echo(f"posc-sim loadtest: {chosen.path.stem}, Locust exit code {code}")
        click.echo("\n".join(summary(read_stats(stats_file))))
        if chosen.csv_prefix:
            click.echo(f"  reports kept: {chosen.csv_prefix}_*.csv")
    if code:
        raise click.exceptions.Exit(code)
