"""Whether a job's holder is gone: judged from its machine, boot, process ID and start time."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from simulator.holders import Holder, Machine, abandoned, start_time, this_machine, this_process

HERE = Machine(host="a1b2c3d4", boot="0f0f0f0f")
PID, STARTED = 4242, 987654


def running(pid: int) -> int | None:
    """A machine where only ``PID`` runs, started at ``STARTED``."""
    return STARTED if pid == PID else None


def name(machine: Machine = HERE, pid: int = PID, started: int = STARTED) -> str:
    return str(Holder(machine, pid, started))


def test_a_holder_whose_process_runs_keeps_its_job() -> None:
    assert not abandoned(name(), HERE, running)


def test_a_holder_whose_process_id_is_free_is_gone() -> None:
    assert abandoned(name(pid=PID + 1), HERE, running)


def test_a_process_id_reused_by_a_process_started_later_is_not_the_holder() -> None:
    assert abandoned(name(started=STARTED - 100), HERE, running)


def test_a_holder_of_an_earlier_boot_of_this_machine_is_gone_whatever_runs_now() -> None:
    assert abandoned(name(machine=replace(HERE, boot="00000000")), HERE, running)


def test_a_holder_on_another_machine_keeps_its_lease_even_if_its_pid_is_free_here() -> None:
    elsewhere = Machine(host="99999999", boot=HERE.boot)
    assert not abandoned(name(machine=elsewhere, pid=PID + 1), HERE, running)


@pytest.mark.parametrize("other", ["pid4242", "inline", "worker-a", "a-b-c-d", "a-b-1-2-3", ""])
def test_a_name_that_is_no_holder_is_left_to_its_lease(other: str) -> None:
    assert not abandoned(other, HERE, lambda pid: None)


def test_a_holder_name_reads_back_and_fits_the_claim_column() -> None:
    longest = Holder(HERE, 4_194_304, 2**64 - 1)
    assert Holder.parse(str(longest)) == longest
    assert len(str(longest)) <= 64


# -- this machine, read from /proc -------------------------------------------------------------

linux = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="no /proc")


@linux
def test_this_process_is_a_live_holder_here() -> None:
    me = this_process()
    here = this_machine()
    assert me is not None
    assert here is not None
    assert (me.machine, me.pid) == (here, os.getpid())
    assert not abandoned(str(me), here, start_time)
    assert abandoned(str(replace(me, started=me.started + 1)), here, start_time)


@linux
def test_a_finished_process_is_gone_reaped_or_not() -> None:
    here = this_machine()
    assert here is not None
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    assert child.stdin is not None
    started = start_time(child.pid)
    assert started is not None
    holder = str(Holder(here, child.pid, started))
    assert not abandoned(holder, here, start_time)
    child.stdin.close()  # the child ends; unreaped, it stays a zombie
    deadline = time.monotonic() + 30
    while start_time(child.pid) is not None:
        assert time.monotonic() < deadline, "the child did not exit"
        time.sleep(0.02)
    assert Path(f"/proc/{child.pid}").exists()  # the zombie: its ID is still taken
    assert abandoned(holder, here, start_time)
    child.wait()
    assert abandoned(holder, here, start_time)
