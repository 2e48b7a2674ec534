"""Crash and restart: kill -9 a real server during uploads, start it again, count what survived.

    python -m benchmarks.reliability [--rounds 3] [--uploads 40] [--workers 2]

Each round starts ``posc-sim serve`` on a fresh data directory, sends uploads from a few
threads, and kills every process of the server with SIGKILL while they are under way. It then
counts the orphans the crash left (files no row names, temporary files), starts the server
again on the same data directory (its start sweep with a grace period of 0: no other process
uses the directory), and prints, per round: the uploads that were answered with a tracking
number, how many of them had their 999 (or TA1) within 10 s of the restart being ready, the
orphans before and after the restart, and the time from launch to ready of both starts.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import requests

from posc_sim_fixtures.x12_builders import Submitter, build_837p
from simulator.settings import Settings
from simulator.store.database import Database
from simulator.store.sweep import find_orphans
from simulator.testing.server import SimulatorServer, start_server

PASSWORD = "Bench#2026"
USER_ID = "CRASH01"
ACK_WINDOW_SECONDS = 10.0
UPLOAD_THREADS = 4
ENV = {"POSC_SIM_ORPHAN_GRACE_SECONDS": "0"}


def started(data_dir: Path, workers: int) -> tuple[SimulatorServer, float]:
    began = time.monotonic()
    server = start_server(data_dir, env=ENV, workers=workers)
    return server, time.monotonic() - began


def upload_until_stopped(
    url: str, claim: bytes, accepted: list[str], stop: threading.Event
) -> None:
    session = requests.Session()
    session.auth = (USER_ID, PASSWORD)
    while not stop.is_set():
        try:
            answer = session.post(
                f"{url}/test/api/v1/batches",
                data={"provider_id": "110048577A", "transaction_type": "837P"},
                files={"files": ("claim.txt", claim)},
                timeout=10,
            )
        except requests.RequestException:
            return  # the server is gone
        if answer.status_code == 201:
            accepted.append(answer.json()["tracking_number"])


def orphan_count(data_dir: Path) -> int:
    settings = Settings(data_dir=data_dir)
    database = Database(settings.resolved_database_url)
    try:
        orphans = find_orphans(database, settings.blob_dir, grace_seconds=0)
    finally:
        database.dispose()
    return len(orphans.blobs) + len(orphans.temporary)


def acknowledged(server: SimulatorServer, tracking_numbers: list[str]) -> int:
    """Uploads whose 999 or TA1 is listed within the window, from now."""
    deadline = time.monotonic() + ACK_WINDOW_SECONDS
    waiting = set(tracking_numbers)
    while waiting and time.monotonic() < deadline:
        for number in list(waiting):
            batch = requests.get(f"{server.control_url}/batches/test/{number}", timeout=5).json()
            types = {f["transaction_type"] for f in batch.get("response_files", [])}
            if types & {"999", "TA1"}:
                waiting.discard(number)
        time.sleep(0.2)
    return len(tracking_numbers) - len(waiting)


def one_round(root: Path, uploads: int, workers: int) -> str:
    data_dir = root / f"round-{time.monotonic_ns()}"
    server, first_ready = started(data_dir, workers)
    requests.post(
        f"{server.control_url}/users",
        json={
            "site": "test",
            "user_id": USER_ID,
            "password": PASSWORD,
            "providers": ["110048577A"],
        },
        timeout=10,
    ).raise_for_status()
    claim = build_837p(Submitter(USER_ID), claims=20)
    accepted: list[str] = []
    stop = threading.Event()
    senders = [
        threading.Thread(target=upload_until_stopped, args=(server.url, claim, accepted, stop))
        for _ in range(UPLOAD_THREADS)
    ]
    for sender in senders:
        sender.start()
    while len(accepted) < uploads:
        time.sleep(0.01)
    server.kill()
    stop.set()
    for sender in senders:
        sender.join()
    orphans_before = orphan_count(data_dir)
    again, restart_ready = started(data_dir, workers)
    try:
        with_ack = acknowledged(again, accepted)
        orphans_after = orphan_count(data_dir)
    finally:
        again.stop()
    return (
        f"{len(accepted):>8} {with_ack:>13} {orphans_before:>14} {orphans_after:>13} "
        f"{first_ready:>11.2f} {restart_ready:>13.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--uploads", type=int, default=40, help="accepted before the kill")
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    print("accepted  999 in 10 s  orphans (kill)  after sweep  ready (s)  restart (s)")
    with tempfile.TemporaryDirectory() as root:
        for _ in range(options.rounds):
            print(one_round(Path(root), options.uploads, options.workers), flush=True)


if __name__ == "__main__":
    main()
