"""The Locust suite loads, and a short headless run against a live server has no failures.

Locust is only ever run as a subprocess: importing it here would let gevent monkey-patch the
standard library under pytest. No test here judges speed, only that the run works.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import LiveServer

ROOT = Path(__file__).resolve().parents[2]
USER_CLASSES = {"Uploader", "Poller", "Downloader", "WebUser", "TradingPartnerDay", "CoreUser"}
SUBPROCESS_TIMEOUT = 180


def locust(*args: str) -> subprocess.CompletedProcess[str]:
    """Locust from the project root (how the suite imports itself), with none of our variables."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POSC_SIM_")}
    return subprocess.run(
        [sys.executable, "-m", "locust", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )


def test_the_load_test_modules_import() -> None:
    modules = (
        "loadtests.locustfile, loadtests.users, loadtests.shapes, loadtests.bench, "
        "loadtests.bench_databases"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import {modules}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "locustfiles", ["loadtests/locustfile.py", "loadtests/locustfile.py,loadtests/shapes.py"]
)
def test_locust_finds_every_user_class(locustfiles: str) -> None:
    result = locust("-f", locustfiles, "--list")
    assert result.returncode == 0, result.stderr
    listed = {line.strip() for line in result.stdout.splitlines()}
    assert listed >= USER_CLASSES, result.stdout


def test_the_core_locustfile_runs_only_the_core_user() -> None:
    result = locust("-f", "loadtests/core_locustfile.py", "--list")
    assert result.returncode == 0, result.stderr
    listed = {line.strip() for line in result.stdout.splitlines()} & USER_CLASSES
    assert listed == {"CoreUser"}, result.stdout


def final_stats(prefix: Path) -> dict[tuple[str, str], dict[str, str]]:
    with Path(f"{prefix}_final_stats.csv").open(newline="") as handle:
        return {(row["Type"], row["Name"]): row for row in csv.DictReader(handle)}


@pytest.mark.server
def test_a_short_headless_run_has_no_failures(
    live_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    server = live_server()
    prefix = tmp_path / "run"
    result = locust(
        "-f", "loadtests/locustfile.py", "--headless", "-u", "5", "-r", "5", "-t", "10s",
        "--host", server.url, "--only-summary", "--exit-code-on-error", "1",
        "--csv", str(prefix),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    stats = final_stats(prefix)
    assert stats[("", "Aggregated")]["Failure Count"] == "0"
    assert int(stats[("POST", "/[site]/api/v1/batches")]["Request Count"]) > 0
    assert int(stats[("X12", "upload to 999 available")]["Request Count"]) > 0
