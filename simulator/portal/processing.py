"""The processing pipeline: each upload's job checks its files and makes the response files.

The queue itself (claims, leases, retries) lives in :mod:`simulator.store.jobs`; here a claimed
job is worked: its files checked, a ``process`` fault asked for, the acknowledgements and
business responses made, and the results recorded in one short transaction that ends the job.
Response files become available at completion plus the site's ``response_delay_seconds`` by
the simulated clock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any

from simulator.clock import Clock, real_now
from simulator.faults.actions import ActsIn, kinds
from simulator.faults.service import FaultService, FiredFault, fired_rule
from simulator.holders import abandoned, start_time, this_machine
from simulator.meter import Meter
from simulator.portal.access import ProviderView
from simulator.portal.answering import Answerer, apply_fault, corrupted, examine
from simulator.portal.business import RefusedClaim
from simulator.portal.certification import CertificationService, judge
from simulator.portal.files import place_file
from simulator.portal.journal import Journal, JournalEvent
from simulator.portal.transactions import TransactionType, download_type, upload_type
from simulator.settings import Settings
from simulator.sites import SITES, SiteProfile
from simulator.store.blobs import BlobStore, StoredBlob
from simulator.store.claims import ClaimBook, ClaimOwner, NewClaim, record_claims
from simulator.store.database import Database
from simulator.store.files import FileOwner
from simulator.store.jobs import ClaimedJob, Fate, JobBatch, JobQueue
from simulator.store.members import Roster
from simulator.work import unit_of_work
from simulator.x12.outbound import GROUP, INTERCHANGE, SET, OutboundFile
from simulator.x12.report import ValidationReport

LOG = logging.getLogger(__name__)
POLL_SECONDS = 0.25
# How often a job loop looks for jobs whose holder process died: one cheap read.
HOLDER_CHECK_SECONDS = 5.0
FILE_ID = "file_id"
# What a job of one file usually takes: a 999 and one business response, each an interchange
# of one set, and a file ID each. More are reserved as they are needed.
USUAL_NUMBERS = dict.fromkeys((INTERCHANGE, GROUP, SET, FILE_ID), 2)
PROCESS_FAULTS = kinds(ActsIn.PROCESSING)


@dataclass(frozen=True)
class _Work:
    """What a job works on, read before processing."""

    batch: JobBatch
    provider: ProviderView
    kind: TransactionType
    now: datetime  # the job's one instant: envelopes, claim numbers and file names agree


@dataclass
class Outcome:
    """What processing one batch produced: response files, claims, the status, the report."""

    files: list[OutboundFile] = field(default_factory=list)
    claims: list[NewClaim] = field(default_factory=list)
    refused_claims: list[RefusedClaim] = field(default_factory=list)
    examined: list[ValidationReport | None] = field(default_factory=list)
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
        certification: CertificationService,
    ) -> None:
        self._database = database
        self._certification = certification
        self._clock = clock
        self._blobs = blobs
        self._settings = settings
        self._faults = faults
        self._journal = journal
        self._meter = meter
        self.wake = threading.Event()
        self._queue = JobQueue(database, timedelta(seconds=settings.job_lease_seconds))
        self._roster = Roster(database)
        self._claims = ClaimBook(database)

    # -- claiming ---------------------------------------------------------------------------

    def claim(self, worker: str) -> ClaimedJob | None:
        """Take the oldest due job, or a job whose worker's lease ran out; ``None`` if none.

        The same transaction reserves the control numbers and file IDs a job usually takes.
        """
        return self._queue.claim(worker, self._clock.now(), real_now(), USUAL_NUMBERS)

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
        except Exception as error:
            result = self._settle(job, error)
        labels = {"site": job.site, "result": result}
        self._meter.observe("posc_sim_processing_seconds", labels, time.monotonic() - started)

    def _settle(self, job: ClaimedJob, error: Exception) -> str:
        """End a job that could not finish; the result it is counted under.

        A reset may wipe the batch at any step (its rows, its files, then the response rows
        fail their foreign keys): the job is gone with it, and ends quietly.
        """
        fate = self._queue.fate(job)
        if fate is Fate.GONE:
            LOG.info("job %s ended: batch %s was wiped by a reset", job.job_id, job.batch_id)
            return "wiped"
        if fate is Fate.TAKEN:
            LOG.warning("job %s was taken over by another worker; results dropped", job.job_id)
            return "lost"
        LOG.error("processing job %s of batch %s failed", job.job_id, job.batch_id, exc_info=error)
        self._queue.fail(job, error, self._clock.now())
        return "failed"

    def release_abandoned(self) -> int:
        """Queue again at once the jobs of holders on this machine that are gone (a crash), so
        they do not wait out their lease; how many."""
        here = this_machine()
        if here is None:
            return 0
        released = self._queue.release(
            lambda holder: abandoned(holder, here, start_time), self._clock.now()
        )
        for site, count in released.items():
            self._meter.count("posc_sim_jobs_released", {"site": site}, count)
        return released.total()

    # -- processing -------------------------------------------------------------------------

    def process(self, job: ClaimedJob) -> None:
        work = self._load(job)
        fired_rule.set(None)
        fault = self._faults.fire(
            job.site,
            ("process",),
            PROCESS_FAULTS,
            user_id=work.batch.user_id,
            provider_id=work.provider.provider_id,
            transaction_type=work.kind.code,
        )
        profile = SITES[job.site]
        results = [self._examine(work.kind, profile, key) for _, key in work.batch.files]
        for report in results:
            if report is not None:
                apply_fault(report, fault)
        outcome = self._answer(job, work, profile, results)
        if fault is not None and fault.kind == "drop_response":
            outcome.files = []
            outcome.dropped = True
        self._finish(job, work, outcome, fault)

    def _load(self, job: ClaimedJob) -> _Work:
        batch = self._queue.load(job)
        provider = ProviderView(
            batch.provider_id, batch.provider_name, batch.provider_npi, batch.provider_pk
        )
        kind = upload_type(batch.transaction_type)
        return _Work(batch, provider, kind, self._clock.now())

    def _examine(
        self, kind: TransactionType, profile: SiteProfile, blob_key: str
    ) -> ValidationReport | None:
        """The validation report of one uploaded file; ``None`` for a non-X12 type."""
        if not kind.is_x12:
            return None
        validation = self._settings.site(profile.code).validation
        return examine(kind, profile, validation, self._opener(blob_key))

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
        batch = work.batch
        answerer = Answerer(
            profile=profile,
            provider=work.provider,
            user_id=batch.user_id,
            now=work.now,
            numbers=job.numbers,
            roster=self._roster,
            claims=self._claims,
            received_at=batch.received_at,
            tracking_number=batch.tracking_number,
        )
        outcome = Outcome(examined=list(results))
        for (name, key), report in zip(batch.files, results, strict=True):
            if report is None:
                _answer_other(outcome, work.kind, batch, name, work.now)
                continue
            outcome.statuses.append(report.status)
            outcome.reports.append({"name": name, **report.as_dict()})
            outcome.files += answerer.writer.acknowledgements(report, work.kind.code[:3])
            files, context = answerer.responses(work.kind, report, self._opener(key))
            outcome.files += files
            outcome.claims += context.claims_recorded
            outcome.refused_claims += context.claims_refused
        return outcome

    def _opener(self, blob_key: str) -> Callable[[], IO[bytes]]:
        return lambda: self._blobs.open(blob_key)

    def _finish(
        self, job: ClaimedJob, work: _Work, outcome: Outcome, fault: FiredFault | None
    ) -> None:
        """Write the response files, then record them, the claims, the status and the journal
        entry in one short transaction that ends the job."""
        now, batch = work.now, work.batch
        delay = timedelta(seconds=self._settings.site(job.site).response_delay_seconds)
        if fault is not None and fault.kind == "delay_response":
            delay += timedelta(seconds=fault.action["seconds"])
        stored: list[StoredBlob] = []
        try:
            for _, data in outcome.files:
                if fault is not None and fault.kind == "corrupt_response":
                    data = corrupted(data)
                stored.append(self._blobs.write_bytes(job.site, data))
            file_numbers = [job.numbers.take(FILE_ID) for _ in stored]
            owner = FileOwner(
                job.site,
                batch.provider_pk,
                batch.provider_id,
                batch.batch_id,
                batch.tracking_number,
            )
            with self._database.transaction() as session:
                claims_owner = ClaimOwner(
                    job.site, batch.provider_pk, batch.batch_id, batch.received_at
                )
                record_claims(session, claims_owner, outcome.claims)
                for (transaction_type, _), blob, number in zip(
                    outcome.files, stored, file_numbers, strict=True
                ):
                    place_file(
                        session,
                        owner,
                        transaction_type,
                        blob,
                        now=now,
                        available_at=now + delay,
                        file_number=number,
                    )
                self._queue.finish(session, job, outcome.status, {"files": outcome.reports})
                self._certification.record(
                    session,
                    job.site,
                    batch.user_id,
                    (batch.transaction_type, batch.tracking_number, batch.received_at),
                    judge(outcome.examined, outcome.refused_claims, outcome.dropped),
                    now,
                )
                self._journal.record(
                    JournalEvent(
                        site=job.site,
                        operation="process",
                        outcome=outcome.status,
                        user_id=batch.user_id,
                        provider_id=batch.provider_id,
                        tracking_number=batch.tracking_number,
                        fault_id=fault.rule_id if fault else None,
                    ),
                    session,
                )
        except BaseException:
            for blob in stored:
                self._blobs.delete(blob.key)
            raise


def _answer_other(
    outcome: Outcome, kind: TransactionType, batch: JobBatch, name: str, now: datetime
) -> None:
    """A non-X12 upload: accepted as received, with its paired response where it has one."""
    outcome.statuses.append("accepted")
    outcome.reports.append({"name": name, "x12": False})
    if kind.response is not None:
        paired = paired_response(kind, batch.tracking_number, batch.received_at, name, now)
        outcome.files.append((kind.response, paired))


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
        next_check = time.monotonic()
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + HOLDER_CHECK_SECONDS
                    self._processor.release_abandoned()
                self._processor.run_pending(worker=self._name)
            except Exception:
                LOG.exception("the job loop hit an error; it goes on")
            self._processor.wake.wait(self._poll)
            self._processor.wake.clear()


def paired_response(
    kind: TransactionType, tracking_number: str, received_at: datetime, name: str, now: datetime
) -> bytes:
    """The response file a non-X12 upload earns (MMQ Summary Response and the like)."""
    title = download_type(kind.response or "").description
    lines = [
        f"{title.upper()}|{tracking_number}|{now:%Y%m%d%H%M%S}",
        f"FILE|{name}|RECEIVED|{received_at:%Y%m%d%H%M%S}",
        "STATUS|ACCEPTED|0 ERRORS",
        "TRAILER|3",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()
