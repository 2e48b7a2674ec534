"""SQLite beside PostgreSQL on one host, then two hosts on one PostgreSQL database.

    python -m loadtests.bench --database postgresql [--seconds 8]

Run it from the project root. The PostgreSQL server is the one ``POSC_SIM_TEST_DATABASE_URL``
names, or one started from the ``pgserver`` wheel as the tests start theirs
(:mod:`simulator.testing.postgres`), with ``synchronous_commit = off``: a commit may be lost in
a power cut, never half-written, which is what SQLite with ``synchronous = NORMAL`` (the
simulator's setting) promises too, so the two are compared at the same durability; and with
``max_connections = 1000``, as a host opens one connection per busy serving thread.

Each host is ``posc-sim serve`` with its defaults (journal on), alone on the machine while its
figures are taken, measured by the client of :mod:`loadtests.bench`:

- 5 KB 837P uploads/s, then the p99 of a JSON API status poll, then upload to 999 (p50, p99)
  for 100 users at the Locust users' pace, on SQLite and on PostgreSQL;
- the combined uploads/s of two hosts on one PostgreSQL database, each client process driving
  one host. On a machine of few cores both hosts share the same cores (and the database's), so
  this figure shows what a second host costs, not how hosts scale on machines of their own.
"""

from __future__ import annotations

import math
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from sqlalchemy import text

from loadtests.bench import (
    CLIENT_PROCESSES,
    LATENCY_CLIENTS,
    SITE,
    SMALL_BYTES,
    STATUS_PATH,
    USER_ID,
    Job,
    Tally,
    error_note,
    log,
    per_second,
    rate,
    run_clients,
    serving,
    simulator_upload,
    spread_rate,
    start_simulator,
    status_request,
    wait_until_processed,
)
from loadtests.payloads import THINK_SECONDS, x12_file
from simulator.testing.postgres import (
    admin_engine,
    create_database,
    drop_database,
    running_server,
)
from simulator.testing.server import ServerProcess

# synchronous_commit: what SQLite with synchronous = NORMAL promises (a crash may lose the last
# commits, no more). max_connections: a host keeps a connection per busy serving thread (64 per
# worker by default); PostgreSQL's default of 100 refuses the next ones under this load.
POSTGRES_SETTINGS = {"synchronous_commit": "off", "max_connections": "1000"}
HOSTS = 2


@dataclass(frozen=True)
class OneHost:
    """The figures of one host on one database."""

    uploads: Tally
    status_poll: Tally
    paced_999: Tally


def _host(folder: Path, database_url: str | None) -> Callable[[], ServerProcess]:
    """How :func:`serving` starts a host here: journal on, as by default."""
    return partial(start_simulator, folder, journal=True, database_url=database_url)


def measure_one_host(server: ServerProcess, small: bytes, seconds: float) -> OneHost:
    """Uploads/s, status poll p99 and upload to 999 at the users' pace, each after quiet."""
    uploads = rate(server.port, simulator_upload(small), seconds)
    wait_until_processed(server)
    status_poll = rate(server.port, status_request(server.port, small), seconds)
    wait_until_processed(server)
    threads = LATENCY_CLIENTS // CLIENT_PROCESSES
    latency = Job(server.port, simulator_upload(small), threads, seconds, STATUS_PATH)
    paced_999 = run_clients(replace(latency, think=THINK_SECONDS))
    return OneHost(uploads, status_poll, paced_999)


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """An empty database the hosts migrate themselves; dropped afterwards."""
    name = f"posc_sim_bench_{secrets.token_hex(4)}"
    url = create_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)


def measure_two_hosts(folder: Path, server_url: str, small: bytes, seconds: float) -> Tally:
    """Combined uploads/s of two hosts on one fresh database, the clients split between them."""
    with fresh_database(server_url) as database, ExitStack() as stack:
        hosts = [
            stack.enter_context(serving(_host(folder / f"host-{n}", database)))
            for n in range(HOSTS)
        ]
        return spread_rate([host.port for host in hosts], simulator_upload(small), seconds)


@dataclass(frozen=True)
class Comparison:
    sqlite: OneHost
    postgresql: OneHost
    two_hosts: Tally
    server: str  # which PostgreSQL, and how it commits


def measure(folder: Path, seconds: float) -> Comparison:
    small = x12_file("837P", SITE, USER_ID, SMALL_BYTES)
    with serving(_host(folder / "sqlite", None)) as server:
        log("SQLite, one host: uploads, status polls, upload to 999")
        sqlite = measure_one_host(server, small, seconds)
    log("starting PostgreSQL")
    with running_server(folder / "postgres", POSTGRES_SETTINGS) as server_url:
        with (
            fresh_database(server_url) as database,
            serving(_host(folder / "postgresql", database)) as server,
        ):
            log("PostgreSQL, one host: uploads, status polls, upload to 999")
            postgresql = measure_one_host(server, small, seconds)
        log(f"PostgreSQL, {HOSTS} hosts on one database: uploads")
        two_hosts = measure_two_hosts(folder, server_url, small, seconds)
        which = describe(server_url)
    return Comparison(sqlite, postgresql, two_hosts, which)


def describe(server_url: str) -> str:
    """The server's version and the settings above, as it reports them."""
    with admin_engine(server_url) as admin, admin.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar()
        shown = [
            f"{name} = {connection.execute(text(f'SHOW {name}')).scalar()}"
            for name in POSTGRES_SETTINGS
        ]
    return f"PostgreSQL {version}, {', '.join(shown)}"


def _uploads(tally: Tally) -> str:
    return per_second(tally, "uploads")


def _milliseconds(tally: Tally, share: float) -> str:
    value = tally.percentile(share)
    return "n/a" if math.isnan(value) else f"{value * 1000:,.0f} ms{error_note(tally)}"


def rows(found: Comparison) -> list[tuple[str, str, str]]:
    """(figure, SQLite, PostgreSQL): one host on each database."""
    one, other = found.sqlite, found.postgresql
    return [
        ("5 KB 837P uploads", _uploads(one.uploads), _uploads(other.uploads)),
        (
            f"upload to 999, {LATENCY_CLIENTS} users at their pace: p50",
            _milliseconds(one.paced_999, 0.5),
            _milliseconds(other.paced_999, 0.5),
        ),
        ("  p99", _milliseconds(one.paced_999, 0.99), _milliseconds(other.paced_999, 0.99)),
        (
            "JSON API status poll: p99",
            _milliseconds(one.status_poll, 0.99),
            _milliseconds(other.status_poll, 0.99),
        ),
    ]


def print_comparison(found: Comparison, seconds: float, took: float, load: float) -> None:
    print(
        f"posc-sim on SQLite and on PostgreSQL, {os.cpu_count()} cores, {seconds:g} s per "
        f"figure, {took:.0f} s in all; 1-minute load average {load:.1f} before"
    )
    table = [("figure", "SQLite", "PostgreSQL"), *rows(found)]
    widths = [max(len(row[column]) for row in table) for column in range(3)]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    one_host = found.postgresql.uploads.rate
    both = found.two_hosts.rate
    ratio = f" ({both / one_host:.2f}x one host)" if one_host else ""
    print(
        f"{HOSTS} hosts on one PostgreSQL database, 5 KB uploads combined: "
        f"{_uploads(found.two_hosts)}{ratio}"
    )
    print(
        f"  on {os.cpu_count()} cores the hosts share the cores with each other, the database "
        "and the client: this shows what a second host costs, not how hosts on machines of "
        "their own scale"
    )
    print(
        f"  client: the benchmark's own, {CLIENT_PROCESSES} processes of keep-alive connections "
        f"(one process per host with {HOSTS} hosts); upload to 999: {LATENCY_CLIENTS} users "
        f"polling every 0.1 s, {THINK_SECONDS[0]:g}-{THINK_SECONDS[1]:g} s between uploads; "
        f"{found.server}"
    )


def compare_databases(seconds: float) -> None:
    """Measure and print; every server started here is stopped by its PID."""
    started = time.monotonic()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="posc-sim-bench-databases-") as folder:
        found = measure(Path(folder), seconds)
    print_comparison(found, seconds, time.monotonic() - started, load)
