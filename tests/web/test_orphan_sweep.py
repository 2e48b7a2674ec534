"""The orphan sweep removes what a crashed process left, and only that, and counts it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from flask.testing import FlaskClient

from simulator.runtime import Runtime
from simulator.store.sweep import sweep_orphans
from tests.web.helpers import create_user, upload

HOUR = 3600.0


def aged(path: Path, seconds: float) -> Path:
    """``path``, last written ``seconds`` ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def orphan(root: Path, name: str, data: bytes, age: float) -> Path:
    path = root / "test" / "ab" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return aged(path, age)


def test_old_orphans_go_young_ones_and_named_blobs_stay(
    client: FlaskClient, runtime: Runtime
) -> None:
    create_user(client, "test", "ALICE01")
    kept = upload(client, "test", "ALICE01", [(b"ISA*00*kept~", "kept.txt")])
    assert kept.status_code == 201
    root = runtime.settings.blob_dir
    named = [p for p in root.rglob("*") if p.is_file()]
    for path in named:
        aged(path, 2 * HOUR)
    old_blob = orphan(root, "0" * 32, b"x" * 100, 2 * HOUR)
    old_temporary = orphan(root, f".{'1' * 32}.tmp", b"y" * 50, 2 * HOUR)
    young_blob = orphan(root, "2" * 32, b"z", 60)
    young_temporary = orphan(root, f".{'3' * 32}.tmp", b"w", 60)

    result = sweep_orphans(runtime.database, root, grace_seconds=HOUR)

    assert (result.blobs, result.temporary, result.bytes) == (1, 1, 150)
    assert not old_blob.exists()
    assert not old_temporary.exists()
    assert young_blob.exists()
    assert young_temporary.exists()
    assert all(path.exists() for path in named)
    metrics = client.get("/_sim/v1/metrics").get_data(as_text=True)
    assert 'posc_sim_orphans_removed_total{kind="blob"} 1.0' in metrics
    assert 'posc_sim_orphans_removed_total{kind="temporary"} 1.0' in metrics
    again = sweep_orphans(runtime.database, root, grace_seconds=0)
    assert (again.blobs, again.temporary) == (1, 1)  # the young ones, once past the grace
    assert all(path.exists() for path in named)
