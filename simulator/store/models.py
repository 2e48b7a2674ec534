"""The tables. Every site-owned row carries its ``site`` so the two sites stay separate worlds.

The one exception is :class:`ServerState`: the simulated clock and the session signing key
belong to the whole server (CONTRACT §4: "one clock for the whole server").
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SITE_LENGTH = 4


# The one row of ``server_state``: the clock's offset, the secret key, the sweep counters.
SERVER_STATE_ID = 1


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database: SQLite would otherwise hand back naive values."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


Timestamp = UTCDateTime()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Organization(Base):
    """A trading partner: a provider organization or a billing intermediary."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH), index=True)
    name: Mapped[str] = mapped_column(String(120))

    users: Mapped[list[User]] = relationship(back_populates="organization")
    providers: Mapped[list[Provider]] = relationship(back_populates="organization")


class Provider(Base):
    """A MassHealth provider at one service location (PID/SL)."""

    __tablename__ = "providers"
    __table_args__ = (UniqueConstraint("site", "provider_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH))
    provider_id: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    npi: Mapped[str] = mapped_column(String(10))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))

    organization: Mapped[Organization | None] = relationship(back_populates="providers")


class User(Base):
    """A submitter account; ``security_level`` is ``master`` or ``user``."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("site", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH))
    user_id: Mapped[str] = mapped_column(String(32))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    security_level: Mapped[str] = mapped_column(String(8), default="user")
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime] = mapped_column(Timestamp)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_resets: Mapped[int] = mapped_column(Integer, default=0)
    first_name: Mapped[str] = mapped_column(String(60), default="")
    last_name: Mapped[str] = mapped_column(String(60), default="")
    company_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp)

    organization: Mapped[Organization | None] = relationship(back_populates="users")
    security_questions: Mapped[list[SecurityQuestion]] = relationship(
        back_populates="user", order_by="SecurityQuestion.position", cascade="all, delete-orphan"
    )
    providers: Mapped[list[Provider]] = relationship(
        secondary="user_providers", order_by="Provider.provider_id", viewonly=True
    )


class WebSession(Base):
    """A signed-in web session; the cookie carries its token, the row only the token's digest.

    The session exists while its row does: logout, idle expiry, a lockout, a password change
    and a reset delete it, so a saved copy of the cookie opens nothing afterwards.
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    last_seen_at: Mapped[datetime] = mapped_column(Timestamp)


class SecurityQuestion(Base):
    """One of a user's two questions; the answer is kept only as a salted slow hash."""

    __tablename__ = "security_questions"
    __table_args__ = (UniqueConstraint("user_pk", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH))
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(200))
    answer_hash: Mapped[str] = mapped_column(String(255))

    user: Mapped[User] = relationship(back_populates="security_questions")


class UserProvider(Base):
    """A grant: the user may act for the provider."""

    __tablename__ = "user_providers"

    site: Mapped[str] = mapped_column(String(SITE_LENGTH))
    user_pk: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    provider_pk: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True
    )


class Batch(Base):
    """One upload: one tracking number, however many files it carried."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("site", "tracking_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH))
    tracking_number: Mapped[str] = mapped_column(String(20))
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"))
    provider_pk: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    transaction_type: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20), default="received")
    received_at: Mapped[datetime] = mapped_column(Timestamp)
    total_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    files: Mapped[list[BatchFile]] = relationship(
        back_populates="batch", order_by="BatchFile.position", cascade="all, delete-orphan"
    )


class BatchFile(Base):
    """A file of an upload (a zip contributes one row per member)."""

    __tablename__ = "batch_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    blob_key: Mapped[str] = mapped_column(String(255))

    batch: Mapped[Batch] = relationship(back_populates="files")


class ResponseFile(Base):
    """A file in a provider's download list: an acknowledgement, a response or an outbound file."""

    __tablename__ = "response_files"
    __table_args__ = (
        UniqueConstraint("site", "file_id"),
        # The download page's default order: files not yet downloaded first, oldest first.
        Index(
            "ix_response_files_listing", "site", "provider_pk", "downloaded", "available_at", "id"
        ),
        Index(
            "ix_response_files_by_type", "site", "provider_pk", "transaction_type", "available_at"
        ),
        # A batch's files, read by every status poll: batch IDs are unique across sites, so the
        # batch alone leads (an index led by the site served no query that names only the batch).
        Index("ix_response_files_batch", "batch_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH))
    file_id: Mapped[str] = mapped_column(String(20))
    provider_pk: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(120))
    transaction_type: Mapped[str] = mapped_column(String(8))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    blob_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    available_at: Mapped[datetime] = mapped_column(Timestamp)
    last_downloaded_at: Mapped[datetime | None] = mapped_column(Timestamp)
    downloaded: Mapped[bool] = mapped_column(Boolean, default=False)


class Job(Base):
    """A durable unit of processing work, claimed by one worker process at a time."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_ready", "state", "run_after"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(12), default="queued")
    run_after: Mapped[datetime] = mapped_column(Timestamp)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    last_error: Mapped[str | None] = mapped_column(Text)


class JournalEntry(Base):
    """What happened, in order: one row per request of either site and per processing job."""

    __tablename__ = "journal"
    __table_args__ = (Index("ix_journal_site_seq", "site", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(Timestamp)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH))
    operation: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str | None] = mapped_column(String(32))
    provider_id: Mapped[str | None] = mapped_column(String(10))
    tracking_number: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(40))
    fault_id: Mapped[str | None] = mapped_column(String(40))
    # The way in (web, api, core); none for processing jobs and entries older than the column.
    channel: Mapped[str | None] = mapped_column(String(8))


class FaultRule(Base):
    """An injected fault (CONTRACT §5); ``site`` is ``None`` for a rule on both sites."""

    __tablename__ = "fault_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(40), unique=True)
    site: Mapped[str | None] = mapped_column(String(SITE_LENGTH))
    operation: Mapped[str] = mapped_column(String(20))
    match: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    action: Mapped[dict[str, Any]] = mapped_column(JSON)
    probability: Mapped[float | None] = mapped_column(Float)
    times: Mapped[int | None] = mapped_column(Integer)
    after: Mapped[int | None] = mapped_column(Integer)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    fired: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Member(Base):
    """A MassHealth member on a site's roster: what a 270 asks about and an 837 bills for."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("site", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH))
    member_id: Mapped[str] = mapped_column(String(20))
    first_name: Mapped[str] = mapped_column(String(60))
    last_name: Mapped[str] = mapped_column(String(60))
    birth_date: Mapped[date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(12))
    plan: Mapped[str] = mapped_column(String(80))
    coverage_start: Mapped[date] = mapped_column(Date)
    coverage_end: Mapped[date | None] = mapped_column(Date)


class Claim(Base):
    """A claim the site accepted from an 837; 276 inquiries and 835 remittances read it."""

    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("site", "claim_number"),
        Index("ix_claims_lookup", "site", "provider_pk", "patient_control_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH))
    claim_number: Mapped[str] = mapped_column(String(30))
    provider_pk: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    patient_control_number: Mapped[str] = mapped_column(String(38))
    member_id: Mapped[str] = mapped_column(String(80))
    charge: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    paid: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    service_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    received_at: Mapped[datetime] = mapped_column(Timestamp)


class Certification(Base):
    """An organization's testing standing for one transaction type (CONTRACT §9).

    Kept on the site where testing happens, keyed by the organization's name, which is the
    same on both sites. ``passes`` is the run of accepted test files in a row before
    certification; ``set_by`` is ``testing`` or ``customer_services`` (a status set by hand).
    """

    __tablename__ = "certifications"
    __table_args__ = (UniqueConstraint("site", "organization", "transaction_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH))
    organization: Mapped[str] = mapped_column(String(120))
    transaction_type: Mapped[str] = mapped_column(String(8))
    passes: Mapped[int] = mapped_column(Integer, default=0)
    certified_at: Mapped[datetime | None] = mapped_column(Timestamp)
    set_by: Mapped[str] = mapped_column(String(20), default="testing")
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class CertificationEvidence(Base):
    """One test file's outcome, as its processing job judged it; the report's timeline."""

    __tablename__ = "certification_evidence"
    __table_args__ = (
        Index("ix_certification_evidence_lookup", "site", "organization", "transaction_type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH))
    organization: Mapped[str] = mapped_column(String(120))
    transaction_type: Mapped[str] = mapped_column(String(8))
    tracking_number: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(Timestamp)
    judged_at: Mapped[datetime] = mapped_column(Timestamp)
    outcome: Mapped[str] = mapped_column(String(24))
    counted: Mapped[bool] = mapped_column(Boolean)
    finding: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Sequence(Base):
    """A per-site counter (tracking numbers, file IDs, claim and X12 control numbers)."""

    __tablename__ = "sequences"

    site: Mapped[str] = mapped_column(String(SITE_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class BlobChunk(Base):
    """A piece of a file's bytes, where the files live in the database (PostgreSQL: every host
    reaches them). A file is its chunks in ``seq`` order, each at most a megabyte."""

    __tablename__ = "blob_chunks"

    blob_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class SiteState(Base):
    """How a site was last seeded; its presence means the site is ready to serve."""

    __tablename__ = "site_state"

    site: Mapped[str] = mapped_column(String(SITE_LENGTH), primary_key=True)
    dataset: Mapped[str] = mapped_column(String(20))
    seed: Mapped[int] = mapped_column(BigInteger)
    seeded_at: Mapped[datetime] = mapped_column(Timestamp)


class ServerState(Base):
    """The one row of server-wide state: the simulated clock, the session signing key, and
    how many orphaned files the sweeps removed (for the metrics)."""

    __tablename__ = "server_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clock_offset_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    clock_frozen_at: Mapped[datetime | None] = mapped_column(Timestamp)
    secret_key: Mapped[str] = mapped_column(String(128))
    orphan_blobs_removed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    orphan_temporary_removed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class MetricCounter(Base):
    """A monotonic counter shared by every worker and host; ``labels`` is canonical text.

    Never wiped by a reset: a Prometheus counter must not go backwards.
    """

    __tablename__ = "metric_counters"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    labels: Mapped[str] = mapped_column(String(400), primary_key=True)
    value: Mapped[float] = mapped_column(Float, default=0.0)
