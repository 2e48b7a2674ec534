"""The WSGI callable type, for code that composes apps and middleware."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

StartResponse: TypeAlias = Callable[..., Any]
WSGIApplication: TypeAlias = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
