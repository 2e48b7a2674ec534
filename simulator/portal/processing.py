"""Processing jobs: each upload's job validates its files and makes the response files.

A job is a database row. A worker claims one with a single atomic ``UPDATE ... RETURNING``
(``SKIP LOCKED`` on PostgreSQL), so two processes never take the same job; a claim older than
the lease (a worker that died mid-job) is taken again, so a restart loses no upload. Response
files become available at completion plus the site's ``response_delay_seconds`` by the
simulated clock.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Update, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from simulator.clock import Clock, real_now
from simulator.faults.service import FaultService, FiredFault, fired_rule
from simulator.meter import Meter
from simulator.portal.business import (
    BusinessContext,
    ResponseSet,
    business_responses,
    paired_response,
)
from simulator.portal.files import place_file
from simulator.portal.journal import Journal, JournalEvent
from simulator.portal.transactions import TransactionType, upload_type
from simulator.settings import Settings
from simulator.sites import SITES, SiteProfile
from simulator.store.blobs import BlobStore, StoredBlob
from simulator.store.database import Database
from simulator.store.models import Batch, BatchFile, Claim, Job, Provider, User
from simulator.store.sequences import NumberBlocks, reserve
from simulator.work import unit_of_work
from simulator.x12.acks import ack_999, submitter, ta1
from simulator.x12.deep import deepen
from simulator.x12.report import InterchangeResult, ValidationReport
from simulator.x12.requests import Entity
from simulator.x12.validate import Expectation, validate_structure
from simulator.x12.writer import (
    MASSHEALTH,
    MASSHEALTH_ID,
    ControlNumbers,
    Envelope,
    Party,
    transaction_set,
    write_interchange,
)

LOG = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(seconds=5)
POLL_SECONDS = 0.25


@dataclass(frozen=True)
class ClaimedJob:
    job_id: int
    site: str
    batch_id: int
    attempts: int
    worker: str
    numbers: NumberBlocks


def _claim_statement(skip_locked: bool) -> Update:
    """One atomic statement that takes a job; built once, with the times as parameters."""
    candidate = (
        select(Job.id)
        .where(
            or_(
                and_(Job.state == "queued", Job.run_after <= bindparam("now")),
                and_(Job.state == "running", Job.claimed_at < bindparam("stale")),
            )
        )
        .order_by(Job.id)
        .limit(1)
    )
    if skip_locked:
        candidate = candidate.with_for_update(skip_locked=True)
    return (
        update(Job)
        .where(Job.id == candidate.scalar_subquery())
        .values(
            state="running",
            claimed_by=bindparam("worker"),
            claimed_at=bindparam("wall"),
            attempts=Job.attempts + 1,
        )
        .returning(Job.id, Job.site, Job.batch_id, Job.attempts)
    )


class LostClaimError(Exception):
    """The job's lease ran out and another worker took it: this worker's results are dropped."""


@dataclass(frozen=True)
class _Work:
    """What a job works on, read before processing (the rows are detached copies)."""

    batch: Batch
    provider: Provider
    user_id: str
    kind: TransactionType
    files: list[tuple[str, str]]
    now: datetime  # the job's one instant: envelopes, claim numbers and file names agree


@dataclass
class Outcome:
    """What processing one batch produced: response files, claims, the status, the report."""

    files: list[tuple[str, bytes]] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    dropped: bool = False

    @property
    def status(self) -> str:
        if self.dropped:  # no response will ever come: the batch stays in processing
            return "processing"
        if not self.statuses or all(s == "accepted" for s in self.statuses):
            return "accepted"
        if all(s == "rejected" for s in self.statuses):
            return "rejected"
        return "partially_accepted"


class ControlSequences:
    """Interchange, group and set control numbers that never repeat, from reserved blocks."""

    def __init__(self, numbers: NumberBlocks) -> None:
        self._numbers = numbers

    def envelope_numbers(self) -> ControlNumbers:
        return ControlNumbers(
            interchange=self._numbers.take("isa13"), group=self._numbers.take("gs06")
        )

    def next_set(self) -> int:
        return self._numbers.take("st02")


def one_set_numbers(session: Session, site: str) -> tuple[ControlNumbers, int]:
    """The control numbers of an interchange of one set, taken in the caller's transaction."""
    first = reserve(session, site, {"isa13": 1, "gs06": 1, "st02": 1})
    return ControlNumbers(interchange=first["isa13"], group=first["gs06"]), first["st02"]


# What a job of one file usually takes: a 999 and one business response, each an interchange
# of one set, and a file ID each. More are reserved as they are needed.
USUAL_NUMBERS = dict.fromkeys(("isa13", "gs06", "st02", "file_id"), 2)


class Processor:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        blobs: BlobStore,
        settings: Settings,
        faults: FaultService,
        journal: Journal,
        meter: Meter,
    ) -> None:
        self._database = database
        self._clock = clock
        self._blobs = blobs
        self._settings = settings
        self._faults = faults
        self._journal = journal
        self._meter = meter
        self.wake = threading.Event()
        skip_locked = database.engine.dialect.name == "postgresql"
        self._claim_statement = _claim_statement(skip_locked)

    # -- claiming ---------------------------------------------------------------------------

    def claim(self, worker: str) -> ClaimedJob | None:
        """Take the oldest due job, or a job whose worker's lease ran out; ``None`` if none.

        The same transaction reserves the control numbers and file IDs a job usually takes.
        """
        wall = real_now()
        moment = {"now": self._clock.now(), "wall": wall, "stale": wall - LEASE, "worker": worker}
        with self._database.transaction() as session:
            row = session.connection().execute(self._claim_statement, moment).first()
            if row is None:
                return None
            numbers = NumberBlocks(self._database, row.site)
            numbers.reserve_in(session, USUAL_NUMBERS)
        return ClaimedJob(row.id, row.site, row.batch_id, row.attempts, worker, numbers)

    def run_pending(self, worker: str = "inline", limit: int | None = None) -> int:
        """Process due jobs until none is left (or ``limit``); returns how many were done."""
        done = 0
        while limit is None or done < limit:
            job = self.claim(worker)
            if job is None:
                break
            self._run(job)
            done += 1
        return done

    def _run(self, job: ClaimedJob) -> None:
        started = time.monotonic()
        result = "done"
        try:
            with unit_of_work():
                self.process(job)
        except LostClaimError:
            LOG.warning("job %s was taken over by another worker; results dropped", job.job_id)
            result = "lost"
        except Exception as error:
            LOG.exception("processing job %s of batch %s failed", job.job_id, job.batch_id)
            self._fail(job, error)
            result = "failed"
        labels = {"site": job.site, "result": result}
        self._meter.observe("posc_sim_processing_seconds", labels, time.monotonic() - started)

    def _fail(self, job: ClaimedJob, error: Exception) -> None:
        final = job.attempts >= MAX_ATTEMPTS
        with self._database.transaction() as session:
            session.execute(
                update(Job)
                .where(Job.id == job.job_id)
                .values(
                    state="failed" if final else "queued",
                    run_after=self._clock.now() + RETRY_AFTER,
                    last_error=f"{type(error).__name__}: {error}"[:2000],
                )
            )

    # -- processing -------------------------------------------------------------------------

    def process(self, job: ClaimedJob) -> None:
        work = self._load(job)
        fired_rule.set(None)
        fault = self._faults.fire(
            job.site,
            "process",
            PROCESS_FAULTS,
            user_id=work.user_id,
            provider_id=work.provider.provider_id,
            transaction_type=work.kind.code,
        )
        profile = SITES[job.site]
        results = [self._examine(work.kind, profile, blob_key) for _, blob_key in work.files]
        for report in results:
            if report is not None and fault is not None:
                _apply_to_report(report, fault)
        outcome = self._answer(job, work, profile, results)
        if fault is not None and fault.kind == "drop_response":
            outcome.files = []
            outcome.dropped = True
        self._finish(job, work, outcome, fault)

    def _load(self, job: ClaimedJob) -> _Work:
        """The batch, its provider, its uploader and its files, in two queries."""
        with self._database.reading() as session:
            found = session.execute(_JOB_BATCH, {"batch_id": job.batch_id}).first()
            if found is None:
                raise LookupError(f"batch {job.batch_id} is gone")
            batch, provider, user_id = found
            files = session.execute(_JOB_FILES, {"batch_id": batch.id}).all()
        files_of = [(str(name), str(key)) for name, key in files]
        kind = upload_type(batch.transaction_type)
        return _Work(batch, provider, str(user_id), kind, files_of, self._clock.now())

    def _examine(
        self, kind: TransactionType, profile: SiteProfile, blob_key: str
    ) -> ValidationReport | None:
        """The validation report of one uploaded file; ``None`` for a non-X12 type."""
        if not kind.is_x12 or kind.x12_version is None:
            return None
        expectation = Expectation(
            set_id=kind.code[:3],
            version=kind.x12_version,
            usage_indicator=profile.usage_indicator,
            receiver_id=MASSHEALTH_ID,
        )
        with self._blobs.open(blob_key) as stream:
            report = validate_structure(stream, expectation)
        if self._settings.site(profile.code).validation == "full":
            with self._blobs.open(blob_key) as stream:
                report = deepen(report, stream, kind.x12_version)
        return report

    def _answer(
        self,
        job: ClaimedJob,
        work: _Work,
        profile: SiteProfile,
        results: list[ValidationReport | None],
    ) -> Outcome:
        """The response files, claims and status, decided without holding the write lock.

        Numbers come from blocks reserved in their own short transactions: one lost with a
        failed job is a gap, never a repeat.
        """
        now = work.now
        numbers = job.numbers
        writer = _ResponseWriter(profile, work.user_id, ControlSequences(numbers), now)
        outcome = Outcome()
        with self._database.reading() as session:
            for (name, key), report in zip(work.files, results, strict=True):
                if report is None:
                    _answer_other(outcome, work.kind, work.batch, name, now)
                    continue
                sender = writer.submitter(report)
                entity = Entity("41", sender.application_id, "46", sender.application_id)
                context = BusinessContext(
                    session, profile, work.batch, work.provider, entity, now, numbers
                )
                outcome.statuses.append(report.status)
                outcome.reports.append({"name": name, **report.as_dict()})
                outcome.files += writer.acknowledgements(report, work.kind.code[:3])
                set_id = work.kind.code[:3]
                responses = business_responses(context, set_id, report, self._blobs, key)
                outcome.files += writer.responses(report, responses)
                outcome.claims += context.claims_recorded
        return outcome

    def _finish(
        self, job: ClaimedJob, work: _Work, outcome: Outcome, fault: FiredFault | None
    ) -> None:
        """Write the response files, then record them, the claims, the status and the journal
        entry in one short transaction that ends the job."""
        now = work.now
        delay = timedelta(seconds=self._settings.site(job.site).response_delay_seconds)
        if fault is not None and fault.kind == "delay_response":
            delay += timedelta(seconds=fault.action["seconds"])
        stored: list[StoredBlob] = []
        try:
            for _, data in outcome.files:
                if fault is not None and fault.kind == "corrupt_response":
                    data = _corrupted(data)
                stored.append(self._blobs.write_bytes(job.site, data))
            file_numbers = [job.numbers.take("file_id") for _ in stored]
            with self._database.transaction() as session:
                session.add_all(outcome.claims)
                for (transaction_type, _), blob, number in zip(
                    outcome.files, stored, file_numbers, strict=True
                ):
                    place_file(
                        session,
                        work.provider,
                        transaction_type,
                        blob,
                        now=now,
                        available_at=now + delay,
                        batch=work.batch,
                        file_number=number,
                    )
                connection = session.connection()
                connection.execute(
                    _BATCH_ANSWERED,
                    {
                        "batch_id": work.batch.id,
                        "status": outcome.status,
                        "report": {"files": outcome.reports},
                    },
                )
                finished = connection.execute(
                    _JOB_DONE, {"job_id": job.job_id, "worker": job.worker}
                )
                if not getattr(finished, "rowcount", 0):
                    raise LostClaimError(job.job_id)
                self._journal.record(
                    JournalEvent(
                        site=job.site,
                        operation="process",
                        outcome=outcome.status,
                        user_id=work.user_id,
                        provider_id=work.provider.provider_id,
                        tracking_number=work.batch.tracking_number,
                        fault_id=fault.rule_id if fault else None,
                    ),
                    session,
                )
        except BaseException:
            for blob in stored:
                self._blobs.delete(blob.key)
            raise


# Every job runs these: built once, since building a statement costs more than running it.
_JOB_BATCH = (
    select(Batch, Provider, User.user_id)
    .join(Provider, Provider.id == Batch.provider_pk)
    .join(User, User.id == Batch.user_pk)
    .where(Batch.id == bindparam("batch_id"))
)
_JOB_FILES = (
    select(BatchFile.name, BatchFile.blob_key)
    .where(BatchFile.batch_id == bindparam("batch_id"))
    .order_by(BatchFile.position)
)
_BATCH_ANSWERED = update(Batch).where(Batch.id == bindparam("batch_id"))
_JOB_DONE = (
    update(Job)
    .where(
        Job.id == bindparam("job_id"),
        Job.state == "running",
        Job.claimed_by == bindparam("worker"),
    )
    .values(state="done")
)

PROCESS_FAULTS = frozenset(
    {"reject_999", "ta1_reject", "delay_response", "drop_response", "corrupt_response"}
)


def _apply_to_report(report: ValidationReport, fault: FiredFault) -> None:
    """``ta1_reject`` refuses every interchange; ``reject_999`` every transaction set."""
    for interchange in report.interchanges:
        if fault.kind == "ta1_reject":
            interchange.note_code = fault.action["note_code"]
        elif fault.kind == "reject_999":
            for group in interchange.groups:
                for result in group.sets:
                    result.reject("5")


def _corrupted(data: bytes) -> bytes:
    """Malformed X12: cut short, with its segment terminators gone."""
    return data[: max(len(data) // 2, 40)].replace(b"~", b"")


def _answer_other(
    outcome: Outcome, kind: TransactionType, batch: Batch, name: str, now: datetime
) -> None:
    """A non-X12 upload: accepted as received, with its paired response where it has one."""
    outcome.statuses.append("accepted")
    outcome.reports.append({"name": name, "x12": False})
    if kind.response is not None:
        outcome.files.append((kind.response, paired_response(kind, batch, name, now)))


@dataclass
class _ResponseWriter:
    """Puts acknowledgements and business responses in MassHealth's outbound envelopes."""

    profile: SiteProfile
    user_id: str
    numbers: ControlSequences
    now: datetime

    def _envelope(self, receiver: Party, functional_id: str = "", version: str = "") -> Envelope:
        return Envelope(
            sender=MASSHEALTH,
            receiver=receiver,
            usage_indicator=self.profile.usage_indicator,
            functional_id=functional_id,
            version=version,
            at=self.now,
            numbers=self.numbers.envelope_numbers(),
        )

    def submitter(self, report: ValidationReport) -> Party:
        for interchange in report.interchanges:
            if interchange.accepted and interchange.groups:
                return submitter(interchange, self._uploader, interchange.groups[0])
        return self._uploader

    @property
    def _uploader(self) -> Party:
        """The account that uploaded the file: whom to answer when the file names no one usable."""
        return Party("ZZ", self.user_id, self.user_id)

    def acknowledgements(
        self, report: ValidationReport, uploaded_set_id: str
    ) -> list[tuple[str, bytes]]:
        files = []
        ta1_parts = self._ta1s(report)
        if ta1_parts:
            files.append(("TA1", b"".join(ta1_parts)))
        ack_parts = [
            ack_999(
                interchange,
                self._envelope(submitter(interchange, self._uploader, interchange.groups[0])),
                self.numbers.next_set,
                uploaded_set_id,
            )
            for interchange in report.interchanges
            if interchange.accepted and interchange.groups
        ]
        if ack_parts:
            files.append(("999", b"".join(ack_parts)))
        return files

    def _ta1s(self, report: ValidationReport) -> list[bytes]:
        """A TA1 for each refused interchange, and for accepted ones that asked for it."""
        if report.unreadable_note is not None:
            unknown = InterchangeResult(
                "ZZ",
                self.user_id,
                "ZZ",
                MASSHEALTH_ID,
                "",
                "",
                "",
                "00501",
                self.profile.usage_indicator,
                False,
            )
            unknown.refuse(report.unreadable_note)
            return [ta1(unknown, self._envelope(self._uploader))]
        return [
            ta1(interchange, self._envelope(submitter(interchange, self._uploader)))
            for interchange in report.interchanges
            if not interchange.accepted or interchange.acknowledgment_requested
        ]

    def responses(
        self, report: ValidationReport, responses: list[ResponseSet]
    ) -> list[tuple[str, bytes]]:
        """One interchange per response type, holding every set of that type."""
        receiver = self.submitter(report)
        files = []
        for transaction_type, group in itertools.groupby(
            responses, key=lambda response: response.transaction_type
        ):
            sets = list(group)
            envelope = self._envelope(receiver, sets[0].functional_id, sets[0].version)
            written = [
                transaction_set(r.set_id, self.numbers.next_set(), r.version, r.body) for r in sets
            ]
            files.append((transaction_type, write_interchange(envelope, written)))
        return files


class BackgroundWorker:
    """A daemon thread in each server process that runs due jobs as they come."""

    def __init__(self, processor: Processor, name: str, poll_seconds: float = POLL_SECONDS) -> None:
        self._processor = processor
        self._name = name
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"jobs-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._processor.wake.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._processor.run_pending(worker=self._name)
            except Exception:
                LOG.exception("the job loop hit an error; it goes on")
            self._processor.wake.wait(self._poll)
            self._processor.wake.clear()
