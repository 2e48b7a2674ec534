"""Download-list search at a million response files: p50 and p99 of the main searches.

    python -m benchmarks.search [--files 1000000] [--providers 50] [--runs 200]

Fills a fresh SQLite database (in a temporary data directory) with response files spread
over providers and two years, then times the searches the download page and ``GET /files``
make, through the domain service, each against a random provider. The goal is p99 <= 25 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from posc_sim_fixtures.factories import NewUserFactory, provider_for_id
from simulator.control.seeding import seed_unseeded_sites
from simulator.portal.access import AccountView
from simulator.portal.accounts import add_provider, add_user
from simulator.portal.files import FileSearch
from simulator.runtime import Runtime
from simulator.settings import Settings
from simulator.store.models import Batch, ResponseFile

TYPES = ("999", "277CA", "835", "271", "277", "820", "834D")
CHUNK = 20_000


def fill(runtime: Runtime, files: int, providers: int, seed: int) -> list[str]:
    """Insert ``files`` rows directly (the benchmark is of reading, not of placing)."""
    chooser = random.Random(seed)
    now = runtime.clock.now()
    with runtime.database.transaction() as session:
        made = [
            add_provider(session, "prod", provider_for_id(f"{100000000 + i:09d}A"))
            for i in range(providers)
        ]
        user = NewUserFactory(user_id="BENCH01", security_level="master")
        owner = add_user(session, "prod", user, now=now, providers=made, hasher=runtime.hasher)
        batch_rows = [
            {
                "site": "prod",
                "tracking_number": str(200_000_000_000 + i),
                "user_pk": owner.id,
                "provider_pk": made[i % providers].id,
                "transaction_type": "837P",
                "status": "accepted",
                "received_at": now,
                "total_bytes": 1000,
            }
            for i in range(files // 4)
        ]
        session.execute(insert(Batch), batch_rows)
        provider_pks = [p.id for p in made]
    for start in range(0, files, CHUNK):
        rows = []
        for index in range(start, min(start + CHUNK, files)):
            age = timedelta(minutes=chooser.randrange(0, 2 * 365 * 24 * 60))
            downloaded = chooser.random() < 0.7
            rows.append(
                {
                    "site": "prod",
                    "file_id": str(index + 1),
                    "provider_pk": provider_pks[index % providers],
                    "batch_id": (index // 4) + 1 if index % 4 == 0 else None,
                    "file_name": f"{index:010d}",
                    "transaction_type": chooser.choice(TYPES),
                    "size": 1000,
                    "sha256": "0" * 64,
                    "blob_key": "none",
                    "created_at": now - age,
                    "available_at": now - age,
                    "downloaded": downloaded,
                    "last_downloaded_at": now - age / 2 if downloaded else None,
                }
            )
        with runtime.database.transaction() as session:
            session.execute(insert(ResponseFile), rows)
    with runtime.database.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    return [p.provider_id for p in made]


def timed(search: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        search()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--providers", type=int, default=50)
    parser.add_argument("--runs", type=int, default=200)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), password_hash_method="scrypt:1024:8:1")
        runtime = Runtime.open(settings)
        runtime.prepare_storage()
        seed_unseeded_sites(runtime, "empty", 1)
        started = time.perf_counter()
        provider_ids = fill(runtime, options.files, options.providers, seed=7)
        print(
            f"filled {options.files:,} files over {options.providers} providers "
            f"in {time.perf_counter() - started:.1f} s"
        )
        account: AccountView = runtime.accounts.account("prod", "BENCH01")
        chooser = random.Random(11)
        today = runtime.clock.now().date()

        def search(**criteria: object) -> Callable[[], object]:
            def run() -> object:
                provider = chooser.choice(provider_ids)
                return runtime.files.search(
                    account,
                    FileSearch(provider_id=provider, **criteria),  # type: ignore[arg-type]
                )

            return run

        cases = {
            "default list (new first, 100)": search(),
            "status=new": search(status="new"),
            "status=downloaded": search(status="downloaded"),
            "transaction_type=835": search(transaction_type="835"),
            "tracking number": search(tracking_number="200000000123"),
            "last 30 days": search(from_date=today - timedelta(days=30), to_date=today),
            "max_files=1000": search(max_files=1000),
        }
        print(f"{'search':<34}{'p50 ms':>10}{'p99 ms':>10}")
        for name, run in cases.items():
            p50, p99 = timed(run, options.runs)
            print(f"{name:<34}{p50:>10.2f}{p99:>10.2f}")
        runtime.close()


if __name__ == "__main__":
    main()
