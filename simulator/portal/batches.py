"""Uploads: one tracking number per upload, its files and its processing job, all or nothing.

The uploaded bytes arrive as :class:`~simulator.store.blobs.PendingBlob` files that the HTTP
layer streamed to disk while parsing; nothing here reads an upload into memory. The batch row,
its file rows and the processing job are committed in one transaction after every blob is
durable, so a tracking number is shown only for an upload that is kept whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from simulator.clock import Clock
from simulator.faults.actions import ActsIn, kinds
from simulator.faults.service import FaultService
from simulator.portal.access import AccountView
from simulator.portal.certification import CertificationService
from simulator.portal.errors import (
    EmptyUploadError,
    InvalidRequestError,
    NotFoundError,
    TooManyFilesError,
    UploadTooLargeError,
)
from simulator.portal.files import FileView, files_of_batch
from simulator.portal.transactions import upload_type
from simulator.portal.zips import ExpansionBudget, extract_members, looks_like_zip
from simulator.settings import SiteSettings
from simulator.store.batches import (
    NewBatch,
    OwnerGoneError,
    add_batch,
    batch_status,
    named_submission,
    newest_other_number,
)
from simulator.store.blobs import BlobStore, PendingBlob, StoredBlob
from simulator.store.database import Database, Executor
from simulator.store.sequences import next_value

TRACKING_BASE = 100_000_000_000
UPLOAD_FAULTS = kinds(
    ActsIn.PORTAL, "reject_oversize", "omit_tracking_number", "duplicate_tracking_number"
)
UNSAFE_FILE_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")
MAX_FILE_NAME = 255


@dataclass(frozen=True)
class IncomingFile:
    name: str
    blob: PendingBlob


@dataclass(frozen=True)
class ReceivedFile:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Receipt:
    """What an upload is answered with; ``tracking_number`` is ``None`` when none was given."""

    tracking_number: str | None
    site: str
    provider_id: str
    transaction_type: str
    received_at: datetime
    files: tuple[ReceivedFile, ...]


@dataclass(frozen=True)
class BatchStatus:
    tracking_number: str
    status: str
    response_files: tuple[FileView, ...]


class BatchService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        blobs: BlobStore,
        site_rules: Callable[[str], SiteSettings],
        faults: FaultService,
        certification: CertificationService,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._blobs = blobs
        self._site_rules = site_rules
        self._faults = faults
        self._certification = certification
        self._on_queued = on_queued

    def receive(
        self,
        account: AccountView,
        provider_id: str,
        transaction_type: str,
        files: Sequence[IncomingFile],
        *,
        channel: str,
    ) -> Receipt:
        """Keep an upload that came in through ``channel`` and queue its processing; a refusal
        keeps nothing. Some types are taken through one way in only (an 820 through CORE).

        The caller still owns the pending blobs and discards whatever was not committed.
        """
        provider = account.provider(provider_id)
        kind = upload_type(transaction_type, channel)
        self._certification.check_upload(account, kind.code)
        rules = self._site_rules(account.site)
        fault = self._faults.fire(
            account.site,
            ("upload",),
            UPLOAD_FAULTS,
            user_id=account.user_id,
            provider_id=provider.provider_id,
            transaction_type=kind.code,
        )
        if fault is not None and fault.kind == "reject_oversize":
            raise UploadTooLargeError(
                f"The combined size of the files exceeds the limit of {rules.max_upload_bytes:,} "
                "bytes. Upload fewer files at once, or compress them."
            )
        _check_limits(files, rules)
        stored = self._store(account.site, files, rules)
        if fault is not None and fault.kind == "omit_tracking_number":
            for _, blob in stored:  # a missing number means the upload failed: keep nothing
                self._blobs.delete(blob.key)
            return Receipt(
                None, account.site, provider.provider_id, kind.code, self._clock.now(), ()
            )
        try:
            with self._database.transaction() as session:
                receipt = self._record(session, account, provider.provider_id, kind.code, stored)
                if fault is not None and fault.kind == "duplicate_tracking_number":
                    receipt = replace(
                        receipt,
                        tracking_number=_earlier_number(
                            session, account.site, receipt.tracking_number
                        ),
                    )
        except BaseException:
            for _, blob in stored:
                self._blobs.delete(blob.key)
            raise
        self._on_queued()
        return receipt

    def _store(
        self, site: str, files: Sequence[IncomingFile], rules: SiteSettings
    ) -> list[tuple[str, StoredBlob]]:
        stored: list[tuple[str, StoredBlob]] = []
        budget = ExpansionBudget(rules.max_expanded_bytes)
        try:
            for incoming in files:
                head = incoming.blob.rewound().read(4)
                if looks_like_zip(incoming.name, head):
                    members = extract_members(
                        incoming.blob.rewound(), incoming.name, self._blobs, site, budget
                    )
                    stored += [(member.name, member.blob) for member in members]
                else:
                    budget.spend(incoming.blob.size)
                    stored.append((incoming.name, incoming.blob.commit()))
        except BaseException:
            for _, blob in stored:
                self._blobs.delete(blob.key)
            raise
        return stored

    def _record(
        self,
        session: Executor,
        account: AccountView,
        provider_id: str,
        transaction_type: str,
        stored: list[tuple[str, StoredBlob]],
    ) -> Receipt:
        """The batch, its files and its job, the rows named by the keys read at sign-in."""
        site = account.site
        now = self._clock.now()
        provider = account.provider(provider_id)
        tracking_number = str(TRACKING_BASE + next_value(session, site, "tracking_number"))
        new = NewBatch(
            site=site,
            tracking_number=tracking_number,
            user_pk=account.pk,
            user_id=account.user_id,
            provider_pk=provider.pk,
            provider_id=provider_id,
            transaction_type=transaction_type,
            received_at=now,
            files=stored,
        )
        try:
            add_batch(session, new)
        except OwnerGoneError:
            raise NotFoundError(
                f"The account {account.user_id} or provider {provider_id} no longer exists."
            ) from None
        return Receipt(
            tracking_number=tracking_number,
            site=site,
            provider_id=provider_id,
            transaction_type=transaction_type,
            received_at=now,
            files=tuple(ReceivedFile(name, blob.size, blob.sha256) for name, blob in stored),
        )

    def status(self, account: AccountView, tracking_number: str) -> BatchStatus:
        """The batch and its available response files, for the account's providers only."""
        allowed = [provider.pk for provider in account.providers]
        with self._database.connected() as connection:
            found = batch_status(connection, account.site, tracking_number, allowed)
            if found is None:
                raise NotFoundError(f"There is no upload with tracking number {tracking_number!r}.")
            batch_id, status = found
            files = files_of_batch(connection, batch_id, tracking_number, self._clock.now())
            return BatchStatus(tracking_number, status, tuple(files))

    def submission(self, account: AccountView, provider_id: str, file_name: str) -> BatchStatus:
        """The provider's newest upload holding a file of that name, with its response files.

        A CORE submission's file is named after its PayloadID, which is how a client asks for
        its acknowledgment later. Another provider's or another site's uploads are not found.
        """
        provider = account.provider(provider_id)
        with self._database.connected() as connection:
            found = named_submission(connection, account.site, provider.pk, file_name)
            if found is None:
                raise NotFoundError(
                    f"Provider {provider_id} has no submission {file_name!r} on this site."
                )
            batch_id, tracking_number, status = found
            files = files_of_batch(connection, batch_id, tracking_number, self._clock.now())
            return BatchStatus(tracking_number, status, tuple(files))


def _earlier_number(session: Executor, site: str, own: str | None) -> str | None:
    """A tracking number already given out (the newest before ``own``), or ``own``."""
    if own is None:
        return None
    return newest_other_number(session, site, own) or own


def _check_limits(files: Sequence[IncomingFile], rules: SiteSettings) -> None:
    if not files:
        raise EmptyUploadError("Choose at least one file to upload.")
    if len(files) > rules.max_upload_files:
        raise TooManyFilesError(
            f"You can upload up to {rules.max_upload_files} files at a time; "
            f"you chose {len(files)}."
        )
    total = sum(incoming.blob.size for incoming in files)
    if total > rules.max_upload_bytes:
        raise UploadTooLargeError(
            f"The combined size of the files ({total:,} bytes) exceeds the limit of "
            f"{rules.max_upload_bytes:,} bytes ({rules.max_upload_bytes / 1048576:g} MB). "
            "Upload fewer files at once, or compress them."
        )
    for incoming in files:
        check_file_name(incoming.name)
        if incoming.blob.size == 0:
            raise EmptyUploadError(f"The file {incoming.name} is empty.")


def check_file_name(name: str) -> None:
    if not name.strip() or len(name) > MAX_FILE_NAME:
        raise InvalidRequestError(
            f"Each file needs a name of 1 to {MAX_FILE_NAME} characters, not only spaces."
        )
    if UNSAFE_FILE_NAME.search(name) or name in {".", ".."}:
        raise InvalidRequestError(
            f"The file name {name!r} contains path separators or control characters."
        )
