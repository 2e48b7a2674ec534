"""Claims the sites accepted from 837s: recorded by processing, read by 276 inquiries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import bindparam, insert, select

from simulator.store.database import Database, Executor, connection_of
from simulator.store.models import Claim


@dataclass(frozen=True)
class NewClaim:
    """A claim the business rules accepted, to be recorded with the batch that carried it."""

    claim_number: str
    patient_control_number: str
    member_id: str
    charge: Decimal
    paid: Decimal
    service_date: date | None
    status: str


@dataclass(frozen=True)
class ClaimRecord:
    """A recorded claim as a claim status inquiry sees it."""

    claim_number: str
    status: str
    charge: Decimal
    paid: Decimal


@dataclass(frozen=True)
class ClaimOwner:
    """Where recorded claims belong: the site, provider and batch, and when it was received."""

    site: str
    provider_pk: int
    batch_id: int
    received_at: datetime


# Built once: 276 inquiries look claims up by payer claim number or patient control number.
_LATEST = (
    select(Claim.claim_number, Claim.status, Claim.charge, Claim.paid)
    .where(Claim.site == bindparam("site"), Claim.provider_pk == bindparam("provider_pk"))
    .order_by(Claim.id.desc())
    .limit(1)
)
_BY_REFERENCE = {
    "1K": _LATEST.where(Claim.claim_number == bindparam("value")),
    "EJ": _LATEST.where(Claim.patient_control_number == bindparam("value")),
}
REFERENCES = tuple(_BY_REFERENCE)  # payer claim number first, then patient control number
_ADD_CLAIMS = insert(Claim)


class ClaimBook:
    """Reads the recorded claims of a provider."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def latest(self, site: str, provider_pk: int, reference: str, value: str) -> ClaimRecord | None:
        """The provider's newest claim whose ``reference`` (``1K`` or ``EJ``) is ``value``."""
        parameters = {"site": site, "provider_pk": provider_pk, "value": value}
        with self._database.connected() as connection:
            row = connection.execute(_BY_REFERENCE[reference], parameters).first()
        return ClaimRecord(*row) if row is not None else None


def record_claims(executor: Executor, owner: ClaimOwner, claims: Sequence[NewClaim]) -> None:
    """Add ``claims`` in the caller's write transaction."""
    connection = connection_of(executor)
    if claims:
        connection.execute(_ADD_CLAIMS, [{**asdict(owner), **asdict(claim)} for claim in claims])
