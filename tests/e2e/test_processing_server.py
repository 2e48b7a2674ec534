"""Through the real server: an upload's 999 appears by itself, made by a background job."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests

from tests.e2e.conftest import LiveServer, add_user
from tests.samples import masshealth_shaped, sample
from tests.web.helpers import PASSWORD

pytestmark = pytest.mark.server
WAIT_SECONDS = 30


def test_the_999_for_an_upload_becomes_available_without_help(
    live_server: Callable[..., LiveServer],
) -> None:
    server = live_server("--workers", "2")
    add_user(server, "test", "POLL001")
    auth = ("POLL001", PASSWORD)
    data = masshealth_shaped(sample("pyx12/example834_5010.txt"), "T")
    upload = requests.post(
        f"{server.url}/test/api/v1/batches",
        auth=auth,
        data={"provider_id": "110048577A", "transaction_type": "834"},
        files={"files": ("enroll.834", data)},
        timeout=30,
    )
    assert upload.status_code == 201
    tracking = upload.json()["tracking_number"]
    deadline = time.monotonic() + WAIT_SECONDS
    status = {}
    while time.monotonic() < deadline:
        status = requests.get(
            f"{server.url}/test/api/v1/batches/{tracking}", auth=auth, timeout=10
        ).json()
        if status["status"] != "received":
            break
        time.sleep(0.2)
    assert status["status"] == "accepted"
    ack = next(f for f in status["response_files"] if f["transaction_type"] == "999")
    content = requests.get(
        f"{server.url}/test/api/v1/files/{ack['file_id']}", auth=auth, timeout=10
    )
    assert "AK9*A*1*1*1~" in content.text
