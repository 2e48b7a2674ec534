"""Uploads as stored: a batch, its files and its job; what became of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, insert, select
from sqlalchemy.exc import IntegrityError

from simulator.store.blobs import StoredBlob
from simulator.store.database import Executor, connection_of
from simulator.store.jobs import JobQueue
from simulator.store.models import Batch, BatchFile, Provider, User


class OwnerGoneError(Exception):
    """The account or provider an upload names was deleted (or its key given to a new row)."""


@dataclass(frozen=True)
class NewBatch:
    """An upload to keep: who sent it for which provider, what, when, and its stored files."""

    site: str
    tracking_number: str
    user_pk: int
    user_id: str
    provider_pk: int
    provider_id: str
    transaction_type: str
    received_at: datetime
    files: Sequence[tuple[str, StoredBlob]]  # each file's name and blob


# Built once, since building a statement costs more than running it: every upload adds a
# batch, its files and its job, and clients poll the status of their uploads often.
_STILL_THERE = select(
    exists().where(
        User.id == bindparam("user_pk"),
        User.site == bindparam("site"),
        User.user_id == bindparam("user_id"),
    ),
    exists().where(
        Provider.id == bindparam("provider_pk"),
        Provider.site == bindparam("site"),
        Provider.provider_id == bindparam("provider_id"),
    ),
)
_ADD_BATCH = insert(Batch).returning(Batch.id)
_ADD_FILE = insert(BatchFile)
_STATUS = select(Batch.id, Batch.status).where(
    Batch.site == bindparam("site"),
    Batch.tracking_number == bindparam("tracking_number"),
    Batch.provider_pk.in_(bindparam("providers", expanding=True)),
)
_NEWEST_OTHER = (
    select(Batch.tracking_number)
    .where(Batch.site == bindparam("site"), Batch.tracking_number != bindparam("own"))
    .order_by(Batch.id.desc())
    .limit(1)
)


def add_batch(executor: Executor, new: NewBatch) -> int:
    """Keep the batch, its files and its queued job in the caller's write transaction.

    The account and provider are checked to be still there, by key and by name, in this
    transaction: a reset since sign-in may have deleted them or given their keys to new rows.
    The foreign keys are the last word where another database allows a race. Raises
    :class:`OwnerGoneError` when either is gone.
    """
    connection = connection_of(executor)
    owners = {
        "site": new.site,
        "user_pk": new.user_pk,
        "user_id": new.user_id,
        "provider_pk": new.provider_pk,
        "provider_id": new.provider_id,
    }
    if not all(connection.execute(_STILL_THERE, owners).one()):
        raise OwnerGoneError(new.user_id, new.provider_id)
    batch = {
        "site": new.site,
        "tracking_number": new.tracking_number,
        "user_pk": new.user_pk,
        "provider_pk": new.provider_pk,
        "transaction_type": new.transaction_type,
        "status": "received",
        "received_at": new.received_at,
        "total_bytes": sum(blob.size for _, blob in new.files),
    }
    try:
        batch_id: int = connection.execute(_ADD_BATCH, batch).scalar_one()
    except IntegrityError:
        raise OwnerGoneError(new.user_id, new.provider_id) from None
    connection.execute(
        _ADD_FILE,
        [
            {
                "site": new.site,
                "batch_id": batch_id,
                "position": position,
                "name": name,
                "size": blob.size,
                "sha256": blob.sha256,
                "blob_key": blob.key,
            }
            for position, (name, blob) in enumerate(new.files, start=1)
        ],
    )
    JobQueue.add(connection, new.site, batch_id, new.received_at)
    return batch_id


def batch_status(
    executor: Executor, site: str, tracking_number: str, provider_pks: Sequence[int]
) -> tuple[int, str] | None:
    """The key and status of the batch of that number, if one of ``provider_pks`` sent it."""
    parameters = {"site": site, "tracking_number": tracking_number, "providers": provider_pks}
    found = connection_of(executor).execute(_STATUS, parameters).first()
    return (found.id, found.status) if found is not None else None


def newest_other_number(executor: Executor, site: str, own: str) -> str | None:
    """The tracking number given out last before ``own`` on the site, if any."""
    return connection_of(executor).execute(_NEWEST_OTHER, {"site": site, "own": own}).scalar()
