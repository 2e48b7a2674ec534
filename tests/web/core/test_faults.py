"""Fault rules act on CORE calls as on the API's, and the journal names the rule that fired."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from posc_sim_fixtures.x12_builders import Submitter, build_270, build_837p
from tests.web.core.helpers import PROVIDER, fields, soap_call
from tests.web.helpers import create_user
from tests.web.test_business import ACTIVE
from tests.web.test_faults import add_fault

CLAIMS = "X12_837_Request_005010X222A1"


@pytest.fixture(autouse=True)
def gina(client: FlaskClient) -> str:
    create_user(client, "test", "GINA01", providers=[PROVIDER])
    return "GINA01"


def journal(client: FlaskClient, operation: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = client.get(
        f"/_sim/v1/journal?site=test&operation={operation}"
    ).get_json()["entries"]
    return entries


def submit(client: FlaskClient) -> Any:
    payload = build_837p(Submitter("SUB000001"))
    values = fields(CLAIMS, payload=payload)
    return soap_call(
        client, "test", "BatchSubmitTransaction", values, user_id="GINA01", payload=payload
    )


def test_a_lockout_fault_locks_through_core(client: FlaskClient) -> None:
    rule = add_fault(client, site="test", operation="login", action={"type": "lockout"})
    answer = submit(client)
    assert (answer.status, answer.error_code) == (401, "UnAuthorized")
    assert "suspended" in answer.error_message
    [entry] = journal(client, "login")
    assert (entry["outcome"], entry["fault_id"], entry["user_id"]) == (
        "account_locked",
        rule["id"],
        "GINA01",
    )


def test_an_upload_fault_without_tracking_number(client: FlaskClient) -> None:
    rule = add_fault(
        client, site="test", operation="upload", action={"type": "omit_tracking_number"}
    )
    answer = submit(client)
    assert (answer.error_code, answer.error_message) == ("Success", "")
    [entry] = journal(client, "upload")
    assert (entry["fault_id"], entry["tracking_number"]) == (rule["id"], None)


def test_an_oversize_fault_refuses_the_submission(client: FlaskClient) -> None:
    add_fault(client, site="test", operation="upload", action={"type": "reject_oversize"})
    answer = submit(client)
    assert (answer.status, answer.error_code) == (413, "PayloadLengthIllegal")


def test_a_delayed_real_time_request_still_answers(client: FlaskClient) -> None:
    add_fault(client, site="test", operation="any", action={"type": "delay", "ms": 300})
    started = time.monotonic()
    answer = soap_call(
        client,
        "test",
        "RealTimeTransaction",
        fields("X12_270_Request_005010X279A1", mode="RealTime"),
        user_id="GINA01",
        payload=build_270(Submitter("SUB000001"), members=[ACTIVE]),
    )
    assert time.monotonic() - started >= 0.3
    assert answer.error_code == "Success"
    assert answer.fields["PayloadType"] == "X12_271_Response_005010X279A1"


def test_every_core_call_is_journaled_with_its_provider(client: FlaskClient) -> None:
    answer = submit(client)
    [entry] = journal(client, "upload")
    assert (entry["outcome"], entry["provider_id"], entry["tracking_number"], entry["status"]) == (
        "ok",
        PROVIDER,
        answer.error_message,
        200,
    )
