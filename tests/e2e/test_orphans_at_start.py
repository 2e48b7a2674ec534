"""A server that starts on a data directory with orphans sweeps them before it serves."""

from __future__ import annotations

from collections.abc import Callable

import requests

from tests.e2e.conftest import LiveServer


def test_the_start_sweeps_orphans_and_counts_them(
    live_server: Callable[..., LiveServer],
) -> None:
    first = live_server()
    first.stop()
    folder = first.data_dir / "files" / "test" / "0f"
    folder.mkdir(parents=True, exist_ok=True)
    kept = set(folder.iterdir())  # the seeded files' blobs, which rows name
    orphans = [folder / ("a" * 32), folder / f".{'b' * 32}.tmp"]
    orphans[0].write_bytes(b"a blob whose row was never committed")
    orphans[1].write_bytes(b"half of an upload")
    again = live_server(
        "--data-dir", str(first.data_dir), env={"POSC_SIM_ORPHAN_GRACE_SECONDS": "0"}
    )
    assert set(folder.iterdir()) == kept
    metrics = requests.get(f"{again.control_url}/metrics", timeout=10).text
    assert 'posc_sim_orphans_removed_total{kind="blob"} 1.0' in metrics
    assert 'posc_sim_orphans_removed_total{kind="temporary"} 1.0' in metrics
