"""What one upload, its processing job and one status poll cost, in process, beside the bare app.

    python -m benchmarks.request_costs [--requests 300] [--rounds 3] [--profile]

No server, no network, no client sharing the cores: each request goes through the Flask test
client of a fresh simulator (empty data set, journal on) and of ``loadtests/bare_apps.py``, so
the figures are the application's own work per request. Each figure is the best of
``--rounds`` rounds of ``--requests`` requests (the least disturbed by other work on the
machine). ``--profile`` prints the functions that took the most time (``cProfile``), which is
how the hot paths named in ``loadtests/README.md`` were found.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from loadtests import bare_apps
from loadtests.payloads import PASSWORD, PROVIDER_ID, basic_auth, upload_form, x12_file
from simulator.testing.simulator import Simulator

SITE = "test"
USER_ID = "BENCH0001"
SMALL_BYTES = 5 * 1024
PROFILE_LINES = 25


def best_milliseconds(action: Callable[[], object], requests: int, rounds: int) -> float:
    """The fastest round's time per request, in milliseconds."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(requests):
            action()
        best = min(best, (time.perf_counter() - started) / requests)
    return best * 1000


def bare_upload(body: bytes, content_type: str) -> Callable[[], object]:
    """A request to the bare app's ``POST /upload``, which only saves the file."""
    bare_apps.UPLOAD_DIR = Path(tempfile.mkdtemp(prefix="posc-sim-bare-"))
    client = bare_apps.app.test_client()
    headers = {"Content-Type": content_type}
    return lambda: client.post("/upload", data=body, headers=headers)


def measure(simulator: Simulator, options: argparse.Namespace) -> dict[str, float]:
    body, content_type = upload_form("837P", x12_file("837P", SITE, USER_ID, SMALL_BYTES))
    authorization = {"Authorization": basic_auth(USER_ID, PASSWORD)}
    headers = {"Content-Type": content_type, **authorization}

    def upload() -> str:
        answer = simulator.client.post(f"/{SITE}/api/v1/batches", data=body, headers=headers)
        if answer.status_code != 201:
            raise RuntimeError(f"upload refused: {answer.status_code} {answer.get_data()!r}")
        number: str = answer.get_json()["tracking_number"]
        return number

    number = upload()
    simulator.process_jobs()
    jobs = options.requests * options.rounds
    figures = {
        "bare upload endpoint": best_milliseconds(
            bare_upload(body, content_type), options.requests, options.rounds
        ),
        "posc-sim upload (API)": best_milliseconds(upload, options.requests, options.rounds),
    }
    started = time.perf_counter()
    done = simulator.process_jobs()
    figures["posc-sim processing job"] = (time.perf_counter() - started) / done * 1000
    if done != jobs:
        raise RuntimeError(f"{done} jobs ran, {jobs} expected")

    def poll() -> object:
        return simulator.client.get(f"/{SITE}/api/v1/batches/{number}", headers=authorization)

    figures["posc-sim status poll (API)"] = best_milliseconds(poll, options.requests, 1)
    if options.profile:
        profile(upload, simulator.process_jobs, poll, options.requests)
    return figures


def profile(
    upload: Callable[[], object],
    process: Callable[[], object],
    poll: Callable[[], object],
    requests: int,
) -> None:
    for name, work in (
        ("uploads", lambda: [upload() for _ in range(requests)]),
        ("their processing jobs", process),
        ("status polls", lambda: [poll() for _ in range(requests)]),
    ):
        profiler = cProfile.Profile()
        profiler.runcall(work)
        print(f"\n-- {requests} {name}: the functions that took longest (cumulative) --")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(PROFILE_LINES)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="per round (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="the best one counts (default 3)")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    options = parser.parse_args()
    with Simulator(dataset="empty") as simulator:
        simulator.create_user(SITE, USER_ID, PASSWORD, providers=[PROVIDER_ID])
        figures = measure(simulator, options)
    bare = figures["bare upload endpoint"]
    for label, milliseconds in figures.items():
        print(f"{label:<28} {milliseconds:6.2f} ms  ({milliseconds / bare:4.1f}x the bare upload)")


if __name__ == "__main__":
    main()
