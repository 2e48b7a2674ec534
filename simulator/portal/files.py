"""Response files: naming, placing in a provider's download list, searching and downloading."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO

from simulator.clock import Clock
from simulator.portal.access import AccountView
from simulator.portal.dates import EASTERN, end_of_day, months_before, start_of_day
from simulator.portal.errors import InvalidRequestError, NotFoundError
from simulator.portal.journal import AlsoRecord
from simulator.portal.transactions import download_type
from simulator.settings import SiteSettings
from simulator.store import files as stored_files
from simulator.store.blobs import BlobStore, StoredBlob, read_chunks
from simulator.store.database import Database, Executor
from simulator.store.files import BatchFileColumns, FileOwner, Listing
from simulator.store.sequences import next_value, reserve
from simulator.x12.outbound import GROUP, INTERCHANGE, SET
from simulator.x12.writer import ControlNumbers

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
    session: Executor,
    owner: FileOwner,
    transaction_type: str,
    blob: StoredBlob,
    *,
    now: datetime,
    available_at: datetime | None = None,
    file_number: int | None = None,
) -> FileView:
    """Add a file to the provider's download list (in the caller's write transaction).

    ``file_number`` is a value of the site's ``file_id`` counter the caller reserved; without
    it one is taken. It is the file's ID, and its name's counter.
    """
    download_type(transaction_type)
    number = file_number if file_number is not None else next_value(session, owner.site, "file_id")
    view = FileView(
        file_id=str(number),
        file_name=response_file_name(owner.provider_id, transaction_type, now, number),
        transaction_type=transaction_type,
        tracking_number=owner.tracking_number,
        size=blob.size,
        date_available=available_at or now,
        date_last_downloaded=None,
        blob_key=blob.key,
    )
    stored_files.add_file(
        session,
        owner,
        view.file_id,
        view.file_name,
        transaction_type,
        blob,
        now=now,
        available_at=view.date_available,
    )
    return view


def one_set_numbers(session: Executor, site: str) -> tuple[ControlNumbers, int]:
    """The control numbers of a placed interchange of one set, taken in the caller's
    transaction: its ISA13 and GS06, and its ST02."""
    first = reserve(session, site, {INTERCHANGE: 1, GROUP: 1, SET: 1})
    return ControlNumbers(interchange=first[INTERCHANGE], group=first[GROUP]), first[SET]


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
        with self._database.connected() as connection:
            provider_pk = stored_files.provider_key(connection, account.site, provider_id) or 0
            batch_pk = None
            if criteria.tracking_number:
                batch_pk = stored_files.provider_batch(
                    connection, account.site, provider_pk, criteria.tracking_number
                )
                if batch_pk is None:
                    return provider_id, []
            listing = self._listing(account.site, provider_pk, batch_pk, criteria)
            return provider_id, [FileView(*row) for row in stored_files.listed(connection, listing)]

    def _listing(
        self, site: str, provider_pk: int, batch_pk: int | None, criteria: FileSearch
    ) -> Listing:
        now = self._clock.now()
        return Listing(
            site=site,
            provider_pk=provider_pk,
            batch_pk=batch_pk,
            now=now,
            oldest=months_before(now, self._site_rules(site).archive_after_months),
            max_files=criteria.max_files,
            transaction_type=criteria.transaction_type or None,
            available_from=start_of_day(criteria.from_date) if criteria.from_date else None,
            available_before=end_of_day(criteria.to_date) if criteria.to_date else None,
            downloaded=None if criteria.status == "all" else criteria.status == "downloaded",
        )

    def download(
        self,
        account: AccountView,
        file_id: str,
        provider_id: str | None = None,
        transaction_types: Sequence[str] | None = None,
        also_record: AlsoRecord | None = None,
    ) -> tuple[FileView, IO[bytes]]:
        """Open a file of one of the account's providers and mark it downloaded now.

        ``provider_id`` narrows the search to that provider's files, ``transaction_types`` to
        files of those types: a file outside them is not found, and not marked.
        ``also_record`` (the request's journal entry) is written in the transaction that marks
        the file, once the file is open: one commit per download, none if it cannot be read.
        """
        now = self._clock.now()
        allowed = [provider.provider_id for provider in account.providers]
        if provider_id is not None:
            allowed = [account.provider(provider_id).provider_id]
        handle: IO[bytes] | None = None
        try:
            with self._database.writing() as connection:
                found = stored_files.mark_downloaded(
                    connection, account.site, file_id, allowed, now, transaction_types
                )
                if found is None:
                    raise NotFoundError(f"There is no file {file_id!r} for your providers.")
                view = FileView(*found)
                handle = self._blobs.open(view.blob_key)
                if also_record is not None:
                    also_record(connection, view.tracking_number)
        except BaseException:
            if handle is not None:
                handle.close()
            raise
        return view, handle

    def keep_acknowledgment(self, account: AccountView, provider_id: str, content: bytes) -> str:
        """Keep a submitter's 999 for a file it retrieved, in the site's file store; its key."""
        account.provider(provider_id)
        return self._blobs.write_bytes(account.site, content).key


def files_of_batch(
    reader: Executor, batch_id: int, tracking_number: str, now: datetime | None
) -> list[FileView]:
    """The batch's response files available at ``now`` (``None``: all, even those to come)."""
    return [
        _batch_file(row, tracking_number) for row in stored_files.batch_files(reader, batch_id, now)
    ]


def _batch_file(row: BatchFileColumns, tracking_number: str) -> FileView:
    file_id, name, kind, size, available_at, downloaded_at, blob_key = row
    return FileView(
        file_id, name, kind, tracking_number, size, available_at, downloaded_at, blob_key
    )


def _first_provider(account: AccountView) -> str:
    if not account.providers:
        raise InvalidRequestError("Your account has no providers; contact Customer Services.")
    return account.providers[0].provider_id


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
