"""Remove every row of one site, children before parents, leaving the other site untouched."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from simulator.store.models import (
    Batch,
    BatchFile,
    Certification,
    CertificationEvidence,
    Claim,
    FaultRule,
    Job,
    JournalEntry,
    Member,
    Organization,
    Provider,
    ResponseFile,
    SecurityQuestion,
    Sequence,
    SiteState,
    User,
    UserProvider,
    WebSession,
)

SITE_TABLES_CHILDREN_FIRST = (
    Certification,
    CertificationEvidence,
    Job,
    Claim,
    ResponseFile,
    BatchFile,
    Batch,
    SecurityQuestion,
    UserProvider,
    WebSession,
    User,
    Provider,
    Organization,
    JournalEntry,
    FaultRule,
    Member,
    Sequence,
    SiteState,
)


def wipe_site_rows(session: Session, site: str) -> None:
    for model in SITE_TABLES_CHILDREN_FIRST:
        session.execute(delete(model).where(model.site == site))
