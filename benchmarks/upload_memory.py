"""Memory and time of a 16 MB upload through a real server: streamed, not held in memory.

    python -m benchmarks.upload_memory [--megabytes 16] [--uploads 3]

Starts ``posc-sim serve`` with one worker on a free loopback port, uploads a generated file
of the given size through ``POST /prod/api/v1/batches`` (streamed from the client too), and
prints the time to the tracking number and the growth of the worker's peak resident memory
(VmHWM), which stays far below the upload's size when the body is streamed to disk.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from simulator.testing.server import start_server

PASSWORD = "Bench#2026"
CHUNK = 64 * 1024


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM line")


def worker_pid(parent: int) -> int:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return int(children[0])


def multipart(size: int, boundary: str) -> Iterator[bytes]:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="provider_id"\r\n\r\n'
        f"110048577A\r\n--{boundary}\r\nContent-Disposition: form-data; "
        f'name="transaction_type"\r\n\r\n837P\r\n--{boundary}\r\nContent-Disposition: '
        f'form-data; name="files"; filename="big.txt"\r\n\r\n'
    )
    yield head.encode()
    segment = b"CLM*123456789*100***11:B:1*Y*A*Y*Y~\n" * (CHUNK // 37)
    sent = 0
    while sent < size:
        piece = segment[: size - sent]
        sent += len(piece)
        yield piece
    yield f"\r\n--{boundary}--\r\n".encode()


class StreamedBody:
    """A request body read piece by piece, with a known length (so no chunked encoding)."""

    def __init__(self, size: int, boundary: str) -> None:
        self.len = sum(len(part) for part in multipart(0, boundary)) + size
        self._parts = multipart(size, boundary)
        self._buffer = b""

    def read(self, wanted: int = -1) -> bytes:
        while wanted < 0 or len(self._buffer) < wanted:
            part = next(self._parts, None)
            if part is None:
                break
            self._buffer += part
        if wanted < 0:
            wanted = len(self._buffer)
        piece, self._buffer = self._buffer[:wanted], self._buffer[wanted:]
        return piece


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=16)
    parser.add_argument("--uploads", type=int, default=3)
    options = parser.parse_args()
    size = int(options.megabytes * 1024 * 1024) - 4096  # under the limit with the form fields
    with tempfile.TemporaryDirectory() as folder:
        server = start_server(Path(folder), env={"POSC_SIM_DATASET": "empty"})
        url = server.url
        try:
            requests.post(
                f"{url}/_sim/v1/users",
                json={
                    "site": "prod",
                    "user_id": "BENCH01",
                    "password": PASSWORD,
                    "providers": ["110048577A"],
                },
                timeout=10,
            ).raise_for_status()
            requests.get(f"{url}/prod/api/v1/me", auth=("BENCH01", PASSWORD), timeout=10)
            worker = worker_pid(server.process.pid)
            before = peak_rss_kib(worker)
            boundary = "benchmarkboundary"
            timings = []
            for _ in range(options.uploads):
                started = time.perf_counter()
                response = requests.post(
                    f"{url}/prod/api/v1/batches",
                    auth=("BENCH01", PASSWORD),
                    data=StreamedBody(size, boundary),
                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
                    timeout=120,
                )
                timings.append(time.perf_counter() - started)
                if response.status_code != 201:
                    raise SystemExit(f"upload refused: {response.status_code} {response.text}")
            after = peak_rss_kib(worker)
        finally:
            server.stop()
    print(f"upload of {size / 1048576:.1f} MB x {options.uploads} through one worker")
    print(
        f"time to tracking number: best {min(timings) * 1000:.0f} ms, "
        f"worst {max(timings) * 1000:.0f} ms"
    )
    print(
        f"worker peak RSS: {before / 1024:.1f} MB before, {after / 1024:.1f} MB after, "
        f"growth {(after - before) / 1024:.1f} MB"
    )


if __name__ == "__main__":
    main()
