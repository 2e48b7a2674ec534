"""Web sessions kept on the server: a session is open while its row exists and is not idle.

A signed cookie alone cannot be taken back: a copy saved before logout would still open the
pages. Here the cookie carries a random token, and the server keeps a digest of it; logout,
idle expiry, a lockout and a password change delete the row, a reset deletes every row of
the site, and a replayed cookie then finds nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from simulator.clock import Clock
from simulator.portal.access import AccountView
from simulator.settings import SiteSettings
from simulator.store.sessions import SessionRows

TOUCH_AFTER = timedelta(seconds=30)  # idle time is counted in minutes: spare most writes


@dataclass(frozen=True)
class SessionCheck:
    """``user_pk`` of an open session; ``None`` with ``idle`` set when it just expired."""

    user_pk: int | None
    idle: bool = False


class SessionService:
    def __init__(
        self, rows: SessionRows, clock: Clock, site_rules: Callable[[str], SiteSettings]
    ) -> None:
        self._rows = rows
        self._clock = clock
        self._site_rules = site_rules

    def open(self, account: AccountView) -> str:
        """A new session of ``account``; the token goes in the cookie and nowhere else."""
        token = secrets.token_urlsafe(32)
        self._rows.add(account.site, _digest(token), account.pk, self._clock.now())
        return token

    def check(self, site: str, token: str) -> SessionCheck:
        """Whose session ``token`` opens, if any; use counts as activity."""
        digest = _digest(token)
        row = self._rows.find(site, digest)
        if row is None:
            return SessionCheck(None)
        now = self._clock.now()
        idle_limit = timedelta(minutes=self._site_rules(site).session_idle_minutes)
        if now - row.last_seen_at > idle_limit:
            self._rows.remove(digest)
            return SessionCheck(None, idle=True)
        if now - row.last_seen_at > TOUCH_AFTER:
            self._rows.touch(digest, now)
        return SessionCheck(row.user_pk)

    def end(self, token: str) -> None:
        self._rows.remove(_digest(token))

    def end_all(self, account: AccountView) -> None:
        """Every session of the account, in every browser."""
        self._rows.remove_of_user(account.site, account.pk)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
