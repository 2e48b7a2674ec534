"""posc-sim against a bare Flask app on this machine, in one run of about two minutes.

    python -m loadtests.bench [--seconds 8]

Run it from the project root. Every server is a subprocess on a free loopback port, served by
gunicorn the way posc-sim serves itself (gthread, the same workers and threads), and stopped by
its PID when its figures are taken. ``POSC_SIM_WORKERS`` and ``POSC_SIM_THREADS`` in the
environment give both servers another worker model, to measure it. The baseline is
``loadtests/bare_apps.py``: a hello world, and an endpoint that only saves the uploaded file.

The client is this module's own: a few processes (multiprocessing) of threads, each thread
holding one keep-alive ``http.client`` connection and repeating one request as fast as the
answers come. Locust would cost more CPU than the servers on a two-core machine; this client
costs little, but it does share the cores with the server it measures, as any client here must.

Figures, each printed with the driver that produced it:

- requests/s of the bare hello world, and uploads/s of the bare upload endpoint (5 KB);
- uploads/s of 5 KB 837P files through ``POST /test/api/v1/batches``, journal on and off,
  processing included (the clock stops when the last upload's job is done), and the ratio to
  the bare endpoint (goal: at least 50 %), with the answers alone beside it;
- requests/s and p99 of a JSON API status poll and of a real-time 270 through CORE SOAP
  (answered with its 271 inside the call), side by side;
- time to the tracking number of a 16 MB upload against the bare endpoint saving the same
  bytes (goal: at most 2x);
- upload to 999 available under 100 concurrent users, p50 and p99 (goal: p99 at most 0.3 s):
  users at the pace of the Locust users (0.5 to 2 s between uploads, a poll every 0.1 s),
  which is the goal's figure, with each single upload and poll request's p50, p99 and slowest
  (goal: none slower than ten times its median), and users uploading back to back, which
  saturates the server and shows how latency grows past that;
- p99 of a status poll and of a file download beside the bare hello world's, in turns of a
  second at a calm pace (goal: each within 2x of the hello world);
- with wrk installed (``loadtests/wrk_driver.py``): uploads/s of both servers (posc-sim's
  processing included) and the latencies of uploads, the hello world and a status poll, from
  a client that is not Python.
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
from typing import TypeVar

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
from loadtests.wrk_driver import WrkRequest, WrkResult, run_wrk, wrk_installed
from simulator.loadtest import start_posc_sim
from simulator.settings import load_settings
from simulator.testing.server import HOST as LOOPBACK
from simulator.testing.server import ServerProcess, free_port
from simulator.web.core.envelope import Kind

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
SITE = "test"
USER_ID = "BENCH0001"
SMALL_BYTES = 5 * 1024
BIG_UPLOADS = 3
CLIENT_PROCESSES = 2
LATENCY_CLIENTS = 100
ANSWER_TIMEOUT_SECONDS = 60.0
IDLE_TIMEOUT_SECONDS = 120.0
# Upload to 999 at 100 users at the Locust pace: the goal's p99, and "no request slower than
# ten times its own median".
PACED_999_GOAL_SECONDS = 0.3
STALL_GOAL = 10
# The latency of a status poll and a download beside the bare hello world's: 16 clients, each
# pausing 50 to 150 ms between requests (some 150 requests a second, far from saturating any
# of the three), taking turns of a second at each for three times the figure's seconds.
PACED_CLIENTS = 16
PACED_THINK_SECONDS = (0.05, 0.15)
TURN_SECONDS = 1.0
LATENCY_GOAL = 2.0  # at most twice the hello world's p99
WRK_CONNECTIONS = 16
DRAIN_POLL_SECONDS = 0.05
# The worker model both servers run with: posc-sim's defaults, or the POSC_SIM_WORKERS and
# POSC_SIM_THREADS of this process's environment, to measure another one.
SHAPE = {
    name: os.environ[name]
    for name in ("POSC_SIM_WORKERS", "POSC_SIM_THREADS")
    if name in os.environ
}
SERVER = load_settings(environ=SHAPE)


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
    kind: str = "request"  # what each single request is counted as


@dataclass
class Tally:
    """What clients counted: answers, errors (with the last one), latencies, wall time."""

    done: int = 0
    errors: int = 0
    last_error: str = ""
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    # Each single request's latency by its kind ("upload", "poll", ...), for the stall figures.
    requests: dict[str, list[float]] = field(default_factory=dict)

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
        for kind, latencies in other.requests.items():
            self.requests.setdefault(kind, []).extend(latencies)

    def timed(self, kind: str, started: float) -> None:
        """Note one request of ``kind`` that began at ``started`` (``perf_counter``)."""
        self.requests.setdefault(kind, []).append(time.perf_counter() - started)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        """Nearest rank: the latency that ``share`` of the answers came within."""
        return percentile(self.latencies, share)


def percentile(latencies: list[float], share: float) -> float:
    """Nearest rank: the latency that ``share`` of ``latencies`` came within."""
    ordered = sorted(latencies)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else math.nan


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    driver: str = ""


# -- the client -----------------------------------------------------------------------------


def _send(
    connection: HTTPConnection, request: Request, tally: Tally, kind: str
) -> tuple[int, bytes]:
    started = time.perf_counter()
    connection.request(request.method, request.path, body=request.body, headers=request.headers())
    answer = connection.getresponse()
    body = answer.read()
    tally.timed(kind, started)
    return answer.status, body


def _await_999(connection: HTTPConnection, poll: Request, tally: Tally) -> str | None:
    """Poll the batch until its 999 is listed; bounded by ``ANSWER_TIMEOUT_SECONDS``."""
    deadline = time.monotonic() + ANSWER_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        status, body = _send(connection, poll, tally, "status poll")
        if status != 200:
            return f"status: HTTP {status} {body[:200]!r}"
        if acknowledged(json.loads(body)):
            return None
        time.sleep(POLL_INTERVAL_SECONDS)
    return f"no 999 within {ANSWER_TIMEOUT_SECONDS:g} s"


def _exchange(connection: HTTPConnection, job: Job, tally: Tally) -> str | None:
    """One request (and, for a latency job, the polls after it); a problem, or None."""
    status, body = _send(connection, job.request, tally, job.kind)
    if status not in (200, 201):
        return f"HTTP {status} {body[:200]!r}"
    if job.request.expect is not None and job.request.expect not in body:
        return f"no {job.request.expect!r} in {body[:200]!r}"
    if job.status_path is None:
        return None
    number = json.loads(body)["tracking_number"]
    poll = Request("GET", job.status_path.format(number), authorization=job.request.authorization)
    return _await_999(connection, poll, tally)


def _timed(connection: HTTPConnection, job: Job, tally: Tally) -> None:
    """One exchange, counted in ``tally`` with its time and its problem if it failed."""
    started = time.perf_counter()
    try:
        problem = _exchange(connection, job, tally)
    except (HTTPException, OSError, ValueError, KeyError) as error:
        connection.close()  # the next request opens a new connection
        problem = f"{type(error).__name__}: {error}"
    tally.record(time.perf_counter() - started, problem)


def _client(job: Job, deadline: float, tally: Tally) -> None:
    connection = HTTPConnection(LOOPBACK, job.port, timeout=ANSWER_TIMEOUT_SECONDS)
    try:
        while time.monotonic() < deadline:
            _timed(connection, job, tally)
            if job.think is not None:
                time.sleep(random.uniform(*job.think))
    finally:
        connection.close()


def drive(job: Job) -> Tally:
    """In a client process: run the job's threads until its time is up, and count.

    Each thread counts in a tally of its own, added up at the end: no lock between them.
    """
    tallies = [Tally() for _ in range(job.threads)]
    started = time.perf_counter()
    deadline = time.monotonic() + job.seconds
    threads = [threading.Thread(target=_client, args=(job, deadline, tally)) for tally in tallies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    total.seconds = time.perf_counter() - started
    return total


def run_clients(job: Job) -> Tally:
    """The job in ``CLIENT_PROCESSES`` processes at once; their tallies added up."""
    return run_jobs([job] * CLIENT_PROCESSES)


def run_jobs(jobs: Sequence[Job]) -> Tally:
    """Each job in a client process of its own, all at once; their tallies added up."""
    return _in_processes(drive, jobs)


def _in_processes(work: Callable[[T], Tally], arguments: Sequence[T]) -> Tally:
    with multiprocessing.get_context("spawn").Pool(len(arguments)) as pool:
        tallies = pool.map(work, arguments)
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    return total


@dataclass(frozen=True)
class Turn:
    """One request the latency clients take turns at: what it is counted as, and where."""

    kind: str
    port: int
    request: Request


@dataclass(frozen=True)
class Rotation:
    """Requests taken in turns of ``slot_seconds`` by every client at once, from ``start``
    (wall clock, the same in every process), at a pace that leaves the machine room.

    Turns a second long, again and again, put each request and its baseline under the same
    changes of load from other work on the machine, which one long figure after another would
    not: the p99 of each is then comparable with the others'.
    """

    turns: tuple[Turn, ...]
    threads: int
    start: float
    seconds: float
    slot_seconds: float
    think: tuple[float, float]

    def turn_at(self, moment: float) -> Turn:
        return self.turns[int((moment - self.start) / self.slot_seconds) % len(self.turns)]


def _rotating_client(rotation: Rotation, tally: Tally) -> None:
    """Each turn on a new connection: a server closes one left idle through the other turns."""
    previous: Turn | None = None
    connection = HTTPConnection(LOOPBACK)
    try:
        while (moment := time.time()) < rotation.start + rotation.seconds:
            turn = rotation.turn_at(moment)
            if turn is not previous:
                connection.close()
                connection = HTTPConnection(LOOPBACK, turn.port, timeout=ANSWER_TIMEOUT_SECONDS)
                previous = turn
            try:
                status, body = _send(connection, turn.request, tally, turn.kind)
                if status != 200:
                    tally.record(0.0, f"{turn.kind}: HTTP {status} {body[:200]!r}")
            except (HTTPException, OSError) as error:
                connection.close()
                tally.record(0.0, f"{turn.kind}: {type(error).__name__}: {error}")
            time.sleep(random.uniform(*rotation.think))
    finally:
        connection.close()


def drive_rotation(rotation: Rotation) -> Tally:
    """In a client process: wait for the common start, then take the turns until the end."""
    time.sleep(max(0.0, rotation.start - time.time()))
    tallies = [Tally() for _ in range(rotation.threads)]
    threads = [
        threading.Thread(target=_rotating_client, args=(rotation, tally)) for tally in tallies
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
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
            _timed(connection, job, tally)
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


def start_simulator(
    folder: Path, *, journal: bool, database_url: str | None = None
) -> ServerProcess:
    """``posc-sim serve`` with the journal on or off, on SQLite in ``folder`` or the database
    ``database_url`` names, and the benchmark's login on the test site (already there on a
    database another host made it in)."""
    name = "journal-on" if journal else "journal-off"
    server = start_posc_sim(
        folder / name / "data", journal=journal, database_url=database_url, shape=SHAPE
    )
    with ControlClient(server.url) as control:
        control.create_user(SITE, USER_ID, PASSWORD, [PROVIDER_ID])
    return server


def wait_until_processed(server: ServerProcess, poll_seconds: float = 0.5) -> None:
    """Let the background jobs of earlier uploads finish, so they do not slow the next figure."""
    deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
    with ControlClient(server.url) as control:
        while control.unfinished_jobs() and time.monotonic() < deadline:
            time.sleep(poll_seconds)


def drain_seconds(server: ServerProcess) -> float:
    """How long the jobs still queued take to finish: what "processing included" adds."""
    started = time.monotonic()
    wait_until_processed(server, DRAIN_POLL_SECONDS)
    return time.monotonic() - started


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


@dataclass(frozen=True)
class Processed:
    """Uploads answered in a timed window, and how long their jobs then took to finish."""

    answered: int
    seconds: float
    drain: float
    errors: str = ""

    @property
    def rate(self) -> float:
        """Uploads per second with every upload's 999 made: the clock stops at the last."""
        return self.answered / (self.seconds + self.drain)


def processed_rate(server: ServerProcess, request: Request, seconds: float) -> Processed:
    tally = rate(server.port, request, seconds)
    return Processed(tally.done, tally.seconds, drain_seconds(server), error_note(tally))


def spread_rate(ports: Sequence[int], request: Request, seconds: float) -> Tally:
    """As :func:`rate`, each client process driving the next of several hosts in turn."""
    hosts = [ports[number % len(ports)] for number in range(CLIENT_PROCESSES)]
    return run_jobs([Job(port, request, _connections(), seconds) for port in hosts])


def upload(path: str, content: bytes, authorization: str | None = None) -> Request:
    body, content_type = upload_form("837P", content)
    return Request("POST", path, body, content_type, authorization)


def simulator_upload(content: bytes) -> Request:
    return upload(API_UPLOAD, content, AUTHORIZATION)


def _uploaded(port: int, content: bytes) -> str:
    """The tracking number of an upload made for a figure that reads it back."""
    connection = HTTPConnection(LOOPBACK, port, timeout=ANSWER_TIMEOUT_SECONDS)
    try:
        status, body = _send(connection, simulator_upload(content), Tally(), "upload")
    finally:
        connection.close()
    if status != 201:
        raise RuntimeError(f"the upload to read back was refused: HTTP {status} {body[:200]!r}")
    number: str = json.loads(body)["tracking_number"]
    return number


def _status_of(number: str) -> Request:
    return Request("GET", STATUS_PATH.format(number), authorization=AUTHORIZATION)


def status_request(port: int, content: bytes) -> Request:
    """``GET`` the status of an upload made for it: what a client polls."""
    return _status_of(_uploaded(port, content))


def download_request(server: ServerProcess, content: bytes) -> Request:
    """``GET`` the 999 of an upload made (and processed) for it, as a ``.dat`` file."""
    number = _uploaded(server.port, content)
    wait_until_processed(server, DRAIN_POLL_SECONDS)
    connection = HTTPConnection(LOOPBACK, server.port, timeout=ANSWER_TIMEOUT_SECONDS)
    try:
        status, body = _send(connection, _status_of(number), Tally(), "status poll")
    finally:
        connection.close()
    files = json.loads(body)["response_files"] if status == 200 else []
    if not files:
        raise RuntimeError(f"the upload to download from has no response file: {body[:200]!r}")
    path = f"/{SITE}/api/v1/files/{files[0]['file_id']}"
    return Request("GET", path, authorization=AUTHORIZATION)


def _real_time_request() -> Request:
    """A one-member 270 through ``S/core/soap``, answered with a 271 in the exchange."""
    inquiry = x12_file("270", SITE, USER_ID, REAL_TIME_BYTES)
    call = core_request(Kind.REAL_TIME, REAL_TIME_270, USER_ID, inquiry)
    return Request("POST", f"/{SITE}/core/soap", call.body, call.content_type, expect=b"ST*271*")


REAL_TIME_REQUEST = _real_time_request()
HELLO = "hello world (bare)"
POLL = "status poll"
DOWNLOAD = "file download (.dat)"


def beside_hello(bare: ServerProcess, server: ServerProcess, small: bytes, seconds: float) -> Tally:
    """A status poll and a download, in turns with the bare hello world, at a calm pace."""
    turns = (
        Turn(HELLO, bare.port, Request("GET", "/")),
        Turn(POLL, server.port, status_request(server.port, small)),
        Turn(DOWNLOAD, server.port, download_request(server, small)),
    )
    rotation = Rotation(
        turns,
        threads=PACED_CLIENTS // CLIENT_PROCESSES,
        start=time.time() + 3.0,  # once the client processes have started
        seconds=3 * seconds,
        slot_seconds=TURN_SECONDS,
        think=PACED_THINK_SECONDS,
    )
    return _in_processes(drive_rotation, [rotation] * CLIENT_PROCESSES)


@dataclass(frozen=True)
class WrkFigures:
    """What wrk measured, where it is installed: uploads on each server, and two GETs."""

    bare_upload: WrkResult
    simulator_upload: WrkResult
    simulator_drain: float
    hello: WrkResult
    status_poll: WrkResult


def _wrk_upload(
    url: str, body_file: Path, content_type: str, authorization: str | None
) -> WrkRequest:
    return WrkRequest(url, "POST", body_file, content_type, authorization)


@dataclass(frozen=True)
class Measurements:
    hello: Tally
    bare_small: Tally
    bare_big: Tally
    journal_off: Processed
    journal_on: Processed
    simulator_big: Tally
    paced_999: Tally
    saturated_999: Tally
    status_poll: Tally
    real_time_270: Tally
    calm: Tally
    wrk: WrkFigures | None


def measure(folder: Path, seconds: float, small: bytes, big: bytes) -> Measurements:
    """Each server in turn, alone on the machine while its throughput is taken; the bare app
    stays up (idle) for the latency figures taken beside it at the end."""
    body_file = folder / "upload-5k.body"
    body, content_type = upload_form("837P", small)
    body_file.write_bytes(body)
    wrk = wrk_installed()
    with serving(lambda: start_bare(folder)) as bare:
        log("bare Flask: hello world")
        hello = rate(bare.port, Request("GET", "/"), seconds)
        log("bare Flask: 5 KB uploads")
        bare_small = rate(bare.port, upload("/upload", small), seconds)
        log("bare Flask: 16 MB uploads")
        bare_big = one_at_a_time(bare.port, upload("/upload", big), lambda: None)
        if wrk:
            log("bare Flask: wrk, hello world and 5 KB uploads")
            wrk_hello = run_wrk(WrkRequest(bare.url + "/"), WRK_CONNECTIONS, seconds)
            wrk_bare = run_wrk(
                _wrk_upload(bare.url + "/upload", body_file, content_type, None),
                WRK_CONNECTIONS,
                seconds,
            )
        with serving(lambda: start_simulator(folder, journal=False)) as server:
            log("posc-sim, journal off: 5 KB uploads, processing included")
            journal_off = processed_rate(server, simulator_upload(small), seconds)
        with serving(lambda: start_simulator(folder, journal=True)) as server:
            log("posc-sim, journal on: 5 KB uploads, processing included")
            journal_on = processed_rate(server, simulator_upload(small), seconds)
            log("posc-sim: status polls, JSON API")
            poll = status_request(server.port, small)
            status_poll = rate(server.port, poll, seconds)
            log("posc-sim: real-time 270s, CORE SOAP")
            real_time_270 = rate(server.port, REAL_TIME_REQUEST, seconds)
            log("posc-sim: 16 MB uploads")
            simulator_big = one_at_a_time(
                server.port, simulator_upload(big), lambda: wait_until_processed(server)
            )
            wrk_figures = None
            if wrk:
                log("posc-sim: wrk, 5 KB uploads (processing included) and status polls")
                wait_until_processed(server)
                upload_url = server.url + API_UPLOAD
                wrk_simulator = run_wrk(
                    _wrk_upload(upload_url, body_file, content_type, AUTHORIZATION),
                    WRK_CONNECTIONS,
                    seconds,
                )
                wrk_drain = drain_seconds(server)
                wrk_poll = run_wrk(
                    WrkRequest(server.url + poll.path, authorization=AUTHORIZATION),
                    WRK_CONNECTIONS,
                    seconds,
                )
                wrk_figures = WrkFigures(wrk_bare, wrk_simulator, wrk_drain, wrk_hello, wrk_poll)
            threads = LATENCY_CLIENTS // CLIENT_PROCESSES
            latency = Job(
                server.port, simulator_upload(small), threads, seconds, STATUS_PATH, kind="upload"
            )
            wait_until_processed(server)
            log(f"posc-sim: upload to 999, {LATENCY_CLIENTS} users at the Locust users' pace")
            paced_999 = run_clients(replace(latency, think=THINK_SECONDS))
            wait_until_processed(server)
            log(f"posc-sim: upload to 999, {LATENCY_CLIENTS} users back to back")
            saturated_999 = run_clients(latency)
            wait_until_processed(server)
            log("posc-sim beside bare Flask: hello world, status poll, download, in turns")
            calm = beside_hello(bare, server, small, seconds)
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
        calm,
        wrk_figures,
    )


def error_note(tally: Tally) -> str:
    """How many of the tally's requests failed, and the last failure; empty if none."""
    return f" ({tally.errors} errors, last: {tally.last_error[:80]})" if tally.errors else ""


def per_second(tally: Tally, unit: str) -> str:
    return f"{tally.rate:,.0f} {unit}/s{error_note(tally)}"


def _median(tally: Tally) -> float:
    return statistics.median(tally.latencies) if tally.latencies else math.nan


def _took(seconds: float, tally: Tally, what: str = "") -> str:
    return f"{seconds:.2f} s{what}{error_note(tally)}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def figures(found: Measurements, seconds: float) -> list[Figure]:
    """What is printed: each figure with its driver, each goal beside its ratio."""
    clients = f"bench client, {CLIENT_PROCESSES} processes x"
    rates = f"{clients} {_connections()} keep-alive connections, {seconds:g} s"
    serial = f"bench client, 1 connection, {BIG_UPLOADS} uploads one after another"
    bare_big, simulator_big = _median(found.bare_big), _median(found.simulator_big)
    return [
        Figure("bare Flask hello world, GET /", per_second(found.hello, "req"), rates),
        Figure("bare Flask upload endpoint, 5 KB", per_second(found.bare_small, "uploads"), rates),
        *_processed("journal on", found.journal_on, found.bare_small.rate, rates),
        *_processed("journal off", found.journal_off, found.bare_small.rate, rates),
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
        *_stalls(found.paced_999),
        *_latency(found.saturated_999, seconds, "back to back", None),
        *_calm(found.calm, seconds),
        *(_wrk(found.wrk, seconds) if found.wrk else [Figure("wrk", "not installed: no figures")]),
    ]


def _processed(journal: str, processed: Processed, bare_rate: float, driver: str) -> list[Figure]:
    """Uploads/s with their 999s made, and the share of the bare save endpoint (the goal)."""
    answers = processed.answered / processed.seconds
    return [
        Figure(
            f"posc-sim upload, {journal}, 5 KB, processing included",
            f"{processed.rate:,.0f} uploads/s{processed.errors}",
            f"{driver}, then until the last job is done ({processed.drain:.1f} s more)",
        ),
        Figure(
            "  share of the bare upload endpoint",
            f"{processed.rate / bare_rate:.0%} (goal >= 50 %); answers alone {answers:,.0f}/s, "
            f"{answers / bare_rate:.0%}",
        ),
    ]


def _rate_and_p99(label: str, tally: Tally, driver: str) -> list[Figure]:
    return [
        Figure(label, per_second(tally, "req"), driver),
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
    goal = f" (goal <= {PACED_999_GOAL_SECONDS:g} s)" if think else " (past saturation)"
    return [
        Figure(
            f"upload to 999, {LATENCY_CLIENTS} users {how}: p50",
            _took(tally.percentile(0.5), tally, f" of {tally.done} uploads"),
            driver,
        ),
        Figure("  p99", f"{tally.percentile(0.99):.2f} s{goal}"),
    ]


def _stalls(tally: Tally) -> list[Figure]:
    """Each single request of the paced run: its slowest against its own median."""
    rows = []
    for kind, latencies in sorted(tally.requests.items()):
        median, slowest = statistics.median(latencies), max(latencies)
        rows.append(
            Figure(
                f"  its {kind} requests: p50, p99, slowest",
                f"{_ms(median)}, {_ms(percentile(latencies, 0.99))}, {_ms(slowest)} "
                f"({slowest / median:.0f}x the median; goal <= {STALL_GOAL}x)",
                f"{len(latencies)} requests",
            )
        )
    return rows


def _calm(tally: Tally, seconds: float) -> list[Figure]:
    """p99 of a status poll and a download beside the bare hello world's, in turns."""
    driver = (
        f"bench client, {CLIENT_PROCESSES} processes x {PACED_CLIENTS // CLIENT_PROCESSES} "
        f"threads, {PACED_THINK_SECONDS[0]:g}-{PACED_THINK_SECONDS[1]:g} s between requests, "
        f"turns of {TURN_SECONDS:g} s, {3 * seconds:g} s"
    )
    hello = percentile(tally.requests.get(HELLO, []), 0.99)
    rows = [Figure("calm pace, in turns: p99 of each", error_note(tally).strip() or "", driver)]
    for kind in (HELLO, POLL, DOWNLOAD):
        latencies = tally.requests.get(kind, [])
        p99 = percentile(latencies, 0.99)
        goal = (
            ""
            if kind == HELLO
            else f" = {p99 / hello:.1f}x the hello world (goal <= {LATENCY_GOAL:g}x)"
        )
        rows.append(
            Figure(
                f"  {kind}",
                f"{_ms(p99)}{goal}",
                f"{len(latencies)} requests, p50 {_ms(percentile(latencies, 0.5))}",
            )
        )
    return rows


def _wrk(found: WrkFigures, seconds: float) -> list[Figure]:
    """wrk's figures: throughput with processing included, and latency without a Python client."""
    driver = f"wrk, {WRK_CONNECTIONS} connections, {seconds:g} s"
    bare = found.bare_upload.answered / found.bare_upload.seconds
    simulator = found.simulator_upload
    processed = simulator.answered / (simulator.seconds + found.simulator_drain)
    return [
        Figure(
            "wrk: bare Flask upload endpoint, 5 KB", _wrk_rate(found.bare_upload, "uploads"), driver
        ),
        Figure(
            "wrk: posc-sim upload, journal on, processing included",
            f"{processed:,.0f} uploads/s",
            f"{driver}, then until the last job is done ({found.simulator_drain:.1f} s more)",
        ),
        Figure(
            "  share of the bare upload endpoint",
            f"{processed / bare:.0%} (goal >= 50 %); answers alone "
            f"{simulator.answered / simulator.seconds:,.0f}/s",
        ),
        Figure("wrk: bare Flask hello world", _wrk_rate(found.hello, "req"), driver),
        Figure("wrk: posc-sim status poll", _wrk_rate(found.status_poll, "req"), driver),
    ]


def _wrk_rate(result: WrkResult, unit: str) -> str:
    failed = f", {result.failed} failed" if result.failed else ""
    return (
        f"{result.answered / result.seconds:,.0f} {unit}/s; p50 {_ms(result.p50)}, "
        f"p99 {_ms(result.p99)}, slowest {_ms(result.slowest)}{failed}"
    )


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
        f"1-minute load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
        "(other work on the machine skews it)"
    )
    print_table(figures(found, options.seconds))


if __name__ == "__main__":
    main()
