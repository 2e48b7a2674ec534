"""The portal and processing faults, each against the real multi-process server."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from posc_sim_fixtures.x12_builders import Submitter, build_270
from tests.e2e.conftest import LiveServer, add_user
from tests.web.helpers import PASSWORD

pytestmark = pytest.mark.server
USER = ("CATALOG", PASSWORD)
INQUIRY = build_270(Submitter("SUB000001"))
WAIT_SECONDS = 20


class Partner:
    """A small client of one live server, on the test site."""

    def __init__(self, server: LiveServer) -> None:
        self.url = server.url
        add_user(server, "test", USER[0])

    def fault(self, **rule: Any) -> None:
        requests.post(
            f"{self.url}/_sim/v1/faults", json={"site": "test", "times": 1, **rule}, timeout=10
        ).raise_for_status()

    def me(self) -> requests.Response:
        return requests.get(f"{self.url}/test/api/v1/me", auth=USER, timeout=10)

    def upload(self) -> requests.Response:
        return requests.post(
            f"{self.url}/test/api/v1/batches",
            auth=USER,
            timeout=30,
            data={"provider_id": "110048577A", "transaction_type": "270"},
            files={"files": ("inquiry.270", INQUIRY)},
        )

    def final(self, number: str, *, until: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_SECONDS
        status: dict[str, Any] = {}
        while time.monotonic() < deadline:
            status = requests.get(
                f"{self.url}/test/api/v1/batches/{number}", auth=USER, timeout=10
            ).json()
            if until(status):
                break
            time.sleep(0.2)
        return status

    def content(self, status: dict[str, Any], kind: str) -> str:
        found = next(f for f in status["response_files"] if f["transaction_type"] == kind)
        return requests.get(
            f"{self.url}/test/api/v1/files/{found['file_id']}", auth=USER, timeout=10
        ).text


@pytest.fixture
def partner(live_server: Callable[..., LiveServer]) -> Partner:
    return Partner(live_server("--workers", "2"))


def has_files(status: dict[str, Any]) -> bool:
    return bool(status.get("response_files"))


def test_account_faults(partner: Partner) -> None:
    partner.fault(operation="login", action={"type": "force_password_change"})
    assert partner.me().json()["error"]["code"] == "password_change_required"
    requests.post(
        f"{partner.url}/_sim/v1/users/test/CATALOG/password",
        json={"password": PASSWORD},
        timeout=10,
    )
    requests.post(
        f"{partner.url}/test/api/v1/password",
        auth=USER,
        timeout=10,
        json={"current_password": PASSWORD, "new_password": "Changed#2026"},
    )
    partner.fault(operation="profile", action={"type": "session_expired"})
    expired = requests.get(
        f"{partner.url}/test/api/v1/me", auth=("CATALOG", "Changed#2026"), timeout=10
    )
    assert expired.json()["error"]["code"] == "session_expired"
    partner.fault(operation="login", action={"type": "lockout"})
    locked = requests.get(
        f"{partner.url}/test/api/v1/me", auth=("CATALOG", "Changed#2026"), timeout=10
    )
    assert (locked.status_code, locked.json()["error"]["code"]) == (423, "account_locked")


def test_upload_faults(partner: Partner) -> None:
    partner.fault(operation="upload", action={"type": "reject_oversize"})
    assert partner.upload().json()["error"]["code"] == "upload_too_large"
    partner.fault(operation="upload", action={"type": "omit_tracking_number"})
    assert partner.upload().json()["tracking_number"] is None
    first = partner.upload().json()["tracking_number"]
    partner.fault(operation="upload", action={"type": "duplicate_tracking_number"})
    assert partner.upload().json()["tracking_number"] == first
    partner.fault(operation="any", action={"type": "maintenance"})
    assert partner.me().status_code == 503


def test_processing_faults(partner: Partner) -> None:
    partner.fault(operation="process", action={"type": "reject_999"})
    rejected = partner.final(partner.upload().json()["tracking_number"], until=has_files)
    assert "AK9*R" in partner.content(rejected, "999")
    partner.fault(operation="process", action={"type": "ta1_reject", "note_code": "014"})
    refused = partner.final(partner.upload().json()["tracking_number"], until=has_files)
    assert "*R*014~" in partner.content(refused, "TA1")
    partner.fault(operation="process", action={"type": "corrupt_response"})
    corrupt = partner.final(partner.upload().json()["tracking_number"], until=has_files)
    assert "~" not in partner.content(corrupt, "999")
    partner.fault(operation="process", action={"type": "drop_response"})
    dropped = partner.final(
        partner.upload().json()["tracking_number"], until=lambda s: s.get("status") == "processing"
    )
    assert (dropped["status"], dropped["response_files"]) == ("processing", [])
    partner.fault(operation="process", action={"type": "delay_response", "seconds": 86400})
    number = partner.upload().json()["tracking_number"]
    partner.final(number, until=lambda s: s.get("status") != "received")
    assert partner.final(number, until=has_files)["response_files"] == []
    requests.post(f"{partner.url}/_sim/v1/clock", json={"advance": "P1DT1M"}, timeout=10)
    assert partner.final(number, until=has_files)["response_files"]
