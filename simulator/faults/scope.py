"""What the request being served is, for the fault rules: its channel and its operation.

A door declares both for each request (the site middleware from the endpoint, before the app
runs; a door whose operation is in the body, such as CORE, once it has read it). The fault
service reads the channel to match ``match.channel``, and the accounts service reads the
operation so that ``lockout`` and ``force_password_change`` act in whatever operation checks
a user's credentials or session. Work outside a request (processing jobs) has no channel.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestScope:
    channel: str | None = None
    operation: str | None = None


NO_REQUEST = RequestScope()
_current: ContextVar[RequestScope | None] = ContextVar("request_scope", default=None)


def current() -> RequestScope:
    return _current.get() or NO_REQUEST


def declare(scope: RequestScope) -> None:
    """Name the request being served; the enclosing :func:`serving` block ends it."""
    _current.set(scope)


@contextmanager
def serving(scope: RequestScope) -> Iterator[None]:
    """Serve one request as ``scope``; afterwards the scope is what it was before."""
    token = _current.set(scope)
    try:
        yield
    finally:
        _current.reset(token)
