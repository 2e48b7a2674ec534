"""Who holds a job: the machine, the boot and the process, so a restart knows which are gone.

A worker claims a job under its holder name. After a crash (kill -9, a worker killed by its
master), the job would wait out its whole lease before anyone took it again. But a process on
the same machine can tell whether the holder still runs: if the machine has booted since, or
the process ID is free, or it now names a process started at another time (a reused ID), the
holder is gone and its jobs are taken at once. A holder on another machine (several hosts on
one database) cannot be seen from here; its lease decides.

"Machine" is where process IDs mean the same: the host name, the machine ID and the PID
namespace together, so two containers of one kernel are two machines. The judgement
(:func:`abandoned`) is pure; the readers of ``/proc`` below it feed it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
BOOT_ID = PROC / "sys/kernel/random/boot_id"
MACHINE_ID = Path("/etc/machine-id")
KEY_LENGTH = 8
SEPARATOR = "-"
# /proc/<pid>/stat after the command's closing parenthesis: state is field 3, starttime 22.
STATE_FIELD = 0
START_FIELD = 22 - 3
FINISHED_STATES = frozenset("ZX")  # a zombie or a dead process runs nothing any more

StartTime = Callable[[int], int | None]


@dataclass(frozen=True)
class Machine:
    """Where a holder runs: a short key of the machine and one of its current boot."""

    host: str
    boot: str


@dataclass(frozen=True)
class Holder:
    """One process of one boot of one machine; its name fits ``jobs.claimed_by`` (64)."""

    machine: Machine
    pid: int
    started: int  # clock ticks after boot: a process that reuses the ID has another

    def __str__(self) -> str:
        return SEPARATOR.join(
            (self.machine.host, self.machine.boot, str(self.pid), str(self.started))
        )

    @classmethod
    def parse(cls, name: str) -> Holder | None:
        """The holder a claim names, or ``None`` for a name of another form."""
        parts = name.split(SEPARATOR)
        if len(parts) != 4 or not all(part.isalnum() and part.isascii() for part in parts):
            return None
        host, boot, pid, started = parts
        if not (pid.isdigit() and started.isdigit()):
            return None
        return cls(Machine(host, boot), int(pid), int(started))


def abandoned(name: str, here: Machine, started_at: StartTime) -> bool:
    """Whether the holder ``name`` is surely gone, seen from a process on ``here``.

    ``started_at(pid)`` is the start time of the running process ``pid`` on this machine,
    ``None`` if none runs.
    """
    holder = Holder.parse(name)
    if holder is None or holder.machine.host != here.host:
        return False  # another machine's, or a name that says nothing: its lease decides
    if holder.machine.boot != here.boot:
        return True  # an earlier boot of this machine: none of its processes runs now
    return started_at(holder.pid) != holder.started


def start_time(pid: int) -> int | None:
    """When process ``pid`` of this machine started (clock ticks after boot); ``None`` if no
    process has that ID or it has finished (a zombie)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    if len(fields) <= START_FIELD or fields[STATE_FIELD] in FINISHED_STATES:
        return None
    return int(fields[START_FIELD])


@functools.cache
def this_machine() -> Machine | None:
    """This machine and boot; ``None`` where the system does not tell (no ``/proc``)."""
    try:
        boot = BOOT_ID.read_text().strip()
        namespace = os.readlink(PROC / "self/ns/pid")
    except OSError:
        return None
    host = _key(socket.gethostname(), _machine_id(), namespace)
    return Machine(host, _key(boot))


def this_process() -> Holder | None:
    """The holder this process claims jobs as; ``None`` where it cannot be told."""
    machine, pid = this_machine(), os.getpid()
    started = start_time(pid)
    if machine is None or started is None:
        return None
    return Holder(machine, pid, started)


def worker_name() -> str:
    """The name this process claims jobs under: its holder, or its process ID alone."""
    holder = this_process()
    return str(holder) if holder is not None else f"pid{os.getpid()}"


def _machine_id() -> str:
    try:
        return MACHINE_ID.read_text().strip()
    except OSError:
        return ""


def _key(*parts: str) -> str:
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=KEY_LENGTH // 2).hexdigest()
