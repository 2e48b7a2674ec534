"""Drive a server with wrk (Debian's ``wrk`` package), where it is installed.

The benchmark's own client is Python: threads of one process share its interpreter lock, so a
request can wait in the client while the server has long answered, and a stall the client
measures may be its own. wrk is written in C: a figure it gives is the server's. It sends one
request again and again on each connection; ``loadtests/wrk/request.lua`` builds that request
(a multipart upload from a body file, or a GET with credentials) and prints its counts and
latency percentiles as one JSON line, read here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "request.lua"
RESULT_PREFIX = "wrk-json: "
THREADS = 2
TIMEOUT_SECONDS = 30
NONE = "-"  # what request.lua reads as "no body", "no Content-Type", "no Authorization"


class WrkError(RuntimeError):
    """wrk failed or printed no result line; the message holds its output."""


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run counted; latencies in seconds."""

    requests: int
    failed: int
    seconds: float
    p50: float
    p99: float
    slowest: float

    @property
    def answered(self) -> int:
        """Requests answered with a 2xx or 3xx (wrk counts any other status as an error)."""
        return self.requests - self.failed


@dataclass(frozen=True)
class WrkRequest:
    """One request for wrk to repeat: its URL, and the body file and headers it carries."""

    url: str
    method: str = "GET"
    body_file: Path | None = None
    content_type: str | None = None
    authorization: str | None = None

    def script_arguments(self) -> list[str]:
        named = [str(self.body_file) if self.body_file else None, self.content_type]
        return [self.method, *(value or NONE for value in [*named, self.authorization])]


def wrk_installed() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(request: WrkRequest, connections: int, seconds: float) -> WrkResult:
    """Send ``request`` on ``connections`` keep-alive connections for ``seconds``."""
    command = ["wrk", f"-t{min(THREADS, connections)}", f"-c{connections}", f"-d{seconds:g}s"]
    command += [f"--timeout={TIMEOUT_SECONDS}s", "-s", str(SCRIPT), request.url, "--"]
    command += request.script_arguments()
    finished = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + TIMEOUT_SECONDS, check=False
    )
    return parse_result(finished.stdout, finished.returncode, finished.stderr)


def parse_result(output: str, returncode: int = 0, errors: str = "") -> WrkResult:
    """The result line of ``request.lua`` in wrk's output."""
    lines = [line for line in output.splitlines() if line.startswith(RESULT_PREFIX)]
    if returncode != 0 or not lines:
        raise WrkError(f"wrk exited with {returncode}:\n{output}\n{errors}")
    found = json.loads(lines[-1].removeprefix(RESULT_PREFIX))
    return WrkResult(
        requests=found["requests"],
        failed=found["failed"],
        seconds=found["seconds"],
        p50=found["p50_us"] / 1e6,
        p99=found["p99_us"] / 1e6,
        slowest=found["max_us"] / 1e6,
    )
