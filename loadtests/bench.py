"""posc-sim against a bare Flask app on this machine, in one run of about two minutes.

    python -m loadtests.bench [--seconds 8]

Run it from the project root. Every server is a subprocess on a free loopback port, served by
gunicorn the way posc-sim serves itself (gthread, the same workers and threads), and stopped by
its PID when its figures are taken. The baseline is ``loadtests/bare_apps.py``: a hello world,
and an endpoint that only saves the uploaded file.

The client is this module's own: a few processes (multiprocessing) of threads, each thread
holding one keep-alive ``http.client`` connection and repeating one request as fast as the
answers come. Locust would cost more CPU than the servers on a two-core machine; this client
costs little, but it does share the cores with the server it measures, as any client here must.

Figures, each printed with the driver that produced it:

- requests/s of the bare hello world, and uploads/s of the bare upload endpoint (5 KB);
- uploads/s of 5 KB 837P files through ``POST /test/api/v1/batches``, journal on and off, and
  the ratio to the bare endpoint (goal: at least 50 %);
- requests/s and p99 of a JSON API status poll and of a real-time 270 through CORE SOAP
  (answered with its 271 inside the call), side by side;
- time to the tracking number of a 16 MB upload against the bare endpoint saving the same
  bytes (goal: at most 2x);
- upload to 999 available under 100 concurrent users, p50 and p99 (goal: p99 at most the
  response delay + 1 s): users at the pace of the Locust users (0.5 to 2 s between uploads,
  a poll every 0.1 s), which is the goal's figure, and users uploading back to back, which
  saturates the server and shows how latency grows past that.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.client import HTTPConnection, HTTPException
from pathlib import Path

from loadtests.control import ControlClient
from loadtests.payloads import (
    MAX_FILE_BYTES,
    PASSWORD,
    POLL_INTERVAL_SECONDS,
    PROVIDER_ID,
    REAL_TIME_270,
    REAL_TIME_BYTES,
    THINK_SECONDS,
    acknowledged,
    basic_auth,
    core_request,
    upload_form,
    x12_file,
)
from simulator.loadtest import start_posc_sim
from simulator.settings import Settings
from simulator.testing.server import HOST as LOOPBACK
from simulator.testing.server import ServerProcess, free_port
from simulator.web.core.envelope import Kind

ROOT = Path(__file__).resolve().parents[1]
SITE = "test"
USER_ID = "BENCH0001"
SMALL_BYTES = 5 * 1024
BIG_UPLOADS = 3
CLIENT_PROCESSES = 2
LATENCY_CLIENTS = 100
ANSWER_TIMEOUT_SECONDS = 60.0
IDLE_TIMEOUT_SECONDS = 120.0
RESPONSE_DELAY_SECONDS = 0.0  # posc-sim's default, what the 999 goal adds 1 s to
SERVER = Settings()  # the workers and threads posc-sim runs with by default


@dataclass(frozen=True)
class Request:
    """One HTTP request a client sends again and again."""

    method: str
    path: str
    body: bytes | None = None
    content_type: str | None = None
    authorization: str | None = None
    expect: bytes | None = None  # what a 200 answer must hold to count as done

    def headers(self) -> dict[str, str]:
        named = {"Content-Type": self.content_type, "Authorization": self.authorization}
        return {key: value for key, value in named.items() if value}


@dataclass(frozen=True)
class Job:
    """What one client process does: ``threads`` connections repeating ``request``.

    With ``status_path`` (a format string taking the tracking number), each upload is then
    polled until its 999 is there, and the latency is upload to 999. With ``think``, each
    connection waits a random time in that range (seconds) after each exchange, as a user does.
    """

    port: int
    request: Request
    threads: int
    seconds: float
    status_path: str | None = None
    think: tuple[float, float] | None = None


@dataclass
class Tally:
    """What clients counted: answers, errors (with the last one), latencies, wall time."""

    done: int = 0
    errors: int = 0
    last_error: str = ""
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def record(self, latency: float, problem: str | None) -> None:
        if problem:
            self.errors += 1
            self.last_error = problem
        else:
            self.done += 1
            self.latencies.append(latency)

    def merge(self, other: Tally) -> None:
        self.done += other.done
        self.errors += other.errors
        self.last_error = other.last_error or self.last_error
        self.latencies += other.latencies
        self.seconds = max(self.seconds, other.seconds)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        """Nearest rank: the latency that ``share`` of the answers came within."""
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else math.nan


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    driver: str = ""


# -- the client -----------------------------------------------------------------------------


def _send(connection: HTTPConnection, request: Request) -> tuple[int, bytes]:
    connection.request(request.method, request.path, body=request.body, headers=request.headers())
    answer = connection.getresponse()
    return answer.status, answer.read()


def _await_999(connection: HTTPConnection, poll: Request) -> str | None:
    """Poll the batch until its 999 is listed; bounded by ``ANSWER_TIMEOUT_SECONDS``."""
    deadline = time.monotonic() + ANSWER_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        status, body = _send(connection, poll)
        if status != 200:
            return f"status: HTTP {status} {body[:200]!r}"
        if acknowledged(json.loads(body)):
            return None
        time.sleep(POLL_INTERVAL_SECONDS)
    return f"no 999 within {ANSWER_TIMEOUT_SECONDS:g} s"


def _exchange(connection: HTTPConnection, job: Job) -> str | None:
    """One request (and, for a latency job, the polls after it); a problem, or None."""
    status, body = _send(connection, job.request)
    if status not in (200, 201):
        return f"HTTP {status} {body[:200]!r}"
    if job.request.expect is not None and job.request.expect not in body:
        return f"no {job.request.expect!r} in {body[:200]!r}"
    if job.status_path is None:
        return None
    number = json.loads(body)["tracking_number"]
    poll = Request("GET", job.status_path.format(number), authorization=job.request.authorization)
    return _await_999(connection, poll)


def _timed(connection: HTTPConnection, job: Job) -> tuple[float, str | None]:
    """Seconds one exchange took, and its problem if it failed."""
    started = time.perf_counter()
    try:
        problem = _exchange(connection, job)
    except (HTTPException, OSError, ValueError, KeyError) as error:
        connection.close()  # the next request opens a new connection
        problem = f"{type(error).__name__}: {error}"
    return time.perf_counter() - started, problem


def _client(job: Job, deadline: float, tally: Tally, lock: threading.Lock) -> None:
    connection = HTTPConnection(LOOPBACK, job.port, timeout=ANSWER_TIMEOUT_SECONDS)
    try:
        while time.monotonic() < deadline:
            latency, problem = _timed(connection, job)
            with lock:
                tally.record(latency, problem)
            if job.think is not None:
                time.sleep(random.uniform(*job.think))
    finally:
        connection.close()


def drive(job: Job) -> Tally:
    """In a client process: run the job's threads until its time is up, and count."""
    tally = Tally()
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = time.monotonic() + job.seconds
    threads = [
        threading.Thread(target=_client, args=(job, deadline, tally, lock))
        for _ in range(job.threads)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally.seconds = time.perf_counter() - started
    return tally


def run_clients(job: Job) -> Tally:
    """The job in ``CLIENT_PROCESSES`` processes at once; their tallies added up."""
    return run_jobs([job] * CLIENT_PROCESSES)


def run_jobs(jobs: Sequence[Job]) -> Tally:
    """Each job in a client process of its own, all at once; their tallies added up."""
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        tallies = pool.map(drive, jobs)
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    return total


def one_at_a_time(port: int, request: Request, before_each: Callable[[], None]) -> Tally:
    """``BIG_UPLOADS`` uploads in turn, ``before_each`` run first (it may wait for quiet).

    Each on a new connection: the server closes a keep-alive connection left idle meanwhile.
    """
    job = Job(port, request, threads=1, seconds=0)
    tally = Tally()
    for _ in range(BIG_UPLOADS):
        before_each()
        connection = HTTPConnection(LOOPBACK, port, timeout=ANSWER_TIMEOUT_SECONDS)
        try:
            tally.record(*_timed(connection, job))
        finally:
            connection.close()
    return tally


# -- servers --------------------------------------------------------------------------------


@contextmanager
def serving(start: Callable[[], ServerProcess]) -> Iterator[ServerProcess]:
    """A started server, stopped by its PID however the measuring ends."""
    server = start()
    try:
        yield server
    finally:
        server.stop()


def start_bare(folder: Path) -> ServerProcess:
    """``loadtests.bare_apps:app`` under gunicorn, configured as ``posc-sim serve`` is."""
    uploads = folder / "bare-uploads"
    uploads.mkdir(parents=True)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--chdir", str(ROOT)]
    command += ["--bind", f"{LOOPBACK}:{port}", "--worker-class", "gthread"]
    command += ["--workers", str(SERVER.workers), "--threads", str(SERVER.threads)]
    command += ["--timeout", "120", "--graceful-timeout", "10", "--log-level", "warning"]
    command += ["loadtests.bare_apps:app"]
    environment = {**os.environ, "BARE_UPLOAD_DIR": str(uploads)}
    server = ServerProcess.launch(command, port, folder / "bare.log", environment)
    server.wait_ready("/")
    return server


def start_simulator(folder: Path, *, journal: bool) -> ServerProcess:
    """``posc-sim serve`` with the journal on or off, and the benchmark's login on the test site."""
    name = "journal-on" if journal else "journal-off"
    server = start_posc_sim(folder / name / "data", journal=journal)
    with ControlClient(server.url) as control:
        control.create_user(SITE, USER_ID, PASSWORD, [PROVIDER_ID])
    return server


def wait_until_processed(server: ServerProcess) -> None:
    """Let the background jobs of earlier uploads finish, so they do not slow the next figure."""
    deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
    with ControlClient(server.url) as control:
        while control.unfinished_jobs() and time.monotonic() < deadline:
            time.sleep(0.5)


# -- the figures ----------------------------------------------------------------------------

API_UPLOAD = f"/{SITE}/api/v1/batches"
STATUS_PATH = f"/{SITE}/api/v1/batches/{{}}"
AUTHORIZATION = basic_auth(USER_ID, PASSWORD)


def log(message: str) -> None:
    """Progress on stderr, so a two-minute run shows what it is doing."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _connections() -> int:
    """Connections per client process: in all, as many as the server has threads."""
    return max(1, SERVER.workers * SERVER.threads // CLIENT_PROCESSES)


def rate(port: int, request: Request, seconds: float) -> Tally:
    return run_clients(Job(port, request, _connections(), seconds))


def spread_rate(ports: Sequence[int], request: Request, seconds: float) -> Tally:
    """As :func:`rate`, each client process driving the next of several hosts in turn."""
    hosts = [ports[number % len(ports)] for number in range(CLIENT_PROCESSES)]
    return run_jobs([Job(port, request, _connections(), seconds) for port in hosts])


def upload(path: str, content: bytes, authorization: str | None = None) -> Request:
    body, content_type = upload_form("837P", content)
    return Request("POST", path, body, content_type, authorization)


def simulator_upload(content: bytes) -> Request:
    return upload(API_UPLOAD, content, AUTHORIZATION)


def status_request(port: int, content: bytes) -> Request:
    """``GET`` the status of an upload made for it: what a client polls."""
    connection = HTTPConnection(LOOPBACK, port, timeout=ANSWER_TIMEOUT_SECONDS)
    try:
        status, body = _send(connection, simulator_upload(content))
    finally:
        connection.close()
    if status != 201:
        raise RuntimeError(f"the upload to poll was refused: HTTP {status} {body[:200]!r}")
    number = json.loads(body)["tracking_number"]
    return Request("GET", STATUS_PATH.format(number), authorization=AUTHORIZATION)


def _real_time_request() -> Request:
    """A one-member 270 through ``S/core/soap``, answered with a 271 in the exchange."""
    inquiry = x12_file("270", SITE, USER_ID, REAL_TIME_BYTES)
    call = core_request(Kind.REAL_TIME, REAL_TIME_270, USER_ID, inquiry)
    return Request("POST", f"/{SITE}/core/soap", call.body, call.content_type, expect=b"ST*271*")


REAL_TIME_REQUEST = _real_time_request()


@dataclass(frozen=True)
class Measurements:
    hello: Tally
    bare_small: Tally
    bare_big: Tally
    journal_off: Tally
    journal_on: Tally
    simulator_big: Tally
    paced_999: Tally
    saturated_999: Tally
    status_poll: Tally
    real_time_270: Tally


def measure(folder: Path, seconds: float, small: bytes, big: bytes) -> Measurements:
    """Each server in turn, alone on the machine while its figures are taken."""
    with serving(lambda: start_bare(folder)) as bare:
        log("bare Flask: hello world")
        hello = rate(bare.port, Request("GET", "/"), seconds)
        log("bare Flask: 5 KB uploads")
        bare_small = rate(bare.port, upload("/upload", small), seconds)
        log("bare Flask: 16 MB uploads")
        bare_big = one_at_a_time(bare.port, upload("/upload", big), lambda: None)
    with serving(lambda: start_simulator(folder, journal=False)) as server:
        log("posc-sim, journal off: 5 KB uploads")
        journal_off = rate(server.port, simulator_upload(small), seconds)
    with serving(lambda: start_simulator(folder, journal=True)) as server:
        log("posc-sim, journal on: 5 KB uploads")
        journal_on = rate(server.port, simulator_upload(small), seconds)
        log("posc-sim: status polls, JSON API")
        status_poll = rate(server.port, status_request(server.port, small), seconds)
        log("posc-sim: real-time 270s, CORE SOAP")
        real_time_270 = rate(server.port, REAL_TIME_REQUEST, seconds)
        log("posc-sim: 16 MB uploads")
        simulator_big = one_at_a_time(
            server.port, simulator_upload(big), lambda: wait_until_processed(server)
        )
        threads = LATENCY_CLIENTS // CLIENT_PROCESSES
        latency = Job(server.port, simulator_upload(small), threads, seconds, STATUS_PATH)
        wait_until_processed(server)
        log(f"posc-sim: upload to 999, {LATENCY_CLIENTS} users at the Locust users' pace")
        paced_999 = run_clients(replace(latency, think=THINK_SECONDS))
        wait_until_processed(server)
        log(f"posc-sim: upload to 999, {LATENCY_CLIENTS} users back to back")
        saturated_999 = run_clients(latency)
    return Measurements(
        hello,
        bare_small,
        bare_big,
        journal_off,
        journal_on,
        simulator_big,
        paced_999,
        saturated_999,
        status_poll,
        real_time_270,
    )


def _errors(tally: Tally) -> str:
    return f" ({tally.errors} errors, last: {tally.last_error[:80]})" if tally.errors else ""


def _per_second(tally: Tally, unit: str) -> str:
    return f"{tally.rate:,.0f} {unit}/s{_errors(tally)}"


def _median(tally: Tally) -> float:
    return statistics.median(tally.latencies) if tally.latencies else math.nan


def _took(seconds: float, tally: Tally, what: str = "") -> str:
    return f"{seconds:.2f} s{what}{_errors(tally)}"


def figures(found: Measurements, seconds: float) -> list[Figure]:
    """What is printed: each figure with its driver, each goal beside its ratio."""
    clients = f"bench client, {CLIENT_PROCESSES} processes x"
    rates = f"{clients} {_connections()} keep-alive connections, {seconds:g} s"
    serial = f"bench client, 1 connection, {BIG_UPLOADS} uploads one after another"
    share = found.journal_on.rate / found.bare_small.rate if found.bare_small.rate else math.nan
    bare_big, simulator_big = _median(found.bare_big), _median(found.simulator_big)
    return [
        Figure("bare Flask hello world, GET /", _per_second(found.hello, "req"), rates),
        Figure("bare Flask upload endpoint, 5 KB", _per_second(found.bare_small, "uploads"), rates),
        Figure(
            "posc-sim upload, journal on, 5 KB", _per_second(found.journal_on, "uploads"), rates
        ),
        Figure("  share of the bare upload endpoint", f"{share:.0%} (goal >= 50 %)"),
        Figure(
            "posc-sim upload, journal off, 5 KB", _per_second(found.journal_off, "uploads"), rates
        ),
        Figure(
            "16 MB, bare endpoint: time to answer",
            _took(bare_big, found.bare_big, " median"),
            serial,
        ),
        Figure(
            "16 MB, posc-sim: time to tracking number",
            _took(simulator_big, found.simulator_big, " median"),
            serial,
        ),
        Figure("  ratio to the bare endpoint", f"{simulator_big / bare_big:.1f}x (goal <= 2x)"),
        *_rate_and_p99("JSON API status poll, GET batches/<tn>", found.status_poll, rates),
        *_rate_and_p99("CORE real-time 270 -> 271, SOAP", found.real_time_270, rates),
        *_latency(found.paced_999, seconds, "at the users' pace", THINK_SECONDS),
        *_latency(found.saturated_999, seconds, "back to back", None),
    ]


def _rate_and_p99(label: str, tally: Tally, driver: str) -> list[Figure]:
    return [
        Figure(label, _per_second(tally, "req"), driver),
        Figure("  p99", f"{tally.percentile(0.99) * 1000:.0f} ms"),
    ]


def _latency(
    tally: Tally, seconds: float, how: str, think: tuple[float, float] | None
) -> list[Figure]:
    """p50 and p99 of upload to 999; the goal applies to users at a user's pace."""
    threads = LATENCY_CLIENTS // CLIENT_PROCESSES
    pace = f"{think[0]:g}-{think[1]:g} s between uploads, " if think else "no pause, "
    driver = (
        f"bench client, {CLIENT_PROCESSES} processes x {threads} threads: upload, "
        f"poll every {POLL_INTERVAL_SECONDS:g} s, {pace}{seconds:g} s"
    )
    goal = f" (goal <= {RESPONSE_DELAY_SECONDS + 1:g} s)" if think else " (past saturation)"
    return [
        Figure(
            f"upload to 999, {LATENCY_CLIENTS} users {how}: p50",
            _took(tally.percentile(0.5), tally, f" of {tally.done} uploads"),
            driver,
        ),
        Figure("  p99", f"{tally.percentile(0.99):.2f} s{goal}"),
    ]


def print_table(rows: list[Figure]) -> None:
    label_width = max(len(row.label) for row in rows)
    value_width = max(len(row.value) for row in rows)
    for row in rows:
        print(f"{row.label:<{label_width}}  {row.value:<{value_width}}  {row.driver}".rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per figure (default 8)")
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="postgresql: SQLite beside PostgreSQL on one host, then two hosts on one "
        "PostgreSQL database (loadtests/bench_databases.py), instead of the figures above",
    )
    options = parser.parse_args()
    if options.database == "postgresql":
        # Imported here: that module builds on this one's client and requests.
        from loadtests.bench_databases import compare_databases

        compare_databases(options.seconds)
        return
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    log("building the 5 KB and 16 MB 837P files")
    small = x12_file("837P", SITE, USER_ID, SMALL_BYTES)
    big = x12_file("837P", SITE, USER_ID, MAX_FILE_BYTES)
    with tempfile.TemporaryDirectory(prefix="posc-sim-bench-") as folder:
        found = measure(Path(folder), options.seconds, small, big)
    print(
        f"posc-sim benchmark on {os.cpu_count()} cores; every server: gunicorn gthread, "
        f"{SERVER.workers} workers x {SERVER.threads} threads; {time.monotonic() - started:.0f} s; "
        f"1-minute load average {load_before:.1f} before (other work on the machine skews it)"
    )
    print_table(figures(found, options.seconds))


if __name__ == "__main__":
    main()
