"""Response files: naming, placing in a provider's download list, searching and downloading."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Protocol

from sqlalchemy import Select, bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from simulator.clock import Clock
from simulator.portal.access import AccountView
from simulator.portal.dates import EASTERN, end_of_day, months_before, start_of_day
from simulator.portal.errors import InvalidRequestError, NotFoundError
from simulator.portal.transactions import download_type
from simulator.settings import SiteSettings
from simulator.store.blobs import BlobStore, StoredBlob, read_chunks
from simulator.store.database import Database
from simulator.store.models import Batch, Provider, ResponseFile
from simulator.store.sequences import next_value

STATUSES = ("all", "new", "downloaded")
DEFAULT_MAX_FILES = 100
MAX_FILES_LIMIT = 1000
NAME_COUNTER_MODULUS = 10_000


@dataclass(frozen=True)
class FileView:
    file_id: str
    file_name: str
    transaction_type: str
    tracking_number: str | None
    size: int
    date_available: datetime
    date_last_downloaded: datetime | None
    blob_key: str

    @property
    def description(self) -> str:
        return download_type(self.transaction_type).description


@dataclass(frozen=True)
class FileSearch:
    """The download page's criteria; ``provider_id`` ``None`` means the user's first provider."""

    provider_id: str | None = None
    tracking_number: str | None = None
    transaction_type: str | None = None
    from_date: date | None = None
    to_date: date | None = None
    status: str = "all"
    max_files: int = DEFAULT_MAX_FILES

    def checked(self) -> FileSearch:
        if self.status not in STATUSES:
            raise InvalidRequestError(f"File Status must be one of {', '.join(STATUSES)}.")
        if not 1 <= self.max_files <= MAX_FILES_LIMIT:
            raise InvalidRequestError(
                f"Max Files to List must be a whole number from 1 to {MAX_FILES_LIMIT}."
            )
        if self.from_date and self.to_date and self.to_date < self.from_date:
            raise InvalidRequestError("The To Date is before the From Date.")
        if self.transaction_type:
            download_type(self.transaction_type)
        return self


def response_file_name(provider_id: str, transaction_type: str, at: datetime, counter: int) -> str:
    """``<PID/SL>.<transaction>.WEB.<HHMMSS><4-digit counter>.<day of year>``, Eastern time."""
    local = at.astimezone(EASTERN)
    sequence = f"{local:%H%M%S}{counter % NAME_COUNTER_MODULUS:04d}"
    return f"{provider_id}.{transaction_type}.WEB.{sequence}.{local:%j}"


def place_file(
    session: Session,
    provider: Provider,
    transaction_type: str,
    blob: StoredBlob,
    *,
    now: datetime,
    available_at: datetime | None = None,
    batch: Batch | None = None,
    file_number: int | None = None,
) -> FileView:
    """Add a file to the provider's download list (in the caller's transaction).

    ``file_number`` is a value of the site's ``file_id`` counter the caller reserved; without
    it one is taken. It is the file's ID, and its name's counter.
    """
    download_type(transaction_type)
    site = provider.site
    number = file_number if file_number is not None else next_value(session, site, "file_id")
    view = FileView(
        file_id=str(number),
        file_name=response_file_name(provider.provider_id, transaction_type, now, number),
        transaction_type=transaction_type,
        tracking_number=batch.tracking_number if batch is not None else None,
        size=blob.size,
        date_available=available_at or now,
        date_last_downloaded=None,
        blob_key=blob.key,
    )
    row = {
        "site": site,
        "file_id": view.file_id,
        "provider_pk": provider.id,
        "batch_id": batch.id if batch is not None else None,
        "file_name": view.file_name,
        "transaction_type": transaction_type,
        "size": blob.size,
        "sha256": blob.sha256,
        "blob_key": blob.key,
        "created_at": now,
        "available_at": view.date_available,
        "downloaded": False,
    }
    session.connection().execute(_ADD_FILE, row)
    return view


_ADD_FILE = insert(ResponseFile)  # built once: every processing job adds files


class FileService:
    """What a signed-in submitter does with the download list."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        blobs: BlobStore,
        site_rules: Callable[[str], SiteSettings],
    ) -> None:
        self._database = database
        self._clock = clock
        self._blobs = blobs
        self._site_rules = site_rules

    def search(self, account: AccountView, criteria: FileSearch) -> tuple[str, list[FileView]]:
        """The provider searched (the first one when none was named) and its files."""
        criteria = criteria.checked()
        provider_id = criteria.provider_id or _first_provider(account)
        account.provider(provider_id)
        with self._database.reading() as session:
            provider_pk = session.scalar(
                select(Provider.id).where(
                    Provider.site == account.site, Provider.provider_id == provider_id
                )
            )
            batch_pk = None
            if criteria.tracking_number:
                batch_pk = session.scalar(
                    select(Batch.id).where(
                        Batch.site == account.site,
                        Batch.tracking_number == criteria.tracking_number,
                        Batch.provider_pk == provider_pk,
                    )
                )
                if batch_pk is None:
                    return provider_id, []
            statement = self._listing(account.site, provider_pk or 0, batch_pk, criteria)
            return provider_id, [FileView(*row) for row in session.execute(statement)]

    def _listing(
        self, site: str, provider_pk: int, batch_pk: int | None, criteria: FileSearch
    ) -> Select[str, str, str, str | None, int, datetime, datetime | None, str]:
        now = self._clock.now()
        oldest = months_before(now, self._site_rules(site).archive_after_months)
        statement = (
            select(*VIEW_COLUMNS)
            .outerjoin(Batch, Batch.id == ResponseFile.batch_id)
            .where(
                ResponseFile.site == site,
                ResponseFile.available_at <= now,
                ResponseFile.available_at >= oldest,
            )
            .order_by(ResponseFile.downloaded, ResponseFile.available_at, ResponseFile.id)
            .limit(criteria.max_files)
        )
        if batch_pk is not None:  # the batch is the provider's: its index is the narrower
            statement = statement.where(ResponseFile.batch_id == batch_pk)
        else:
            statement = statement.where(ResponseFile.provider_pk == provider_pk)
        if criteria.transaction_type:
            statement = statement.where(ResponseFile.transaction_type == criteria.transaction_type)
        if criteria.from_date:
            statement = statement.where(
                ResponseFile.available_at >= start_of_day(criteria.from_date)
            )
        if criteria.to_date:
            statement = statement.where(ResponseFile.available_at < end_of_day(criteria.to_date))
        if criteria.status != "all":
            statement = statement.where(
                ResponseFile.downloaded.is_(criteria.status == "downloaded")
            )
        return statement

    def download(self, account: AccountView, file_id: str) -> tuple[FileView, IO[bytes]]:
        """Open a file of one of the account's providers and mark it downloaded now."""
        now = self._clock.now()
        allowed = [provider.provider_id for provider in account.providers]
        with self._database.transaction() as session:
            found = session.execute(
                select(ResponseFile, Batch.tracking_number)
                .join(Provider, Provider.id == ResponseFile.provider_pk)
                .outerjoin(Batch, Batch.id == ResponseFile.batch_id)
                .where(
                    ResponseFile.site == account.site,
                    ResponseFile.file_id == file_id,
                    ResponseFile.available_at <= now,
                    Provider.provider_id.in_(allowed),
                )
            ).first()
            if found is None:
                raise NotFoundError(f"There is no file {file_id!r} for your providers.")
            record, tracking = found
            session.execute(
                update(ResponseFile)
                .where(ResponseFile.id == record.id)
                .values(last_downloaded_at=now, downloaded=True)
            )
            session.refresh(record)
            view = _view(record, tracking)
        return view, self._blobs.open(view.blob_key)


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
# Built once: every status poll runs it, and building a statement costs more than running it.
AVAILABLE_BATCH_FILES = _BATCH_FILES.where(ResponseFile.available_at <= bindparam("now"))


def files_of_batch(
    reader: Session | Connection, batch_id: int, tracking_number: str, now: datetime | None
) -> list[FileView]:
    """The batch's response files available at ``now`` (``None``: all, even those to come)."""
    if now is None:
        rows = reader.execute(_BATCH_FILES, {"batch_id": batch_id})
    else:
        rows = reader.execute(AVAILABLE_BATCH_FILES, {"batch_id": batch_id, "now": now})
    return [_view(row, tracking_number) for row in rows]


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


def _first_provider(account: AccountView) -> str:
    if not account.providers:
        raise InvalidRequestError("Your account has no providers; contact Customer Services.")
    return account.providers[0].provider_id


class StoredFile(Protocol):
    """What a file's view is made of: a ``ResponseFile`` row, or the columns of one."""

    file_id: str
    file_name: str
    transaction_type: str
    size: int
    available_at: datetime
    last_downloaded_at: datetime | None
    blob_key: str


def _view(record: StoredFile, tracking_number: str | None) -> FileView:
    return FileView(
        file_id=record.file_id,
        file_name=record.file_name,
        transaction_type=record.transaction_type,
        tracking_number=tracking_number,
        size=record.size,
        date_available=record.available_at,
        date_last_downloaded=record.last_downloaded_at,
        blob_key=record.blob_key,
    )


ZIP_SPOOL_BYTES = 8 * 1024 * 1024


def zipped(view: FileView, handle: IO[bytes]) -> IO[bytes]:
    """A zip holding the one file as ``<file name>.dat``, spooled to disk past 8 MB."""
    spool = tempfile.SpooledTemporaryFile(max_size=ZIP_SPOOL_BYTES)  # noqa: SIM115
    with (
        handle,
        zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(f"{view.file_name}.dat", "w") as member,
    ):
        for chunk in read_chunks(handle):
            member.write(chunk)
    spool.seek(0)
    return spool
