"""The processing queue: each upload's job is a row that one worker at a time claims.

A worker claims a job with a single atomic ``UPDATE ... RETURNING`` (with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL), so two processes never take the same job; a claim older than the
lease (a worker that died mid-job) is taken again, so a restart loses no upload; sooner where
the caller can tell its holder is gone (:meth:`JobQueue.release`). A job that fails is tried
again a little later, up to ``MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import Update, and_, bindparam, insert, or_, select, update

from simulator.store.database import Database, Executor, connection_of
from simulator.store.models import Batch, BatchFile, Job, Provider, User
from simulator.store.sequences import NumberBlocks

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(seconds=5)
MAX_ERROR_TEXT = 2000


class Fate(Enum):
    """What became of a job its worker could not finish."""

    HELD = "held"  # still this worker's
    TAKEN = "taken"  # another worker took it when the lease ran out
    GONE = "gone"  # wiped with its batch by a reset


class LostClaimError(Exception):
    """The job's lease ran out and another worker took it: this worker's results are dropped."""


@dataclass(frozen=True)
class ClaimedJob:
    """A job a worker holds, with the numbers reserved for it in the claim's transaction."""

    job_id: int
    site: str
    batch_id: int
    attempts: int
    worker: str
    numbers: NumberBlocks


@dataclass(frozen=True)
class JobBatch:
    """What a job works on: its batch, the provider and uploader, and the files in order."""

    batch_id: int
    tracking_number: str
    transaction_type: str
    received_at: datetime
    provider_id: str
    provider_name: str
    provider_npi: str
    provider_pk: int
    user_id: str
    files: tuple[tuple[str, str], ...]  # each file's name and blob key


# The job a worker would take: the oldest due, or one whose lease ran out.
_CLAIMABLE = (
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


def _claim_statement(skip_locked: bool) -> Update:
    """One atomic statement that takes a job; built once, with the times as parameters."""
    candidate = _CLAIMABLE
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


# Every job runs these: built once, since building a statement costs more than running it.
_ADD_JOB = insert(Job)
_JOB_BATCH = (
    select(
        Batch.id,
        Batch.tracking_number,
        Batch.transaction_type,
        Batch.received_at,
        Provider.provider_id,
        Provider.name,
        Provider.npi,
        Provider.id,
        User.user_id,
    )
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
_JOB_FAILED = update(Job).where(Job.id == bindparam("job_id"))
_JOB_HOLDER = select(Job.batch_id, Job.state, Job.claimed_by, Job.attempts).where(
    Job.id == bindparam("job_id")
)
_HOLDERS = select(Job.claimed_by).where(Job.state == "running").distinct()
_RELEASE = (
    update(Job)
    .where(Job.state == "running", Job.claimed_by.in_(bindparam("holders", expanding=True)))
    .values(state="queued", run_after=bindparam("now"), claimed_by=None, claimed_at=None)
    .returning(Job.site)
)


class JobQueue:
    """The jobs of both sites, in the order they were queued."""

    def __init__(self, database: Database, lease: timedelta = LEASE) -> None:
        """``lease``: how long a claimed job stays its worker's before another may take it."""
        self._database = database
        self._lease = lease
        self._claim = _claim_statement(skip_locked=database.engine.dialect.name == "postgresql")

    @staticmethod
    def add(executor: Executor, site: str, batch_id: int, now: datetime) -> None:
        """Queue the job of a batch, due at once, in the caller's write transaction."""
        connection_of(executor).execute(
            _ADD_JOB,
            {
                "site": site,
                "batch_id": batch_id,
                "state": "queued",
                "run_after": now,
                "attempts": 0,
            },
        )

    def claim(
        self, worker: str, now: datetime, wall: datetime, numbers: Mapping[str, int]
    ) -> ClaimedJob | None:
        """Take the oldest job due at ``now`` (simulated), or one whose lease ran out by
        ``wall`` (real time); ``None`` if there is none.

        The same transaction reserves ``numbers`` of the job's site's counters.
        """
        moment = {"now": now, "wall": wall, "stale": wall - self._lease, "worker": worker}
        # Looked for first with a read: most looks of an idle worker find nothing, and a write
        # transaction would queue them among the writers of every request for nothing.
        with self._database.glance() as connection:
            if connection.execute(_CLAIMABLE, moment).first() is None:
                return None
        with self._database.transaction() as session:
            row = session.connection().execute(self._claim, moment).first()
            if row is None:
                return None
            blocks = NumberBlocks(self._database, row.site)
            blocks.reserve_in(session, numbers)
        return ClaimedJob(row.id, row.site, row.batch_id, row.attempts, worker, blocks)

    def load(self, job: ClaimedJob) -> JobBatch:
        """The job's batch, provider, uploader and files, in two queries."""
        with self._database.connected() as connection:
            found = connection.execute(_JOB_BATCH, {"batch_id": job.batch_id}).first()
            if found is None:
                raise LookupError(f"batch {job.batch_id} is gone")
            files = connection.execute(_JOB_FILES, {"batch_id": job.batch_id}).all()
        named = tuple((str(name), str(key)) for name, key in files)
        return JobBatch(*found, files=named)

    @staticmethod
    def finish(executor: Executor, job: ClaimedJob, status: str, report: dict[str, Any]) -> None:
        """Record the batch's status and report and end the job, in the caller's write
        transaction; raises :class:`LostClaimError` if another worker took the job meanwhile."""
        connection = connection_of(executor)
        connection.execute(
            _BATCH_ANSWERED, {"batch_id": job.batch_id, "status": status, "report": report}
        )
        finished = connection.execute(_JOB_DONE, {"job_id": job.job_id, "worker": job.worker})
        if not getattr(finished, "rowcount", 0):
            raise LostClaimError(job.job_id)

    def fate(self, job: ClaimedJob) -> Fate:
        """Whether ``job`` is still its worker's, was taken by another, or is gone.

        Another worker's claim counts one more attempt. A row under the same ID that has no
        more attempts is a new job: SQLite hands a wiped row's ID (and its batch's) to the
        next row.
        """
        with self._database.connected() as connection:
            row = connection.execute(_JOB_HOLDER, {"job_id": job.job_id}).first()
        if row is None or row.batch_id != job.batch_id:
            return Fate.GONE
        if row.state == "running" and row.claimed_by == job.worker:
            return Fate.HELD
        return Fate.TAKEN if row.attempts > job.attempts else Fate.GONE

    def release(self, abandoned: Callable[[str], bool], now: datetime) -> Counter[str]:
        """Queue again, due at ``now``, the running jobs of the holders ``abandoned`` says are
        gone, without waiting out their lease; how many per site.

        Only a read unless some holder is gone: every worker asks every few seconds.
        """
        with self._database.connected() as connection:
            holders = [name for name in connection.scalars(_HOLDERS) if name is not None]
        gone = [name for name in holders if abandoned(name)]
        if not gone:
            return Counter()
        with self._database.transaction() as session:
            sites = session.connection().scalars(_RELEASE, {"holders": gone, "now": now})
            return Counter(sites)

    def fail(self, job: ClaimedJob, error: Exception, now: datetime) -> None:
        """Queue the job again a little after ``now``; after ``MAX_ATTEMPTS`` it stays failed."""
        final = job.attempts >= MAX_ATTEMPTS
        with self._database.transaction() as session:
            session.connection().execute(
                _JOB_FAILED.values(
                    state="failed" if final else "queued",
                    run_after=now + RETRY_AFTER,
                    last_error=f"{type(error).__name__}: {error}"[:MAX_ERROR_TEXT],
                ),
                {"job_id": job.job_id},
            )
