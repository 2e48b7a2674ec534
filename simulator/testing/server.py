"""A real ``posc-sim serve`` process on a free loopback port, for clients that are not Python.

The server runs one worker with the cheap test password hash, on its own data directory, and
is stopped by its process ID. Inherited ``POSC_SIM_*`` variables are dropped, so a developer's
own settings (a database URL, a config file, an admin token) never reach a test server.
Readiness is asked with the standard library (no ``requests``) and never through a proxy, so
the only traffic is to 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from simulator.settings import ENV_PREFIX
from simulator.testing.simulator import FAST_HASH

HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0
POLL_SECONDS = 0.2
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class SimulatorServer:
    """One server process; ``url`` is its root, e.g. ``http://127.0.0.1:PORT``."""

    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log: Path

    @property
    def test_url(self) -> str:
        return f"{self.url}/test"

    @property
    def prod_url(self) -> str:
        return f"{self.url}/prod"

    @property
    def control_url(self) -> str:
        return f"{self.url}/_sim/v1"

    def output(self) -> str:
        """What the server printed so far: its welcome, then its log."""
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM (a graceful gunicorn stop), then SIGKILL if it has not gone in time."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(
    data_dir: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = READY_TIMEOUT_SECONDS,
) -> SimulatorServer:
    """Start ``python -m simulator serve`` on ``data_dir`` and return once it is ready.

    ``args`` are more ``serve`` options; ``env`` adds environment variables.
    """
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "server.log"
    command = [sys.executable, "-m", "simulator", "serve", "--host", HOST, "--port", str(port)]
    command += ["--data-dir", str(data_dir), "--workers", "1", *args]
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    environment = {**inherited, ENV_PREFIX + "PASSWORD_HASH_METHOD": FAST_HASH, **(env or {})}
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=environment
        )
    server = SimulatorServer(f"http://{HOST}:{port}", process, data_dir, log)
    try:
        _wait_ready(server, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_ready(server: SimulatorServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"posc-sim serve exited early:\n{server.output()}")
        if _is_ready(server):
            return
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"posc-sim serve was not ready in {timeout:g}s:\n{server.output()}")


def _is_ready(server: SimulatorServer) -> bool:
    try:
        with DIRECT.open(f"{server.control_url}/ready", timeout=2) as answer:
            return bool(answer.status == 200)
    except urllib.error.HTTPError as refusal:  # 503 while migrating or seeding
        refusal.close()
        return False
    except OSError:  # not listening yet
        return False
