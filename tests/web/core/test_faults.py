"""Fault rules act on CORE calls as on the API's, and the journal names the rule that fired."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from posc_sim_fixtures.x12_builders import Submitter, build_270, build_837p
from tests.web.core.helpers import (
    PROVIDER,
    SOAP_TYPE,
    envelope,
    fields,
    read_soap,
    security,
    soap_call,
)
from tests.web.helpers import create_user, upload
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


def real_time(client: FlaskClient) -> Any:
    return soap_call(
        client,
        "test",
        "RealTimeTransaction",
        fields("X12_270_Request_005010X279A1", mode="RealTime"),
        user_id="GINA01",
        payload=build_270(Submitter("SUB000001"), members=[ACTIVE]),
    )


def test_a_delayed_real_time_request_still_answers(client: FlaskClient) -> None:
    rule = add_fault(
        client,
        site="test",
        operation="realtime",
        match={"channel": "core"},
        action={"type": "delay", "ms": 300},
    )
    started = time.monotonic()
    answer = real_time(client)
    assert time.monotonic() - started >= 0.3
    assert answer.error_code == "Success"
    assert answer.fields["PayloadType"] == "X12_271_Response_005010X279A1"
    [entry] = journal(client, "realtime")
    assert (entry["outcome"], entry["fault_id"]) == ("ok", rule["id"])


def test_a_503_on_core_only(client: FlaskClient) -> None:
    rule = add_fault(
        client,
        site="test",
        operation="upload",
        match={"channel": "core"},
        action={"type": "error", "status": 503, "retry_after": 2},
    )
    refused = client.post(
        "/test/core/soap",
        data=envelope(
            "BatchSubmitTransaction",
            fields(CLAIMS),
            base64.b64encode(b"ISA~").decode(),
            security("GINA01"),
        ),
        headers={"Content-Type": SOAP_TYPE},
    )
    answer = read_soap(refused)
    assert (answer.status, answer.error_code) == (503, "ServiceUnavailable")
    assert answer.fields["FaultCode"] == "soapenv:Receiver"
    assert refused.headers["Retry-After"] == "2"
    through_api = upload(client, "test", "GINA01", [(build_837p(Submitter("S1")), "a.837")])
    assert through_api.status_code == 201
    entries = journal(client, "upload")
    assert [(e["channel"], e["status"], e["fault_id"]) for e in entries] == [
        ("core", 503, rule["id"]),
        ("api", 201, None),
    ]


def test_a_rejecting_999_fault_answers_a_real_time_request_with_it(client: FlaskClient) -> None:
    add_fault(client, site="test", operation="realtime", action={"type": "reject_999"})
    answer = real_time(client)
    assert answer.error_code == "Success"
    assert answer.fields["PayloadType"] == "X12_999_Response_005010X231A1"
    assert answer.payload is not None
    assert b"IK5*R" in answer.payload


def test_every_core_call_is_journaled_with_its_provider(client: FlaskClient) -> None:
    answer = submit(client)
    [entry] = journal(client, "upload")
    assert (
        entry["channel"],
        entry["outcome"],
        entry["provider_id"],
        entry["tracking_number"],
        entry["status"],
    ) == ("core", "ok", PROVIDER, answer.error_message, 200)
