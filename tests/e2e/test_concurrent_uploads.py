"""Many clients uploading at once through several worker processes never share a number."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.conftest import LiveServer, add_user
from tests.web.helpers import PASSWORD

pytestmark = pytest.mark.server
UPLOADS = 40


def test_forty_simultaneous_uploads_get_distinct_findable_numbers(
    live_server: Callable[..., LiveServer],
) -> None:
    server = live_server("--workers", "3")
    add_user(server, "prod", "BUSY001")
    credentials = ("BUSY001", PASSWORD)

    def one_upload(index: int) -> tuple[str, str]:
        """The tracking number, and which worker process answered."""
        response = requests.post(
            f"{server.url}/prod/api/v1/batches",
            auth=credentials,
            data={"provider_id": "110048577A", "transaction_type": "276"},
            files={"files": (f"inquiry-{index}.txt", f"ISA*{index:05d}~".encode() * 200)},
            timeout=60,
        )
        assert response.status_code == 201, response.text
        return response.json()["tracking_number"], response.headers["X-POSC-Worker"]

    with ThreadPoolExecutor(max_workers=UPLOADS) as pool:
        results = list(pool.map(one_upload, range(UPLOADS)))
    numbers = [number for number, _ in results]
    assert len(set(numbers)) == UPLOADS
    for number in numbers:
        found = requests.get(
            f"{server.url}/prod/api/v1/batches/{number}", auth=credentials, timeout=10
        )
        assert found.status_code == 200
        assert found.json()["tracking_number"] == number
    control = requests.get(f"{server.url}/_sim/v1/batches/prod/{numbers[0]}", timeout=10).json()
    assert control["files"][0]["size"] == 10 * 200
