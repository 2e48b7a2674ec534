"""Certification's statements: each organization's standing per type, and the test files' evidence.

Counting is one atomic ``UPDATE`` per test file in the processing job's own transaction
(``passes = passes + 1``), never a read followed by a write, so two jobs finishing at once in
two worker processes count twice. The standing's row is made first with an insert that does
nothing when another transaction made it already.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, case, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from simulator.store.database import Executor, connection_of
from simulator.store.models import Certification, CertificationEvidence, Organization, User

TESTING = "testing"
CUSTOMER_SERVICES = "customer_services"
_KEY = ("site", "organization", "transaction_type")


@dataclass(frozen=True)
class JudgedFile:
    """One test upload's outcome, as its processing job judged it."""

    organization: str
    transaction_type: str
    tracking_number: str
    received_at: datetime
    outcome: str
    counted: bool
    finding: dict[str, str] | None


@dataclass(frozen=True)
class Standing:
    """Where an organization stands for one type; ``certified_at`` is ``None`` until certified."""

    organization: str
    transaction_type: str
    passes: int
    certified_at: datetime | None
    set_by: str


@dataclass(frozen=True)
class EvidenceRow:
    organization: str
    transaction_type: str
    tracking_number: str
    received_at: datetime
    judged_at: datetime
    outcome: str
    counted: bool
    finding: dict[str, str] | None


# Built once: every test-site job records its outcome, and every production upload under
# ``certification = "required"`` reads one standing.
_ORGANIZATION_OF_USER = (
    select(func.coalesce(Organization.name, User.user_id))
    .select_from(User)
    .outerjoin(Organization, Organization.id == User.organization_id)
    .where(User.site == bindparam("site"), User.user_id == bindparam("user_id"))
)
_STANDING = select(
    Certification.organization,
    Certification.transaction_type,
    Certification.passes,
    Certification.certified_at,
    Certification.set_by,
)
# An UPDATE may not name its parameters after columns: the key's are prefixed.
_KEYED = (
    Certification.site == bindparam("k_site"),
    Certification.organization == bindparam("k_organization"),
    Certification.transaction_type == bindparam("k_transaction_type"),
)
_ONE_STANDING = _STANDING.where(*_KEYED)
_UNCERTIFIED = (*_KEYED, Certification.certified_at.is_(None))
_PASS = (
    update(Certification)
    .where(*_UNCERTIFIED)
    .values(
        passes=Certification.passes + 1,
        certified_at=case(
            (Certification.passes + 1 >= bindparam("needed"), bindparam("now")),
            else_=None,
        ),
        set_by=TESTING,
        updated_at=bindparam("now"),
    )
)
_RUN_BROKEN = (
    update(Certification)
    .where(*_UNCERTIFIED)
    .values(passes=0, set_by=TESTING, updated_at=bindparam("now"))
)
_SET_BY_HAND = (
    update(Certification)
    .where(*_KEYED)
    .values(
        passes=0,
        certified_at=bindparam("stamp"),
        set_by=CUSTOMER_SERVICES,
        updated_at=bindparam("now"),
    )
)
_ADD_EVIDENCE = insert(CertificationEvidence)
_EVIDENCE = select(
    CertificationEvidence.organization,
    CertificationEvidence.transaction_type,
    CertificationEvidence.tracking_number,
    CertificationEvidence.received_at,
    CertificationEvidence.judged_at,
    CertificationEvidence.outcome,
    CertificationEvidence.counted,
    CertificationEvidence.finding,
).order_by(CertificationEvidence.id)


@functools.cache
def _insert_if_missing(dialect: str) -> Insert:
    """An insert of a standing that leaves an existing one alone, in the database's dialect.

    Built once per dialect: every test-site job runs it, and building the statement cost more
    than running it (4 % of a server process's samples under uploads).
    """
    if dialect == "postgresql":
        return postgresql.insert(Certification).on_conflict_do_nothing(index_elements=_KEY)
    if dialect == "sqlite":
        return sqlite.insert(Certification).on_conflict_do_nothing(index_elements=_KEY)
    raise NotImplementedError(f"no insert-if-missing for {dialect}")


def _ensure(connection: Connection, key: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Make the standing if it is missing; returns the key as the keyed statements take it."""
    connection.execute(
        _insert_if_missing(connection.dialect.name),
        {**key, "passes": 0, "certified_at": None, "set_by": TESTING, "updated_at": now},
    )
    return {f"k_{name}": value for name, value in key.items()}


def organization_of(executor: Executor, site: str, user_id: str) -> str:
    """The name of the user's organization; an account without one is its own, by its ID."""
    found = connection_of(executor).scalar(
        _ORGANIZATION_OF_USER, {"site": site, "user_id": user_id}
    )
    return str(found) if found is not None else user_id


def record_test_file(
    executor: Executor, site: str, test: JudgedFile, needed: int, now: datetime
) -> None:
    """Keep the evidence and move the count, in the caller's write transaction."""
    connection = connection_of(executor)
    key = {
        "site": site,
        "organization": test.organization,
        "transaction_type": test.transaction_type,
    }
    connection.execute(
        _ADD_EVIDENCE,
        {
            **key,
            "tracking_number": test.tracking_number,
            "received_at": test.received_at,
            "judged_at": now,
            "outcome": test.outcome,
            "counted": test.counted,
            "finding": test.finding,
        },
    )
    keyed = _ensure(connection, key, now)
    if test.counted:
        connection.execute(_PASS, {**keyed, "needed": needed, "now": now})
    else:
        connection.execute(_RUN_BROKEN, {**keyed, "now": now})


def set_by_hand(
    executor: Executor,
    site: str,
    organization: str,
    transaction_types: Iterable[str],
    certified: bool,
    now: datetime,
) -> None:
    """What Customer Services does: certified (or not, the run starting over) from now on."""
    connection = connection_of(executor)
    for transaction_type in transaction_types:
        key = {"site": site, "organization": organization, "transaction_type": transaction_type}
        keyed = _ensure(connection, key, now)
        connection.execute(_SET_BY_HAND, {**keyed, "stamp": now if certified else None, "now": now})


def standing(
    executor: Executor, site: str, organization: str, transaction_type: str
) -> Standing | None:
    parameters = {
        "k_site": site,
        "k_organization": organization,
        "k_transaction_type": transaction_type,
    }
    row = connection_of(executor).execute(_ONE_STANDING, parameters).first()
    return Standing(*row) if row is not None else None


def standings(executor: Executor, site: str, organization: str | None) -> list[Standing]:
    """Every standing of the site (of one organization), by organization and type."""
    query = _STANDING.where(Certification.site == site)
    if organization is not None:
        query = query.where(Certification.organization == organization)
    query = query.order_by(Certification.organization, Certification.transaction_type)
    return [Standing(*row) for row in connection_of(executor).execute(query)]


def evidence(executor: Executor, site: str, organization: str | None) -> list[EvidenceRow]:
    """The test files judged on the site (of one organization), oldest first."""
    query = _EVIDENCE.where(CertificationEvidence.site == site)
    if organization is not None:
        query = query.where(CertificationEvidence.organization == organization)
    return [EvidenceRow(*row) for row in connection_of(executor).execute(query)]
