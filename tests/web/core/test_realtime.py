"""Real-time 270 and 276 through CORE: answered inside the exchange, as batch files are."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from posc_sim_fixtures.x12_builders import Submitter, build_270, build_276, build_837p
from simulator.runtime import Runtime
from tests.unit.portal.test_realtime import batch_answer, segments, without_control_numbers
from tests.web.core.helpers import PROVIDER, Answer, fields, mime_call, soap_call
from tests.web.helpers import basic, create_user
from tests.web.test_business import ACTIVE, INACTIVE, PENDING, UNKNOWN, submitter, tagged

ELIGIBILITY = "X12_270_Request_005010X279A1"
CLAIM_STATUS = "X12_276_Request_005010X212"


@pytest.fixture(autouse=True)
def alice(client: FlaskClient, runtime: Runtime) -> str:
    for site in ("test", "prod"):
        create_user(client, site, "ALICE01", providers=[PROVIDER])
    runtime.clock.set(datetime(2026, 2, 3, 14, 30, tzinfo=UTC))
    runtime.clock.freeze(True)
    return "ALICE01"


def real_time(
    client: FlaskClient,
    site: str,
    payload: bytes,
    payload_type: str = ELIGIBILITY,
    way: str = "soap",
) -> Answer:
    values = fields(payload_type, mode="RealTime")
    if way == "mime":
        return mime_call(client, site, values, user_id="ALICE01", payload=payload)
    return soap_call(
        client, site, "RealTimeTransaction", values, user_id="ALICE01", payload=payload
    )


@pytest.mark.parametrize("way", ["soap", "mime"])
@pytest.mark.parametrize("site", ["test", "prod"])
def test_a_270_is_answered_with_a_271_for_the_documented_members(
    client: FlaskClient, site: str, way: str
) -> None:
    request = build_270(submitter(site), members=[ACTIVE, INACTIVE, PENDING, UNKNOWN])
    answer = real_time(client, site, request, way=way)
    assert answer.status == 200
    assert answer.error_code == "Success", answer.fields
    assert answer.fields["PayloadType"] == "X12_271_Response_005010X279A1"
    assert answer.fields["ProcessingMode"] == "RealTime"
    assert answer.payload is not None
    reply = segments(answer.payload)
    assert reply[0][15] == ("T" if site == "test" else "P")
    subscribers = [s[9] for s in tagged(reply, "NM1") if s[1] == "IL"]
    assert subscribers == [
        ACTIVE.member_id,
        INACTIVE.member_id,
        PENDING.member_id,
        UNKNOWN.member_id,
    ]


def test_the_real_time_answer_is_inline_cdata(client: FlaskClient) -> None:
    answer = real_time(client, "test", build_270(submitter("test"), members=[ACTIVE]))
    assert answer.content_type.startswith("application/soap+xml")
    assert answer.raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b"<Payload><![CDATA[ISA*" in answer.raw


def test_the_real_time_271_is_the_batch_271(client: FlaskClient, runtime: Runtime) -> None:
    request = build_270(submitter("test"), members=[ACTIVE, INACTIVE, UNKNOWN])
    batch = batch_answer(client, runtime, "test", request, "270")
    answer = real_time(client, "test", request)
    assert answer.payload is not None
    assert without_control_numbers(answer.payload) == without_control_numbers(batch)


@pytest.mark.parametrize("way", ["soap", "mime"])
@pytest.mark.parametrize("site", ["test", "prod"])
def test_a_276_is_answered_with_a_277(client: FlaskClient, site: str, way: str) -> None:
    answer = real_time(client, site, build_276(submitter(site)), CLAIM_STATUS, way=way)
    assert answer.error_code == "Success", answer.fields
    assert answer.fields["PayloadType"] == "X12_277_Response_005010X212"
    assert answer.payload is not None
    reply = segments(answer.payload)
    assert reply[0][15] == ("T" if site == "test" else "P")
    assert tagged(reply, "ST")[0][1] == "277"


def test_a_production_interchange_on_the_test_site_gets_its_ta1(client: FlaskClient) -> None:
    answer = real_time(client, "test", build_270(submitter("prod"), members=[ACTIVE]))
    assert answer.error_code == "Success"
    assert answer.fields["PayloadType"] == "X12_TA1_Response_00501X231A1"
    assert answer.payload is not None
    assert tagged(segments(answer.payload), "TA1")[0][5] == "020"


def test_a_claim_is_not_a_real_time_request(client: FlaskClient) -> None:
    claims = build_837p(Submitter("SUB000001"))
    answer = real_time(client, "test", claims, "X12_837_Request_005010X222A1")
    assert answer.error_code == "PayloadTypeIllegal"
    mislabeled = real_time(client, "test", claims)
    assert mislabeled.error_code == "PayloadIllegal"
    assert "837" in mislabeled.error_message


def test_a_real_time_request_keeps_nothing_and_is_journaled(client: FlaskClient) -> None:
    real_time(client, "test", build_270(submitter("test"), members=[ACTIVE]))
    listing = client.get("/test/api/v1/files", headers=basic("ALICE01"))
    assert listing.get_json()["files"] == []
    entries = client.get("/_sim/v1/journal?site=test&operation=realtime").get_json()["entries"]
    assert [(e["outcome"], e["provider_id"], e["tracking_number"]) for e in entries] == [
        ("ok", PROVIDER, None)
    ]
