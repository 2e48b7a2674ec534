"""Remove every row of one site, children before parents, leaving the other site untouched."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from simulator.store.models import (
    Batch,
    BatchFile,
    FaultRule,
    Job,
    JournalEntry,
    Organization,
    Provider,
    ResponseFile,
    SecurityQuestion,
    Sequence,
    SiteState,
    User,
    UserProvider,
)

SITE_TABLES_CHILDREN_FIRST = (
    Job,
    ResponseFile,
    BatchFile,
    Batch,
    SecurityQuestion,
    UserProvider,
    User,
    Provider,
    Organization,
    JournalEntry,
    FaultRule,
    Sequence,
    SiteState,
)


def wipe_site_rows(session: Session, site: str) -> None:
    for model in SITE_TABLES_CHILDREN_FIRST:
        session.execute(delete(model).where(model.site == site))
