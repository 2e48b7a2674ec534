"""``posc-sim loadtest PROFILE``: run a Locust profile against a server of its own.

A load test should not need a server started by hand, nor leave one behind: this starts
``posc-sim serve`` on a free 127.0.0.1 port in a temporary data directory (journal off, as a
load run has no use for it; the real password hash; the default number of workers), waits
until it is ready, runs Locust headless with the profile
(``loadtests/profiles/<PROFILE>.conf``, or a path) for the profile's run time (at most ten
minutes), stops both processes by their PID and prints requests, failures, median and p95 of
each request name from Locust's CSV. Locust runs as a subprocess, so this module never imports
it (nor gevent, which patches the standard library when imported).

With ``--hosts URL,URL,...`` it starts no server: Locust runs in distributed mode, a master
and ``--workers`` worker processes on this machine (talking over 127.0.0.1), and the users are
spread over the hosts round robin; the summary adds what each host got.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import click

from simulator.server import is_loopback
from simulator.settings import ENV_PREFIX
from simulator.testing.server import (
    HOST,
    ServerNotReadyError,
    SimulatorServer,
    free_port,
    start_server,
    stop_process,
)

PROFILE_FOLDER = Path("loadtests") / "profiles"
LOCUSTFILE = Path("loadtests") / "locustfile.py"
ADMIN_TOKEN_ENV = ENV_PREFIX + "ADMIN_TOKEN"
# How long the master waits for its workers to connect before it gives up (and exits 1).
WORKERS_WAIT_SECONDS = 60
DEFAULT_RUN_SECONDS = 60
MAX_RUN_SECONDS = 600
# Beyond the run time: Locust's start, users stopping, reports written.
LOCUST_GRACE_SECONDS = 60.0
RETRY_TYPE = "RETRY"  # what loadtests/users.py reports a retried 503 as
TIMESPAN = re.compile(r"^(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s?)?$")


def start_posc_sim(
    data_dir: Path,
    *,
    journal: bool,
    database_url: str | None = None,
    shape: Mapping[str, str] | None = None,
) -> SimulatorServer:
    """``posc-sim serve`` as a load test meets it: default workers, the real password hash.

    Its database is SQLite in ``data_dir``, or the one ``database_url`` names; ``shape`` holds
    other settings by their environment names (``POSC_SIM_THREADS``...), to measure them.
    """
    settings = {**(shape or {}), "POSC_SIM_JOURNAL_ENABLED": str(journal).lower()}
    if database_url:
        settings["POSC_SIM_DATABASE_URL"] = database_url
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


def locust_command(profile: Profile, host: str, csv_prefix: Path) -> list[str]:
    """Locust headless with the profile against ``host``, bounded by the profile's run time."""
    command = [sys.executable, "-m", "locust", "--config", str(profile.path), "--headless"]
    command += ["--host", host, "--run-time", f"{profile.run_seconds}s", "--csv", str(csv_prefix)]
    return command


def run_locust(profile: Profile, url: str, csv_prefix: Path) -> int:
    """Locust headless with the profile, against ``url``, stopped by PID if it overruns."""
    process = subprocess.Popen(locust_command(profile, url, csv_prefix), cwd=profile.root)
    return supervise(process, [], profile.run_seconds + LOCUST_GRACE_SECONDS)


def run_distributed(profile: Profile, hosts: Sequence[str], workers: int, csv_prefix: Path) -> int:
    """A Locust master and ``workers`` workers on 127.0.0.1, the users spread over ``hosts``.

    The master runs the profile (run time, users, reports) and sends the users to the workers;
    ``--posc-hosts`` reaches the workers with the master's other suite options.
    """
    port = str(free_port())
    command = locust_command(profile, hosts[0], csv_prefix)
    command += ["--posc-hosts", ",".join(hosts), "--master", "--master-bind-host", HOST]
    command += ["--master-bind-port", port, "--expect-workers", str(workers)]
    command += ["--expect-workers-max-wait", str(WORKERS_WAIT_SECONDS)]
    master = subprocess.Popen(command, cwd=profile.root)
    locustfile = profile.settings.get("locustfile", str(LOCUSTFILE))
    worker = [sys.executable, "-m", "locust", "-f", locustfile, "--worker", "--loglevel", "WARNING"]
    worker += ["--master-host", HOST, "--master-port", port]
    crew = [subprocess.Popen(worker, cwd=profile.root) for _ in range(workers)]
    seconds = profile.run_seconds + LOCUST_GRACE_SECONDS + WORKERS_WAIT_SECONDS
    return supervise(master, crew, seconds)


def supervise(
    main: subprocess.Popen[bytes], helpers: Sequence[subprocess.Popen[bytes]], seconds: float
) -> int:
    """Wait for ``main``'s exit code; stop it if it overruns, and stop ``helpers`` after it."""
    try:
        return main.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        click.echo("posc-sim loadtest: Locust overran its run time; stopping it", err=True)
        return 1
    finally:
        for process in (main, *helpers):
            stop_process(process)


# -- the hosts of --hosts -------------------------------------------------------------------


def parse_hosts(text: str) -> list[str]:
    """The root URLs of ``--hosts``, checked: one clear line for the first that is wrong."""
    hosts = [url.strip().rstrip("/") for url in text.split(",") if url.strip()]
    if not hosts:
        raise click.ClickException(
            "--hosts: give one or more root URLs, e.g. http://127.0.0.1:8080,http://127.0.0.1:8081"
        )
    for url in hosts:
        _check_host(url)
    if len(set(hosts)) < len(hosts):
        raise click.ClickException("--hosts: a host is named twice")
    return hosts


def _port_is_valid(url: str) -> bool:
    """No port (the scheme's own) or a number from 1 to 65535."""
    try:
        port = urlsplit(url).port
    except ValueError:
        return False
    return port != 0


def _check_host(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or not _port_is_valid(url):
        raise click.ClickException(
            f"--hosts: {url!r} is not an http:// URL such as http://127.0.0.1:8080"
        )
    if parts.path or parts.query or parts.fragment or parts.username:
        raise click.ClickException(
            f"--hosts: {url!r}: give the simulator's root URL, with no path, query or credentials"
        )
    if not is_loopback(parts.hostname) and not os.environ.get(ADMIN_TOKEN_ENV):
        raise click.ClickException(
            f"--hosts: {url!r} is not on this machine; a simulator served beyond loopback has "
            f"an admin token: export {ADMIN_TOKEN_ENV} with it"
        )


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


@dataclass(frozen=True)
class HostCount:
    """One row of ``_hosts.csv`` (loadtests/locustfile.py): what one host was sent."""

    host: str
    requests: int
    failures: int


def read_host_counts(csv_prefix: Path) -> list[HostCount]:
    """The requests per host the master counted; none if the locustfile writes no such file."""
    path = Path(f"{csv_prefix}_hosts.csv")
    if not path.is_file():
        return []
    with path.open(newline="") as handle:
        return [
            HostCount(row["Host"], int(row["Request Count"]), int(row["Failure Count"]))
            for row in csv.DictReader(handle)
        ]


def host_summary(counts: Sequence[HostCount]) -> list[str]:
    if not counts:
        return ["  (no requests counted per host: the locustfile does not count them)"]
    width = max(len(count.host) for count in counts)
    lines = [f"  {'host':<{width}} {'requests':>9} {'failures':>9}"]
    lines += [f"  {c.host:<{width}} {c.requests:>9} {c.failures:>9}" for c in counts]
    return lines


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
@click.option(
    "--hosts",
    help="Comma-separated root URLs of running hosts of one simulator: no server is started, "
    "Locust runs distributed and spreads the users over them.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="With --hosts: Locust worker processes beside the master (default: one per core).",
)
def loadtest(profile: str, hosts: str | None, workers: int | None) -> None:
    """Run PROFILE (smoke, steady, ramp, spike, faults, or a .conf path) against a new server,
    or against running ones (--hosts)."""
    if not locust_installed():
        raise click.ClickException(
            "Locust is not installed in this environment; install it (pip install locust) "
            "and run again"
        )
    if workers is not None and hosts is None:
        raise click.ClickException("--workers: only with --hosts, which runs Locust distributed")
    chosen = find_profile(profile)
    targets = parse_hosts(hosts) if hosts is not None else None
    with tempfile.TemporaryDirectory(prefix="posc-sim-loadtest-") as folder:
        csv_prefix = chosen.csv_prefix or Path(folder) / "locust"
        clear_old_reports(csv_prefix)
        if targets is None:
            code = _against_own_server(chosen, Path(folder) / "data", csv_prefix)
        else:
            code = _against_hosts(chosen, targets, workers or os.cpu_count() or 1, csv_prefix)
        stats_file = _stats_file(csv_prefix)
        click.echo(f"posc-sim loadtest: {chosen.path.stem}, Locust exit code {code}")
        click.echo("\n".join(summary(read_stats(stats_file))))
        if targets is not None:
            click.echo("\n".join(host_summary(read_host_counts(csv_prefix))))
        if chosen.csv_prefix:
            click.echo(f"  reports kept: {chosen.csv_prefix}_*.csv")
    if code:
        raise click.exceptions.Exit(code)


def _against_own_server(profile: Profile, data_dir: Path, csv_prefix: Path) -> int:
    server = start_posc_sim(data_dir, journal=False)
    try:
        click.echo(
            f"posc-sim loadtest: {profile.path.name} for {profile.run_seconds} s "
            f"against {server.url}"
        )
        return run_locust(profile, server.url, csv_prefix)
    finally:
        server.stop()


def _against_hosts(profile: Profile, hosts: list[str], workers: int, csv_prefix: Path) -> int:
    click.echo(
        f"posc-sim loadtest: {profile.path.name} for {profile.run_seconds} s against "
        f"{len(hosts)} hosts ({', '.join(hosts)}), a Locust master and {workers} workers"
    )
    return run_distributed(profile, hosts, workers, csv_prefix)
