"""Response files in the download lists: placing, listing, downloading, a batch's files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, insert, select, update

from simulator.store.blobs import StoredBlob
from simulator.store.database import Executor, connection_of
from simulator.store.models import Batch, Provider, ResponseFile

# A file as its view is made: file ID, name, type, tracking number, size, date available,
# date last downloaded, blob key.
FileColumns = tuple[str, str, str, str | None, int, datetime, datetime | None, str]
# The same without the tracking number, for the files of a batch whose number is known.
BatchFileColumns = tuple[str, str, str, int, datetime, datetime | None, str]


@dataclass(frozen=True)
class FileOwner:
    """Whose download list a file goes to, and the upload it answers, if any."""

    site: str
    provider_pk: int
    provider_id: str
    batch_id: int | None = None
    tracking_number: str | None = None


@dataclass(frozen=True)
class Listing:
    """What a download list shows: a provider's (or one batch's) files available between
    ``oldest`` and ``now``, narrowed by type, dates and downloaded or not."""

    site: str
    provider_pk: int
    batch_pk: int | None
    now: datetime
    oldest: datetime
    max_files: int
    transaction_type: str | None = None
    available_from: datetime | None = None
    available_before: datetime | None = None
    downloaded: bool | None = None


VIEW_COLUMNS = (
    ResponseFile.file_id,
    ResponseFile.file_name,
    ResponseFile.transaction_type,
    Batch.tracking_number,
    ResponseFile.size,
    ResponseFile.available_at,
    ResponseFile.last_downloaded_at,
    ResponseFile.blob_key,
)
# Built once, since building a statement costs more than running it: every processing job
# adds files, and every status poll reads a batch's files.
_ADD_FILE = insert(ResponseFile)
_BATCH_FILES = (
    select(
        ResponseFile.file_id,
        ResponseFile.file_name,
        ResponseFile.transaction_type,
        ResponseFile.size,
        ResponseFile.available_at,
        ResponseFile.last_downloaded_at,
        ResponseFile.blob_key,
    )
    .where(ResponseFile.batch_id == bindparam("batch_id"))
    .order_by(ResponseFile.id)
)
_AVAILABLE_BATCH_FILES = _BATCH_FILES.where(ResponseFile.available_at <= bindparam("now"))
_PROVIDER_PK = select(Provider.id).where(
    Provider.site == bindparam("site"), Provider.provider_id == bindparam("provider_id")
)
_PROVIDER_BATCH = select(Batch.id).where(
    Batch.site == bindparam("site"),
    Batch.tracking_number == bindparam("tracking_number"),
    Batch.provider_pk == bindparam("provider_pk"),
)
_DOWNLOADABLE = (
    select(ResponseFile.id, *VIEW_COLUMNS)
    .join(Provider, Provider.id == ResponseFile.provider_pk)
    .outerjoin(Batch, Batch.id == ResponseFile.batch_id)
    .where(
        ResponseFile.site == bindparam("site"),
        ResponseFile.file_id == bindparam("file_id"),
        ResponseFile.available_at <= bindparam("now"),
        Provider.provider_id.in_(bindparam("providers", expanding=True)),
    )
)
_MARK_DOWNLOADED = (
    update(ResponseFile)
    .where(ResponseFile.id == bindparam("row_id"))
    .values(last_downloaded_at=bindparam("now"), downloaded=True)
)


def add_file(
    executor: Executor,
    owner: FileOwner,
    file_id: str,
    file_name: str,
    transaction_type: str,
    blob: StoredBlob,
    *,
    now: datetime,
    available_at: datetime,
) -> None:
    """Add a file to a download list, in the caller's write transaction."""
    connection = connection_of(executor)
    row = {
        "site": owner.site,
        "file_id": file_id,
        "provider_pk": owner.provider_pk,
        "batch_id": owner.batch_id,
        "file_name": file_name,
        "transaction_type": transaction_type,
        "size": blob.size,
        "sha256": blob.sha256,
        "blob_key": blob.key,
        "created_at": now,
        "available_at": available_at,
        "downloaded": False,
    }
    connection.execute(_ADD_FILE, row)


def batch_files(executor: Executor, batch_id: int, now: datetime | None) -> list[BatchFileColumns]:
    """A batch's response files available at ``now`` (``None``: all, even those to come)."""
    connection = connection_of(executor)
    if now is None:
        rows = connection.execute(_BATCH_FILES, {"batch_id": batch_id})
    else:
        rows = connection.execute(_AVAILABLE_BATCH_FILES, {"batch_id": batch_id, "now": now})
    return list(rows)


def provider_key(executor: Executor, site: str, provider_id: str) -> int | None:
    connection = connection_of(executor)
    found = connection.execute(_PROVIDER_PK, {"site": site, "provider_id": provider_id})
    return found.scalar()


def provider_batch(
    executor: Executor, site: str, provider_pk: int, tracking_number: str
) -> int | None:
    """The key of the provider's batch of that tracking number, if there is one."""
    connection = connection_of(executor)
    parameters = {"site": site, "provider_pk": provider_pk, "tracking_number": tracking_number}
    return connection.execute(_PROVIDER_BATCH, parameters).scalar()


def listed(executor: Executor, listing: Listing) -> list[FileColumns]:
    """The files of a download list: new before downloaded, oldest first."""
    connection = connection_of(executor)
    return list(connection.execute(_listing(listing)))


def _listing(
    listing: Listing,
) -> Select[str, str, str, str | None, int, datetime, datetime | None, str]:
    statement = (
        select(*VIEW_COLUMNS)
        .outerjoin(Batch, Batch.id == ResponseFile.batch_id)
        .where(
            ResponseFile.site == listing.site,
            ResponseFile.available_at <= listing.now,
            ResponseFile.available_at >= listing.oldest,
        )
        .order_by(ResponseFile.downloaded, ResponseFile.available_at, ResponseFile.id)
        .limit(listing.max_files)
    )
    if listing.batch_pk is not None:  # the batch is the provider's: its index is the narrower
        statement = statement.where(ResponseFile.batch_id == listing.batch_pk)
    else:
        statement = statement.where(ResponseFile.provider_pk == listing.provider_pk)
    if listing.transaction_type:
        statement = statement.where(ResponseFile.transaction_type == listing.transaction_type)
    if listing.available_from:
        statement = statement.where(ResponseFile.available_at >= listing.available_from)
    if listing.available_before:
        statement = statement.where(ResponseFile.available_at < listing.available_before)
    if listing.downloaded is not None:
        statement = statement.where(ResponseFile.downloaded.is_(listing.downloaded))
    return statement


def mark_downloaded(
    executor: Executor,
    site: str,
    file_id: str,
    providers: Sequence[str],
    now: datetime,
    transaction_types: Sequence[str] | None = None,
) -> FileColumns | None:
    """A file of one of ``providers`` (and of ``transaction_types``, if given) available at
    ``now``, marked downloaded then, in the caller's write transaction; ``None`` if there is
    no such file."""
    connection = connection_of(executor)
    statement = _DOWNLOADABLE
    if transaction_types is not None:
        statement = statement.where(ResponseFile.transaction_type.in_(list(transaction_types)))
    found = connection.execute(
        statement,
        {"site": site, "file_id": file_id, "now": now, "providers": list(providers)},
    ).first()
    if found is None:
        return None
    row_id, file_id, name, kind, tracking_number, size, available_at, _, blob_key = found
    connection.execute(_MARK_DOWNLOADED, {"row_id": row_id, "now": now})
    return file_id, name, kind, tracking_number, size, available_at, now, blob_key
