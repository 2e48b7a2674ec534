"""Every refusal is a CORE error code with a message: never a 500, never an HTML page."""

from __future__ import annotations

import base64
import hashlib

import pytest
from flask.testing import FlaskClient

from posc_sim_fixtures.x12_builders import Submitter, build_837p
from simulator.runtime import Runtime
from tests.web.core.helpers import (
    ELEMENTS,
    PROVIDER,
    SOAP_TYPE,
    Answer,
    envelope,
    fields,
    mime_call,
    read_mime,
    read_soap,
    security,
    soap_call,
)
from tests.web.helpers import PASSWORD, create_user, place_file

PAYLOAD = build_837p(Submitter("SUB000001"))
SUBMIT = "BatchSubmitTransaction"
CLAIMS = "X12_837_Request_005010X222A1"


@pytest.fixture(autouse=True)
def erin(client: FlaskClient) -> str:
    for site in ("test", "prod"):
        create_user(client, site, "ERIN01", providers=[PROVIDER])
    return "ERIN01"


def submit(client: FlaskClient, values: dict[str, str], payload: bytes | None = PAYLOAD) -> Answer:
    return soap_call(client, "test", SUBMIT, values, user_id="ERIN01", payload=payload)


def post(client: FlaskClient, body: bytes, content_type: str = SOAP_TYPE) -> Answer:
    response = client.post("/test/core/soap", data=body, headers={"Content-Type": content_type})
    assert response.status_code != 500
    return read_soap(response)


@pytest.mark.parametrize(
    "name",
    [
        "PayloadType",
        "ProcessingMode",
        "PayloadID",
        "TimeStamp",
        "SenderID",
        "ReceiverID",
        "CORERuleVersion",
    ],
)
def test_each_missing_field_is_required(client: FlaskClient, name: str) -> None:
    values = fields(CLAIMS, payload=PAYLOAD)
    del values[name]
    answer = submit(client, values)
    assert answer.status == 200
    assert answer.error_code == f"{name}Required"
    assert name in answer.error_message


def test_a_missing_payload_is_required(client: FlaskClient) -> None:
    answer = submit(client, fields(CLAIMS), payload=None)
    assert answer.error_code == "PayloadRequired"


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("ProcessingMode", "RealTime", "ProcessingModeIllegal"),
        ("PayloadID", "a/b", "PayloadIDIllegal"),
        ("TimeStamp", "yesterday", "TimeStampIllegal"),
        ("SenderID", "SUB000001", "SenderIDIllegal"),
        ("ReceiverID", "MASSHEALTH", "ReceiverIDIllegal"),
        ("CORERuleVersion", "2.1.0", "VersionMismatch"),
        ("PayloadType", "X12_837_Request_005010X999", "PayloadTypeIllegal"),
        ("PayloadLength", "12", "PayloadLengthIllegal"),
        ("PayloadLength", "many", "PayloadLengthIllegal"),
        ("CheckSum", "abc", "CheckSumIllegal"),
        ("CheckSum", hashlib.sha1(b"other").hexdigest(), "ChecksumMismatched"),
    ],
)
def test_each_illegal_field(client: FlaskClient, name: str, value: str, code: str) -> None:
    values = fields(CLAIMS, payload=PAYLOAD, **{name: value})
    answer = submit(client, values)
    assert answer.status == 200
    assert (answer.error_code, answer.fields["PayloadID"]) == (code, values["PayloadID"])
    assert answer.error_message


def test_a_checksum_mismatch_keeps_nothing(client: FlaskClient, runtime: Runtime) -> None:
    values = fields(CLAIMS, payload=PAYLOAD, CheckSum=hashlib.sha1(b"x").hexdigest())
    assert submit(client, values).error_code == "ChecksumMismatched"
    batches = client.get("/_sim/v1/journal?site=test&operation=upload").get_json()["entries"]
    assert [entry["outcome"] for entry in batches] == ["ChecksumMismatched"]


def test_a_sender_the_user_may_not_act_for(client: FlaskClient) -> None:
    values = fields(CLAIMS, payload=PAYLOAD, SenderID="999999999Z")
    answer = submit(client, values)
    assert answer.error_code == "SenderIDIllegal"
    assert "999999999Z" in answer.error_message


def test_a_body_that_is_not_xml(client: FlaskClient) -> None:
    answer = post(client, b"ISA*00*this is X12, not SOAP~")
    assert answer.status == 400
    assert answer.error_code == "EnvelopeIllegal"
    assert "not well-formed XML" in answer.error_message
    assert answer.fields["FaultCode"] == "soapenv:Sender"


def test_a_soap_1_1_envelope(client: FlaskClient) -> None:
    body = envelope(SUBMIT, fields(CLAIMS), "", security("ERIN01")).replace(
        b"http://www.w3.org/2003/05/soap-envelope", b"http://schemas.xmlsoap.org/soap/envelope/"
    )
    answer = post(client, body, "text/xml; charset=utf-8")
    assert answer.status == 400
    assert answer.fields["FaultCode"] == "soapenv:VersionMismatch"
    assert "SOAP 1.1" in answer.error_message


def test_an_unknown_action(client: FlaskClient) -> None:
    body = envelope(SUBMIT, fields(CLAIMS), "", security("ERIN01"))
    response = client.post(
        "/test/core/soap",
        data=body,
        headers={"Content-Type": SOAP_TYPE, "SOAPAction": "DeleteEverythingTransaction"},
    )
    answer = read_soap(response)
    assert answer.status == 400
    assert answer.error_code == "ActionIllegal"


def test_an_unknown_body_element(client: FlaskClient) -> None:
    body = envelope(SUBMIT, fields(CLAIMS), "", security("ERIN01")).replace(
        b"COREEnvelopeBatchSubmission", b"COREEnvelopeSomethingElse"
    )
    answer = post(client, body)
    assert (answer.status, answer.error_code) == (400, "ActionIllegal")


def test_an_xml_bomb_is_refused_unexpanded(client: FlaskClient) -> None:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    body = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]>'
        '<soapenv:Envelope xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope">'
        "<soapenv:Body><x>&j;</x></soapenv:Body></soapenv:Envelope>"
    ).encode()
    answer = post(client, body)
    assert answer.status == 400
    assert answer.error_code == "EnvelopeIllegal"
    assert "DTD or entities" in answer.error_message


def test_an_external_entity_is_refused(client: FlaskClient) -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<soapenv:Envelope xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope">'
        b"<soapenv:Body><x>&e;</x></soapenv:Body></soapenv:Envelope>"
    )
    answer = post(client, body)
    assert (answer.status, answer.error_code) == (400, "EnvelopeIllegal")
    assert b"root:" not in answer.raw


def test_a_payload_over_the_upload_limit(make_settings: object, client: FlaskClient) -> None:
    big = PAYLOAD * (17 * 1024 * 1024 // len(PAYLOAD) + 1)
    answer = submit(client, fields(CLAIMS, payload=big), payload=big)
    assert answer.status == 413
    assert answer.error_code == "PayloadLengthIllegal"


def test_a_payload_within_the_body_limit_but_over_the_upload_limit(client: FlaskClient) -> None:
    big = PAYLOAD * (16 * 1024 * 1024 // len(PAYLOAD) + 1)
    answer = soap_call(
        client,
        "test",
        SUBMIT,
        fields(CLAIMS, payload=big),
        user_id="ERIN01",
        payload=big,
        mtom=True,
    )
    assert answer.status == 413
    assert answer.error_code == "PayloadLengthIllegal"
    assert "16,777,216" in answer.error_message


def test_a_payload_id_of_another_sender(client: FlaskClient) -> None:
    create_user(client, "test", "FRANK01", providers=["110000000B"])
    values = fields(CLAIMS, payload=PAYLOAD, SenderID="110000000B")
    frank = soap_call(client, "test", SUBMIT, values, user_id="FRANK01", payload=PAYLOAD)
    assert frank.error_code == "Success", frank.fields
    ask = fields("X12_999_RetrievalRequest_005010X231A1", payload_id=values["PayloadID"])
    answer = soap_call(client, "test", "BatchSubmitAckRetrievalTransaction", ask, user_id="ERIN01")
    assert answer.error_code == "PayloadIDIllegal"


def test_a_test_site_payload_id_is_unknown_on_production(client: FlaskClient) -> None:
    values = fields(CLAIMS, payload=PAYLOAD)
    assert submit(client, values).error_code == "Success"
    ask = fields("X12_999_RetrievalRequest_005010X231A1", payload_id=values["PayloadID"])
    on_test = soap_call(client, "test", "BatchSubmitAckRetrievalTransaction", ask, user_id="ERIN01")
    assert on_test.error_code == "Success"
    on_prod = soap_call(client, "prod", "BatchSubmitAckRetrievalTransaction", ask, user_id="ERIN01")
    assert on_prod.error_code == "PayloadIDIllegal"
    assert "no submission" in on_prod.error_message


def test_a_file_id_of_the_other_site_is_unknown(client: FlaskClient) -> None:
    placed = place_file(client, "test", transaction_type="834")
    ask = fields("X12_834_Response_005010X220A1", payload_id=placed["file_id"])
    answer = soap_call(client, "prod", "BatchResultsRetrievalTransaction", ask, user_id="ERIN01")
    assert answer.error_code == "PayloadIDIllegal"


def test_missing_credentials(client: FlaskClient) -> None:
    body = envelope(SUBMIT, fields(CLAIMS), base64.b64encode(PAYLOAD).decode(), "")
    answer = post(client, body)
    assert (answer.status, answer.error_code) == (401, "UnAuthorized")
    assert "UsernameToken" in answer.error_message


def test_a_password_digest_is_refused(client: FlaskClient) -> None:
    token = security("ERIN01").replace("#PasswordText", "#PasswordDigest")
    body = envelope(SUBMIT, fields(CLAIMS), base64.b64encode(PAYLOAD).decode(), token)
    answer = post(client, body)
    assert (answer.status, answer.error_code) == (401, "UnAuthorized")
    assert "plain text" in answer.error_message


def test_wrong_passwords_lock_the_account_and_say_so(client: FlaskClient) -> None:
    for _ in range(4):
        wrong = submit_as(client, "wrong-Password1")
        assert (wrong.status, wrong.error_code) == (401, "UnAuthorized")
        assert "not correct" in wrong.error_message
    fifth = submit_as(client, "wrong-Password1")
    assert "suspended after 5 incorrect passwords" in fifth.error_message
    locked = submit_as(client, PASSWORD)
    assert (locked.status, locked.error_code) == (401, "UnAuthorized")
    assert "suspended" in locked.error_message
    journal = client.get("/_sim/v1/journal?site=test&operation=login").get_json()["entries"]
    assert [e["outcome"] for e in journal][-1] == "account_locked"


def submit_as(client: FlaskClient, password: str) -> Answer:
    return soap_call(
        client,
        "test",
        SUBMIT,
        fields(CLAIMS, payload=PAYLOAD),
        user_id="ERIN01",
        payload=PAYLOAD,
        password=password,
    )


def test_a_password_that_must_change_is_refused_saying_so(client: FlaskClient) -> None:
    client.post("/_sim/v1/users/test/ERIN01/password", json={"password": "Another#123"})
    answer = submit_as(client, "Another#123")
    assert (answer.status, answer.error_code) == (401, "UnAuthorized")
    assert "change your password" in answer.error_message


def test_an_expired_password_is_refused_saying_so(client: FlaskClient) -> None:
    client.post("/_sim/v1/clock", json={"advance": "P91D"})
    answer = submit_as(client, PASSWORD)
    assert (answer.status, answer.error_code) == (401, "UnAuthorized")
    assert "days old" in answer.error_message


def test_mime_without_a_form(client: FlaskClient) -> None:
    response = client.post("/test/core/mime", data=b"hello", content_type="text/plain")
    answer = read_mime(response)
    assert (answer.status, answer.error_code) == (400, "EnvelopeIllegal")


def test_mime_refusals_use_the_same_codes(client: FlaskClient) -> None:
    values = fields(CLAIMS, payload=PAYLOAD, CheckSum=hashlib.sha1(b"x").hexdigest())
    answer = mime_call(client, "test", values, user_id="ERIN01", payload=PAYLOAD)
    assert (answer.status, answer.error_code) == (200, "ChecksumMismatched")
    wrong = mime_call(client, "test", values, user_id="ERIN01", payload=PAYLOAD, password="x")
    assert (wrong.status, wrong.error_code) == (401, "UnAuthorized")


def test_every_action_element_is_known() -> None:
    assert len(set(ELEMENTS.values())) == 5
