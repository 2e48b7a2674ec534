"""The rows of signed-in web sessions, found by a digest of the cookie's token."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, delete, insert, select, update

from simulator.store.database import Database
from simulator.store.models import WebSession


class SessionRow(NamedTuple):
    user_pk: int
    last_seen_at: datetime


class SessionRows:
    def __init__(self, database: Database) -> None:
        self._database = database

    def add(self, site: str, token_digest: str, user_pk: int, now: datetime) -> None:
        with self._database.transaction() as session:
            session.execute(
                _ADD,
                {
                    "site": site,
                    "token_digest": token_digest,
                    "user_pk": user_pk,
                    "created_at": now,
                    "last_seen_at": now,
                },
            )

    def find(self, site: str, token_digest: str) -> SessionRow | None:
        with self._database.connected() as connection:
            row = connection.execute(_FIND, {"site": site, "token_digest": token_digest}).first()
        return None if row is None else SessionRow(row.user_pk, row.last_seen_at)

    def touch(self, token_digest: str, now: datetime) -> None:
        with self._database.transaction() as session:
            session.execute(_TOUCH, {"digest": token_digest, "now": now})

    def remove(self, token_digest: str) -> None:
        with self._database.transaction() as session:
            session.execute(_REMOVE, {"token_digest": token_digest})

    def remove_of_user(self, site: str, user_pk: int) -> None:
        with self._database.transaction() as session:
            session.execute(_REMOVE_OF_USER, {"site": site, "user_pk": user_pk})


_ADD = insert(WebSession)
_FIND = select(WebSession.user_pk, WebSession.last_seen_at).where(
    WebSession.site == bindparam("site"), WebSession.token_digest == bindparam("token_digest")
)
_TOUCH = (
    update(WebSession)
    .where(WebSession.token_digest == bindparam("digest"))
    .values(last_seen_at=bindparam("now"))
)
_REMOVE = delete(WebSession).where(WebSession.token_digest == bindparam("token_digest"))
_REMOVE_OF_USER = delete(WebSession).where(
    WebSession.site == bindparam("site"), WebSession.user_pk == bindparam("user_pk")
)
