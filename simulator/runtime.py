"""The services one process shares: settings, database, file store and clock.

Built once per process (the server's parent and each worker build their own, after the
fork), and handed to the site apps, the control app and the CLI commands.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from simulator.clock import SERVER_STATE_ID, Clock
from simulator.faults.service import FaultService
from simulator.meter import Meter
from simulator.portal.access import AccountService
from simulator.portal.batches import BatchService
from simulator.portal.files import FileService
from simulator.portal.journal import Journal
from simulator.portal.passwords import SecretHasher
from simulator.portal.processing import Processor
from simulator.portal.sessions import SessionService
from simulator.settings import Settings
from simulator.store.blobs import BlobStore
from simulator.store.counters import CounterStore
from simulator.store.database import Database
from simulator.store.marker import ChangeMarker
from simulator.store.migrate import upgrade
from simulator.store.models import ServerState
from simulator.store.sessions import SessionRows


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
    faults: FaultService
    sessions: SessionService

    @classmethod
    def open(cls, settings: Settings) -> Runtime:
        database = Database(settings.resolved_database_url)
        # Beside the SQLite file, which every process using it can see. Other databases may be
        # shared by several hosts, which a file cannot tell: there nothing is kept.
        marker = ChangeMarker(Path(f"{database.file}.state-changed")) if database.file else None
        clock = Clock(database, marker=marker)
        hasher = SecretHasher(settings.password_hash_method)
        blobs = BlobStore(settings.blob_dir, sync=settings.sync_files)
        faults = FaultService(database, clock, marker)
        meter = Meter(CounterStore(database))
        journal = Journal(
            database,
            clock,
            meter,
            enabled=settings.journal_enabled,
            max_entries=settings.journal_max_entries,
        )
        processor = Processor(database, clock, blobs, settings, faults, journal, meter)
        batches = BatchService(database, clock, blobs, settings.site, faults, processor.wake.set)
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
            faults=faults,
            sessions=SessionService(SessionRows(database), clock, settings.site),
        )

    def prepare_storage(self) -> None:
        """Create the data directory, apply migrations and make the server-state row."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.settings.blob_dir.mkdir(parents=True, exist_ok=True)
        upgrade(self.database.engine)
        with self.database.transaction() as session:
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
