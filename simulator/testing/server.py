"""The one launcher of server processes: ``posc-sim serve`` (or any WSGI server command) on a
free loopback port, ready before it is handed over, stopped by its process ID.

Tests, the pytest plugin, ``posc-sim scenario run``, ``posc-sim loadtest`` and the benchmarks
all start servers here. A started simulator runs on its own data directory, and inherited
``POSC_SIM_*`` variables are dropped, so a developer's own settings (a database URL, a config
file, an admin token) never reach a server these tools start; what it needs comes in ``env``.
Readiness is asked with the standard library (no ``requests``) and never through a proxy, so
the only traffic is to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from simulator.settings import ENV_PREFIX

HOST = "127.0.0.1"
READY_PATH = "/_sim/v1/ready"
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0
POLL_SECONDS = 0.2
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# A cheap scrypt, for servers whose logins are test set-up rather than what is measured.
FAST_HASH = "scrypt:1024:8:1"


class ServerNotReadyError(RuntimeError):
    """The server exited early or did not answer in time; the message holds its output."""


@dataclass
class ServerProcess:
    """One server process; ``url`` is its root, e.g. ``http://127.0.0.1:PORT``."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def launch(
        cls, command: Sequence[str], port: int, log: Path, env: Mapping[str, str]
    ) -> ServerProcess:
        """Start ``command`` (which binds ``port`` on 127.0.0.1), its output going to ``log``."""
        with log.open("wb") as output:
            process = subprocess.Popen(
                list(command), stdout=output, stderr=subprocess.STDOUT, env=dict(env)
            )
        return cls(f"http://{HOST}:{port}", process, log)

    @property
    def port(self) -> int:
        """The loopback port the server listens on, for clients that connect by port."""
        return int(self.url.rsplit(":", 1)[1])

    def output(self) -> str:
        """What the server printed so far: its welcome, then its log."""
        return self.log.read_text(errors="replace")

    def wait_ready(
        self,
        path: str,
        timeout: float = READY_TIMEOUT_SECONDS,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Poll ``path`` (sending ``headers``) until it answers 200; else stop and raise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerNotReadyError(f"the server exited early:\n{self.output()}")
            if _answers_ok(self.url + path, headers or {}):
                return
            time.sleep(POLL_SECONDS)
        self.stop()
        raise ServerNotReadyError(f"the server was not ready in {timeout:g} s:\n{self.output()}")

    def stop(self) -> None:
        stop_process(self.process)

    def kill(self) -> None:
        """SIGKILL the server and every process under it, by process ID: a crash, not a stop
        (no worker finishes its job). The server goes first, so it forks no new worker."""
        family = [self.process.pid, *descendants(self.process.pid)]
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()


@dataclass
class SimulatorServer(ServerProcess):
    """A ``posc-sim serve`` process and the data directory it owns."""

    data_dir: Path

    @property
    def test_url(self) -> str:
        return f"{self.url}/test"

    @property
    def prod_url(self) -> str:
        return f"{self.url}/prod"

    @property
    def control_url(self) -> str:
        return f"{self.url}/_sim/v1"


def start_server(
    data_dir: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    workers: int | None = 1,
    hash_method: str | None = FAST_HASH,
    timeout: float = READY_TIMEOUT_SECONDS,
) -> SimulatorServer:
    """Start ``python -m simulator serve`` on ``data_dir`` and return once it is ready.

    ``args`` are more ``serve`` options (a later ``--workers`` wins); ``env`` adds settings;
    ``workers=None`` leaves the server's default; ``hash_method`` is the password hash (None:
    the server's default).
    """
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "simulator", "serve", "--host", HOST, "--port", str(port)]
    command += ["--data-dir", str(data_dir)]
    command += ["--workers", str(workers)] if workers else []
    command += args
    hashing = {ENV_PREFIX + "PASSWORD_HASH_METHOD": hash_method} if hash_method else {}
    settings = {**hashing, **(env or {})}
    launched = ServerProcess.launch(command, port, data_dir / "server.log", clean_env(settings))
    server = SimulatorServer(launched.url, launched.process, launched.log, data_dir)
    token = settings.get(ENV_PREFIX + "ADMIN_TOKEN")
    server.wait_ready(READY_PATH, timeout, {"Authorization": f"Bearer {token}"} if token else None)
    return server


def clean_env(settings: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without its ``POSC_SIM_*`` settings, plus ``settings``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    return {**inherited, **settings}


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM by process ID (a graceful stop), then SIGKILL if it has not gone in time."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def descendants(pid: int) -> list[int]:
    """The processes under ``pid``, children first (Linux: read from ``/proc``)."""
    children = [
        int(child)
        for task in Path(f"/proc/{pid}/task").glob("*")
        for child in _read_or_empty(task / "children").split()
    ]
    return children + [grandchild for child in children for grandchild in descendants(child)]


def _read_or_empty(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:  # the thread or process ended meanwhile
        return ""


def free_port() -> int:
    """A loopback port nobody listens on now (the server binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _answers_ok(url: str, headers: Mapping[str, str]) -> bool:
    try:
        with DIRECT.open(urllib.request.Request(url, headers=dict(headers)), timeout=2) as answer:
            return bool(answer.status == 200)
    except urllib.error.HTTPError as refusal:  # 503 while migrating or seeding
        refusal.close()
        return False
    except OSError:  # not listening yet
        return False
