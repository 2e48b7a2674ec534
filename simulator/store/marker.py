"""A token in a small file that changes whenever rarely changed shared state does.

Every request reads the simulated clock's state and asks whether any fault rule exists, and
both change only when somebody sets the clock or adds a rule. Each process keeps what it read
together with the token it saw before reading; a later request reads the token (a file read,
microseconds, no query) and reads the state again only when the token has changed. Whoever
changes the state commits it first and changes the token after, so a reader that saw the old
token reads again next time.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class ChangeMarker:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._kept: dict[str, tuple[bytes, Any]] = {}

    def token(self) -> bytes:
        try:
            return self._path.read_bytes()
        except FileNotFoundError:
            return b""

    def changed(self) -> None:
        """Say the state changed: call it after the change is committed."""
        temporary = self._path.with_name(f".{self._path.name}.{secrets.token_hex(4)}")
        temporary.write_bytes(secrets.token_bytes(16))
        os.replace(temporary, self._path)

    def kept(self, key: str, read: Callable[[], T]) -> T:
        """``read()``'s answer, read again only if the state changed since it was kept."""
        token = self.token()
        seen = self._kept.get(key)
        if seen is not None and seen[0] == token:
            value: T = seen[1]
            return value
        fresh = read()
        self._kept[key] = (token, fresh)
        return fresh
