"""A memo for one unit of work (a request, a processing job) of what every one of them asks.

Every request reads the simulated clock's state and asks whether any fault rule exists, often
several times. Inside a unit of work the answer is read once; outside one (the control API,
the CLI, a test's direct call) nothing is remembered, so a change made by another worker
process is always seen at the start of the next request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
_memo: ContextVar[dict[str, Any] | None] = ContextVar("unit_of_work", default=None)


@contextmanager
def unit_of_work() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remembered(key: str, compute: Callable[[], T]) -> T:
    """``compute()``, once per unit of work; every time outside one."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    value: T = memo[key]
    return value


def forget(key: str) -> None:
    """Drop a remembered answer after this unit of work changed what it was about."""
    memo = _memo.get()
    if memo is not None:
        memo.pop(key, None)
