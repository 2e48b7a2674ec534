"""The services one process shares: settings, database, file store and clock.

Built once per process (the server's parent and each worker build their own, after the
fork), and handed to the site apps, the control app and the CLI commands.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import OperationalError

from simulator.clock import Clock
from simulator.errors import UnavailableError
from simulator.faults.service import FaultService
from simulator.hashing import SecretHasher
from simulator.meter import Meter
from simulator.portal.access import AccountService
from simulator.portal.batches import BatchService
from simulator.portal.certification import CertificationService
from simulator.portal.files import FileService
from simulator.portal.journal import Journal
from simulator.portal.processing import Processor
from simulator.portal.realtime import RealtimeService
from simulator.portal.sessions import SessionService
from simulator.settings import Settings, SettingsError
from simulator.store.blobs import BlobStore
from simulator.store.claims import ClaimBook
from simulator.store.counters import CounterStore
from simulator.store.database import Database
from simulator.store.database_blobs import DatabaseBlobStore
from simulator.store.marker import ChangeMarker
from simulator.store.members import Roster
from simulator.store.migrate import upgrade
from simulator.store.models import SERVER_STATE_ID, ServerState
from simulator.store.sessions import SessionRows

# Held while a host makes the server state or seeds a site, so hosts starting together on one
# database do it once.
SETUP_LOCK = "posc-sim setup"


@dataclass
class Runtime:
    settings: Settings
    database: Database
    blobs: BlobStore
    clock: Clock
    hasher: SecretHasher
    accounts: AccountService
    batches: BatchService
    files: FileService
    journal: Journal
    meter: Meter
    processor: Processor
    realtime: RealtimeService
    faults: FaultService
    certification: CertificationService
    sessions: SessionService

    @classmethod
    def open(cls, settings: Settings) -> Runtime:
        database = Database(settings.resolved_database_url, settings.threads)
        # Beside the SQLite file, which every process using it can see. Other databases may be
        # shared by several hosts, which a file cannot tell: there nothing is kept.
        marker = ChangeMarker(Path(f"{database.file}.state-changed")) if database.file else None
        clock = Clock(database, marker=marker)
        hasher = SecretHasher(settings.password_hash_method)
        blobs = _blob_store(settings, database)
        faults = FaultService(database, clock, marker)
        meter = Meter(CounterStore(database))
        journal = Journal(
            database,
            clock,
            meter,
            enabled=settings.journal_enabled,
            max_entries=settings.journal_max_entries,
        )
        certification = CertificationService(database, clock, settings)
        processor = Processor(
            database, clock, blobs, settings, faults, journal, meter, certification
        )
        batches = BatchService(
            database, clock, blobs, settings.site, faults, certification, processor.wake.set
        )
        return cls(
            settings=settings,
            database=database,
            blobs=blobs,
            clock=clock,
            hasher=hasher,
            accounts=AccountService(database, clock, hasher, settings.site, faults),
            batches=batches,
            files=FileService(database, clock, blobs, settings.site),
            journal=journal,
            meter=meter,
            processor=processor,
            realtime=RealtimeService(
                database, clock, settings.site, faults, Roster(database), ClaimBook(database)
            ),
            faults=faults,
            certification=certification,
            sessions=SessionService(SessionRows(database), clock, settings.site),
        )

    def prepare_storage(self) -> None:
        """Create the data directory, apply migrations and make the server-state row."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.settings.blob_dir.mkdir(parents=True, exist_ok=True)
        try:
            upgrade(self.database.engine)
        except OperationalError as error:  # unreachable server, wrong password, no database
            raise SettingsError(_unusable_database(self.database, error)) from None
        except UnavailableError as error:  # a server that is full or starting up
            raise SettingsError(f"database_url: {error.message}") from None
        with self.database.exclusive(SETUP_LOCK) as session:
            if session.get(ServerState, SERVER_STATE_ID) is None:
                session.add(
                    ServerState(
                        id=SERVER_STATE_ID,
                        clock_offset_seconds=0.0,
                        secret_key=secrets.token_hex(32),
                    )
                )

    def secret_key(self) -> str:
        with self.database.reading() as session:
            state = session.get(ServerState, SERVER_STATE_ID)
            if state is None:
                raise RuntimeError("storage is not prepared; call prepare_storage() first")
            return state.secret_key

    def close(self) -> None:
        self.meter.close()
        self.database.dispose()


def _blob_store(settings: Settings, database: Database) -> BlobStore:
    """Files in the data directory with SQLite; in the database itself with PostgreSQL, where
    several hosts share one database and each must reach every file."""
    if database.engine.dialect.name == "postgresql":
        return DatabaseBlobStore(database, settings.blob_dir)
    return BlobStore(settings.blob_dir, sync=settings.sync_files)


def _unusable_database(database: Database, error: OperationalError) -> str:
    """One line naming the key, the database (without its password) and the driver's reason."""
    where = database.engine.url.render_as_string(hide_password=True)
    reason = str(error.orig or error).strip().splitlines()[0]
    return f"database_url: cannot use {where}: {reason}"
