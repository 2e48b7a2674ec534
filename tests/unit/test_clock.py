from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from simulator.clock import Clock
from simulator.runtime import Runtime
from simulator.store.marker import ChangeMarker


class FakeWall:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_runs_with_real_time_until_told_otherwise(storage: Runtime) -> None:
    wall = FakeWall()
    clock = Clock(storage.database, wall)
    assert clock.read().now == wall.now
    assert clock.read().frozen is False
    wall.now += timedelta(minutes=5)
    assert clock.now() == wall.now


def test_set_and_advance_move_a_running_clock(storage: Runtime) -> None:
    wall = FakeWall()
    clock = Clock(storage.database, wall)
    target = datetime(2027, 6, 1, tzinfo=UTC)
    assert clock.set(target).now == target
    wall.now += timedelta(seconds=30)
    assert clock.now() == target + timedelta(seconds=30)
    assert clock.advance(timedelta(days=90)).now == target + timedelta(days=90, seconds=30)


def test_a_frozen_clock_stands_still_and_resumes_from_where_it_stood(storage: Runtime) -> None:
    wall = FakeWall()
    clock = Clock(storage.database, wall)
    frozen_at = clock.freeze(True).now
    wall.now += timedelta(hours=3)
    assert clock.read().now == frozen_at
    assert clock.advance(timedelta(days=1)).now == frozen_at + timedelta(days=1)
    clock.freeze(False)
    wall.now += timedelta(minutes=1)
    assert clock.now() == frozen_at + timedelta(days=1, minutes=1)


def test_every_process_reads_the_same_clock_and_reset_returns_to_real_time(
    storage: Runtime,
) -> None:
    wall = FakeWall()
    writer = Clock(storage.database, wall)
    other_worker = Clock(storage.database, wall)
    writer.set(datetime(2030, 1, 1, tzinfo=UTC))
    writer.freeze(True)
    assert other_worker.read().now == datetime(2030, 1, 1, tzinfo=UTC)
    assert other_worker.read().frozen
    writer.reset()
    assert other_worker.read().now == wall.now
    assert not other_worker.read().frozen


def test_workers_sharing_a_change_marker_keep_the_state_until_it_moves(
    storage: Runtime, tmp_path: Path
) -> None:
    wall = FakeWall()
    marker_path = tmp_path / "marker"
    writer = Clock(storage.database, wall, ChangeMarker(marker_path))
    other_worker = Clock(storage.database, wall, ChangeMarker(marker_path))
    assert other_worker.now() == wall.now  # read and kept
    writer.set(datetime(2031, 6, 1, tzinfo=UTC))
    assert other_worker.now() == datetime(2031, 6, 1, tzinfo=UTC)
    writer.freeze(True)
    assert other_worker.read().frozen
    writer.reset()
    assert other_worker.read() == writer.read()
    assert not other_worker.read().frozen


def test_a_kept_state_is_read_again_only_after_a_change(tmp_path: Path) -> None:
    marker = ChangeMarker(tmp_path / "marker")
    reads: list[int] = []

    def read() -> int:
        reads.append(len(reads))
        return len(reads)

    assert [marker.kept("state", read) for _ in range(3)] == [1, 1, 1]
    ChangeMarker(tmp_path / "marker").changed()  # another process
    assert [marker.kept("state", read) for _ in range(2)] == [2, 2]
    assert len(reads) == 2
