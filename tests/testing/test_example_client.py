"""The example of docs/in-process.md, which is itself a test: a client tested with no server.

The first half is a trading partner's client as it would be in their own code base: plain
``requests``, HTTP Basic, retries on 502/503/504 after the Retry-After the server asks for.
The second half tests it under ``mock_posc``: no server, no network.
"""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from posc_sim_fixtures.datasets import DEMO_ACCOUNTS
from posc_sim_fixtures.factories import DEFAULT_PASSWORD
from posc_sim_fixtures.members import DOCUMENTED_REQUEST_MEMBERS
from posc_sim_fixtures.x12_builders import Submitter, build_270
from simulator.testing.mock import mock_posc
from simulator.testing.server import SimulatorServer

# -- the trading partner's client ---------------------------------------------------------------

FINAL_STATUSES = {"accepted", "partially_accepted", "rejected"}
RETRY_STATUSES = {502, 503, 504}
ATTEMPTS = 5
POLLS = 60
POLL_SECONDS = 5.0
Sleep = Callable[[float], None]


def call(
    method: str, url: str, auth: tuple[str, str], sleep: Sleep, **kwargs: Any
) -> requests.Response:
    """One API call; a 502, 503 or 504 is tried again after its Retry-After (or a second)."""
    for _ in range(ATTEMPTS):
        response = requests.request(method, url, auth=auth, timeout=30, **kwargs)
        if response.status_code not in RETRY_STATUSES:
            response.raise_for_status()
            return response
        sleep(float(response.headers.get("Retry-After", "1")))
    raise RuntimeError(f"{method} {url}: still unavailable after {ATTEMPTS} tries")


def send_and_fetch_999(
    site_url: str,
    auth: tuple[str, str],
    provider_id: str,
    transaction_type: str,
    name: str,
    content: bytes,
    sleep: Sleep = time.sleep,
) -> bytes:
    """Upload one file, keep its tracking number, poll until the batch is final, get the 999."""
    fields = {"provider_id": provider_id, "transaction_type": transaction_type}
    receipt = call(
        "POST",
        f"{site_url}/api/v1/batches",
        auth,
        sleep,
        data=fields,
        files={"files": (name, content)},
    )
    tracking_number = receipt.json()["tracking_number"]
    for _ in range(POLLS):
        batch = call("GET", f"{site_url}/api/v1/batches/{tracking_number}", auth, sleep).json()
        if batch["status"] in FINAL_STATUSES:
            ack = next(f for f in batch["response_files"] if f["transaction_type"] == "999")
            return call("GET", f"{site_url}/api/v1/files/{ack['file_id']}", auth, sleep).content
        sleep(POLL_SECONDS)
    raise RuntimeError(f"batch {tracking_number} was not answered in time")


# -- its tests, with the simulator in process ---------------------------------------------------

SITE_URL = "https://posc.example.test/test"
AUTH = ("ALICE01", "Secret#123")
PROVIDER = "110048577A"
MARY = DOCUMENTED_REQUEST_MEMBERS[0]  # active coverage
INQUIRY = build_270(
    Submitter("SUB000001", provider_id=PROVIDER, usage_indicator="T"), members=[MARY]
)


def test_the_client_retries_a_503_and_gets_its_999() -> None:
    with mock_posc() as posc:
        posc.create_user("test", *AUTH, providers=[PROVIDER])
        posc.add_fault(
            {
                "site": "test",
                "operation": "upload",
                "action": {"type": "error", "status": 503, "retry_after": 2},
                "times": 1,
            }
        )
        waits: list[float] = []
        ack = send_and_fetch_999(
            SITE_URL, AUTH, PROVIDER, "270", "inquiry.270", INQUIRY, waits.append
        )
        outcomes = [entry["outcome"] for entry in posc.journal(site="test", operation="upload")]

    assert ack.startswith(b"ISA")
    assert b"AK9*A*1*1*1~" in ack
    assert waits == [2.0]
    assert outcomes == ["fault:error", "ok"]


def test_without_auto_process_the_batch_waits_for_process_jobs() -> None:
    with mock_posc(auto_process=False) as posc:
        posc.create_user("test", *AUTH, providers=[PROVIDER])
        receipt = requests.post(
            f"{SITE_URL}/api/v1/batches",
            auth=AUTH,
            data={"provider_id": PROVIDER, "transaction_type": "270"},
            files={"files": ("inquiry.270", INQUIRY)},
            timeout=30,
        ).json()
        status_url = f"{SITE_URL}/api/v1/batches/{receipt['tracking_number']}"
        before = requests.get(status_url, auth=AUTH, timeout=30).json()["status"]
        assert posc.process_jobs() == 1
        after = requests.get(status_url, auth=AUTH, timeout=30).json()["status"]
    assert (before, after) == ("received", "accepted")


def test_a_reset_connection_fault_is_a_connection_error() -> None:
    with mock_posc() as posc:
        posc.create_user("test", *AUTH, providers=[PROVIDER])
        posc.add_fault(
            {"site": "test", "operation": "profile", "action": {"type": "reset_connection"}}
        )
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{SITE_URL}/api/v1/me", auth=AUTH, timeout=30)


MOCK = mock_posc(dataset="demo", seed=1)
DEMO = next(account for account in DEMO_ACCOUNTS if account.user_id == "DEMOMASTER")


@MOCK
def test_as_a_decorator_the_web_pages_keep_their_session() -> None:
    """A screen-driving client: the session cookie and the form's CSRF token round-trip."""
    assert MOCK.simulator.journal(operation="login") == []
    with requests.Session() as browser:
        form = browser.get(f"{SITE_URL}/login", timeout=30)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text)
        assert token is not None
        welcome = browser.post(
            f"{SITE_URL}/login",
            data={"user_id": DEMO.user_id, "password": DEFAULT_PASSWORD, "csrf_token": token[1]},
            headers={"Referer": f"{SITE_URL}/login"},  # as a browser sends it over HTTPS
            timeout=30,
        )
    assert welcome.url == f"{SITE_URL}/welcome"
    assert "Upload Batch File" in welcome.text
    assert welcome.headers["X-POSC-Site"] == "test"


@pytest.mark.server
def test_other_urls_pass_through_to_the_network(posc_sim_server: SimulatorServer) -> None:
    with mock_posc():
        answer = requests.get(f"{posc_sim_server.control_url}/ready", timeout=10)
    assert answer.json() == {"status": "ready"}


DOC = Path(__file__).resolve().parents[2] / "docs" / "in-process.md"


@pytest.mark.parametrize(
    "example", [call, send_and_fetch_999, test_the_client_retries_a_503_and_gets_its_999]
)
def test_the_documentation_shows_the_example_as_it_is(example: Callable[..., Any]) -> None:
    assert inspect.getsource(example) in DOC.read_text(encoding="utf-8")
