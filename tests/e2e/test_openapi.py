"""The OpenAPI document is served, and generated requests against it find no server error."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.server
FUZZ_SECONDS = 60
SEED = "20261122"  # a fixed seed: the same requests every run, so CI does not flicker


def test_schemathesis_finds_no_server_error(
    live_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    server = live_server("--workers", "2")
    document = requests.get(f"{server.url}/_sim/v1/openapi.json", timeout=10).json()
    assert document["openapi"].startswith("3.1")
    assert "/{site}/api/v1/batches" in document["paths"]
    command = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert command, "schemathesis is a development dependency"
    result = subprocess.run(
        [
            command,
            "run",
            f"{server.url}/_sim/v1/openapi.json",
            "--url",
            server.url,
            "--checks",
            "not_a_server_error",
            "--auth",
            "DEMOMASTER:Welcome#2026",
            "--max-time",
            str(FUZZ_SECONDS),
            "--exclude-path",
            "/_sim/v1/reset",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=FUZZ_SECONDS + 120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "passed" in result.stdout
