from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from simulator.runtime import Runtime
from simulator.store.sequences import NumberBlocks, next_value, reserve


def test_reserve_hands_each_caller_its_own_range_of_several_counters(storage: Runtime) -> None:
    with storage.database.transaction() as session:
        first = reserve(session, "test", {"isa13": 3, "st02": 2})
        second = reserve(session, "test", {"isa13": 1, "st02": 4, "claim": 2})
        assert first == {"isa13": 1, "st02": 1}
        assert second == {"isa13": 4, "st02": 3, "claim": 1}
        assert next_value(session, "test", "st02") == 7
        assert next_value(session, "prod", "st02") == 1  # counters are per site


def test_number_blocks_never_repeat_a_number_across_interleaved_jobs(storage: Runtime) -> None:
    one, other = NumberBlocks(storage.database, "test"), NumberBlocks(storage.database, "test")
    with storage.database.transaction() as session:
        one.reserve_in(session, {"isa13": 2})
        other.reserve_in(session, {"isa13": 2})
    taken = [blocks.take("isa13") for _ in range(40) for blocks in (one, other)]
    taken += [one.take("claim") for _ in range(5)] + [other.take("claim") for _ in range(5)]
    isa13 = taken[:80]
    assert len(set(isa13)) == len(isa13)
    assert len(set(taken[80:])) == 10
    with storage.database.transaction() as session:
        assert next_value(session, "test", "isa13") > max(isa13)  # gaps, never a repeat


def take_and_refuse(storage: Runtime) -> None:
    with storage.database.transaction() as session:
        next_value(session, "test", "tracking_number")
        raise RuntimeError("upload refused")


def test_a_rolled_back_transaction_gives_its_number_back(storage: Runtime) -> None:
    with pytest.raises(RuntimeError):
        take_and_refuse(storage)
    with storage.database.transaction() as session:
        assert next_value(session, "test", "tracking_number") == 1


def test_a_counter_used_first_by_many_at_once_hands_out_each_value_once(storage: Runtime) -> None:
    """Creating a counter races on PostgreSQL, where writers do not queue: none may fail."""
    callers = 12
    start = threading.Barrier(callers)

    def take() -> int:
        start.wait()
        with storage.database.transaction() as session:
            return next_value(session, "test", "brand_new_counter")

    with ThreadPoolExecutor(callers) as pool:
        values = sorted(pool.map(lambda _: take(), range(callers)))
    assert values == list(range(1, callers + 1))
