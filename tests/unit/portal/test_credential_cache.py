"""The credential cache: one slow check for calls that miss together, kept alive by use,
never an answer for a password hash that changed behind it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from simulator.portal.access import CredentialCache

HASH = "scrypt$old"
CALLS = 16


def slow_check(count: list[int], answer: bool = True) -> bool:
    count.append(1)
    time.sleep(0.05)  # long enough for every caller to have missed before the first answers
    return answer


def test_calls_that_miss_together_share_one_check() -> None:
    cache = CredentialCache()
    checks: list[int] = []
    start = threading.Barrier(CALLS)

    def call() -> bool:
        start.wait()
        return cache.verified("test", "ALICE01", "Secret#123", HASH, lambda: slow_check(checks))

    with ThreadPoolExecutor(CALLS) as pool:
        answers = list(pool.map(lambda _: call(), range(CALLS)))
    assert answers == [True] * CALLS
    assert len(checks) == 1


def test_a_wrong_password_is_checked_every_time() -> None:
    cache = CredentialCache()
    checks: list[int] = []
    for _ in range(3):
        assert not cache.verified(
            "test", "ALICE01", "Wrong#1", HASH, lambda: slow_check(checks, False)
        )
    assert len(checks) == 3


def test_an_entry_in_use_stays_and_an_unused_one_expires() -> None:
    cache = CredentialCache(ttl_seconds=0.3)
    checks: list[int] = []

    def call() -> bool:
        return cache.verified("test", "ALICE01", "Secret#123", HASH, lambda: slow_check(checks))

    assert call()
    for _ in range(5):  # 0.5 s in all, past the first entry's 0.3 s: each use renewed it
        time.sleep(0.1)
        assert call()
    assert len(checks) == 1
    time.sleep(0.4)
    assert call()
    assert len(checks) == 2


def test_a_changed_hash_behind_the_cache_is_checked_again() -> None:
    cache = CredentialCache()
    checks: list[int] = []
    assert cache.verified("test", "ALICE01", "Secret#123", HASH, lambda: slow_check(checks))
    changed = cache.verified(
        "test", "ALICE01", "Secret#123", "scrypt$new", lambda: slow_check(checks, False)
    )
    assert not changed
    assert len(checks) == 2
