"""A flame graph (SVG) of one posc-sim server process under a load of 5 KB 837P uploads.

    python -m loadtests.flamegraph OUT.svg [--seconds 15]

Starts ``posc-sim serve`` through the project's launcher (default workers, journal on, the real
password hash) in a temporary data directory, loads it with uploads (wrk, 16 connections, where
wrk is installed; else the benchmark's own client), and records one of its worker processes
with py-spy (the ``dev`` extra) while the load runs: only samples holding the interpreter lock,
so the widths are the CPU each function took in Python. The graph has two towers side by
side: the request threads (``_worker`` ... ``ThreadWorker.handle_request`` ... ``upload``),
and the process's job thread (``BackgroundWorker._loop`` ... ``Processor.process``), which
works the jobs of the uploads. py-spy runs as root, or where ptrace is allowed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from loadtests.bench import (
    AUTHORIZATION,
    SITE,
    SMALL_BYTES,
    USER_ID,
    WRK_CONNECTIONS,
    rate,
    simulator_upload,
    start_simulator,
    wait_until_processed,
)
from loadtests.payloads import upload_form, x12_file
from loadtests.wrk_driver import WrkRequest, run_wrk, wrk_installed

SAMPLES_PER_SECOND = 200
SETTLE_SECONDS = 2  # py-spy attaches, the load starts; the recording outlasts the load


def worker_pid(master: int) -> int:
    """A gunicorn worker of the server: the first child process of its master."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    if not children:
        raise RuntimeError(f"the server {master} has no worker process")
    return int(children[0])


def record(pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes]:
    """py-spy recording ``pid`` for ``seconds`` into the SVG ``output``, started now."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [spy, "record", "--pid", str(pid), "--gil", "--rate", str(SAMPLES_PER_SECOND)]
    command += [
        "--duration",
        str(round(seconds)),
        "--format",
        "flamegraph",
        "--output",
        str(output),
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def load(url: str, port: int, folder: Path, seconds: float) -> str:
    """Uploads for ``seconds``; what drove them."""
    small = x12_file("837P", SITE, USER_ID, SMALL_BYTES)
    if wrk_installed():
        body, content_type = upload_form("837P", small)
        body_file = folder / "upload.body"
        body_file.write_bytes(body)
        upload = WrkRequest(url, "POST", body_file, content_type, AUTHORIZATION)
        result = run_wrk(upload, WRK_CONNECTIONS, seconds)
        return f"wrk, {WRK_CONNECTIONS} connections: {result.answered} uploads"
    tally = rate(port, simulator_upload(small), seconds)
    return f"bench client: {tally.done} uploads"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("output", type=Path, help="the SVG to write")
    parser.add_argument("--seconds", type=float, default=15.0, help="of load (default 15)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="posc-sim-flame-") as name:
        folder = Path(name)
        server = start_simulator(folder, journal=True)
        try:
            spy = record(
                worker_pid(server.process.pid), options.seconds + SETTLE_SECONDS, options.output
            )
            driven = load(
                f"{server.url}/{SITE}/api/v1/batches", server.port, folder, options.seconds
            )
            wait_until_processed(server)
            _, errors = spy.communicate()
        finally:
            server.stop()
    if spy.returncode != 0:
        raise SystemExit(f"py-spy failed: {errors.decode(errors='replace')}")
    print(f"{options.output}: {driven}, one worker process recorded")


if __name__ == "__main__":
    main()
