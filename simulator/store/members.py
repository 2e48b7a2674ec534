"""The member roster as the business rules read it: many members in a few queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, select

from simulator.store.database import Database
from simulator.store.models import Member


@dataclass(frozen=True)
class MemberRecord:
    """A member on a site's roster, as a 270 asks about them and an 837 bills for them."""

    member_id: str
    first_name: str
    last_name: str
    birth_date: date
    gender: str
    status: str
    plan: str
    coverage_start: date
    coverage_end: date | None


# Built once: every claim file and inquiry looks members up.
_MEMBERS = select(*(getattr(Member, name) for name in MemberRecord.__dataclass_fields__)).where(
    Member.site == bindparam("site"),
    Member.member_id.in_(bindparam("member_ids", expanding=True)),
)


class Roster:
    """Reads members of a site's roster from the database."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def members(self, site: str, member_ids: Sequence[str]) -> list[MemberRecord]:
        """Those of ``member_ids`` on the roster (the others are simply not in the answer).

        One query: the caller keeps ``member_ids`` well under the database's limit on bound
        values (SQLite's is 32,766).
        """
        with self._database.connected() as connection:
            rows = connection.execute(_MEMBERS, {"site": site, "member_ids": list(member_ids)})
            return [MemberRecord(*row) for row in rows]
