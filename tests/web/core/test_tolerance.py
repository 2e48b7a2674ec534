"""What untidy clients send, each case as the exact bytes on the wire, and all are answered."""

from __future__ import annotations

import base64

import pytest
from flask.testing import FlaskClient

from posc_sim_fixtures.x12_builders import Submitter, build_837p
from tests.web.core.helpers import (
    PROVIDER,
    SOAP_TYPE,
    Answer,
    envelope,
    fields,
    file_list,
    read_soap,
    security,
)
from tests.web.helpers import PASSWORD, create_user

PAYLOAD = build_837p(Submitter("SUB000001"))


@pytest.fixture(autouse=True)
def dave(client: FlaskClient) -> str:
    create_user(client, "test", "DAVE01", providers=[PROVIDER])
    return "DAVE01"


def post(client: FlaskClient, body: bytes, headers: dict[str, str]) -> Answer:
    return read_soap(client.post("/test/core/soap", data=body, headers=headers))


def submission(header: str | None = None) -> bytes:
    values = fields("X12_837_Request_005010X222A1", payload=PAYLOAD)
    payload = base64.b64encode(PAYLOAD).decode()
    return envelope("BatchSubmitTransaction", values, payload, header or security("DAVE01"))


def assert_submitted(answer: Answer) -> None:
    assert answer.status == 200, answer.raw
    assert answer.error_code == "Success", answer.fields
    assert answer.error_message.isdigit()


@pytest.mark.parametrize("name", ["SOAPAction", "soapaction", "SoapAction", "SOAPACTION"])
def test_the_action_header_in_any_case(client: FlaskClient, name: str) -> None:
    answer = post(client, submission(), {"Content-Type": SOAP_TYPE, name: "BatchSubmitTransaction"})
    assert_submitted(answer)


def test_the_action_as_a_uri_in_the_header(client: FlaskClient) -> None:
    headers = {
        "Content-Type": SOAP_TYPE,
        "SOAPAction": '"http://www.caqh.org/SOAP/WSDL/BatchSubmitTransaction"',
    }
    assert_submitted(post(client, submission(), headers))


def test_the_action_in_the_content_type(client: FlaskClient) -> None:
    content_type = 'application/soap+xml;charset=UTF-8;action="BatchSubmitTransaction"'
    assert_submitted(post(client, submission(), {"Content-Type": content_type}))


def test_the_action_only_in_the_body_element(client: FlaskClient) -> None:
    assert_submitted(post(client, submission(), {"Content-Type": SOAP_TYPE}))


def test_text_xml_for_soap_1_2(client: FlaskClient) -> None:
    assert_submitted(post(client, submission(), {"Content-Type": "text/xml; charset=utf-8"}))


def test_bare_lf_and_whitespace_around_elements(client: FlaskClient) -> None:
    values = fields("FILELIST", payload_id="FILELIST")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope">\n'
        "  <soap:Header>\n    " + security("DAVE01").replace("soapenv:", "soap:") + "\n"
        "  </soap:Header>\n"
        "  <soap:Body>\n"
        "    <cor:COREEnvelopeBatchResultsRetrievalRequest "
        'xmlns:cor="http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd">\n'
        + "".join(f"      <{k}>\n        {v}\n      </{k}>\n" for k, v in values.items())
        + "    </cor:COREEnvelopeBatchResultsRetrievalRequest>\n"
        "  </soap:Body>\n"
        "</soap:Envelope>\n"
    ).encode()
    answer = post(client, body, {"Content-Type": SOAP_TYPE})
    assert answer.error_code == "Success", answer.fields
    assert answer.payload is not None
    assert answer.payload.startswith(b'<?xml version="1.0" encoding="UTF-8"?><FileList>')


def test_crlf_line_endings(client: FlaskClient) -> None:
    body = submission().replace(b"><", b">\r\n<")
    assert_submitted(post(client, body, {"Content-Type": SOAP_TYPE}))


def test_a_username_token_without_type_nonce_or_created(client: FlaskClient) -> None:
    body = submission(security("DAVE01", typed=False))
    assert_submitted(post(client, body, {"Content-Type": SOAP_TYPE}))


def test_a_username_token_with_nonce_and_created(client: FlaskClient) -> None:
    token = security("DAVE01").replace(
        "</wsse:Password>",
        '</wsse:Password><wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/'
        'oasis-200401-wss-soap-message-security-1.0#Base64Binary">bm9uY2Vub25jZQ==</wsse:Nonce>'
        '<wsu:Created xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/'
        'oasis-200401-wss-wssecurity-utility-1.0.xsd">2026-01-15T09:30:00Z</wsu:Created>',
    )
    assert_submitted(post(client, submission(token), {"Content-Type": SOAP_TYPE}))


def mtom_body(
    root_id: str, payload_id: str, href: str, *, start: str | None, newline: str
) -> tuple[bytes, str]:
    values = fields("X12_837_Request_005010X222A1", payload=PAYLOAD)
    include = f'<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="{href}"/>'
    root = envelope("BatchSubmitTransaction", values, include, security("DAVE01"))
    n = newline.encode()
    body = (
        b"--MIME_boundary"
        + n
        + b'Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"'
        + n
        + b"Content-Transfer-Encoding: 8bit"
        + n
        + b"Content-ID: "
        + root_id.encode()
        + n
        + n
        + root
        + n
        + b"--MIME_boundary"
        + n
        + b"Content-Type: application/octet-stream"
        + n
        + b"Content-Transfer-Encoding: binary"
        + n
        + b"Content-ID: "
        + payload_id.encode()
        + n
        + n
        + PAYLOAD
        + n
        + b"--MIME_boundary--"
        + n
    )
    content_type = 'multipart/related; type="application/xop+xml"; boundary=MIME_boundary'
    if start is not None:
        content_type += f'; start="{start}"'
    return body, content_type


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_mtom_content_ids_without_angle_brackets(client: FlaskClient, newline: str) -> None:
    body, content_type = mtom_body(
        "root@client", "payload@client", "cid:payload@client", start=None, newline=newline
    )
    assert_submitted(post(client, body, {"Content-Type": content_type}))


def test_mtom_root_named_by_start(client: FlaskClient) -> None:
    body, content_type = mtom_body(
        "<root@client>",
        "<payload@client>",
        "cid:payload%40client",
        start="<root@client>",
        newline="\r\n",
    )
    assert_submitted(post(client, body, {"Content-Type": content_type}))


def test_the_answer_starts_with_an_xml_declaration(client: FlaskClient) -> None:
    answer = post(client, submission(), {"Content-Type": SOAP_TYPE})
    assert answer.raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert answer.content_type.startswith("application/soap+xml")


def test_a_payload_answer_is_mtom_with_the_payload_last_and_binary(client: FlaskClient) -> None:
    body = envelope("BatchResultsRetrievalTransaction", file_list(), None, security("DAVE01"))
    answer = post(client, body, {"Content-Type": SOAP_TYPE})
    assert answer.content_type.startswith("multipart/related")
    assert answer.raw.startswith(b"--MIMEBoundary_")
    last = answer.raw.rsplit(b"\r\n--MIMEBoundary_", 2)[-2]
    assert b"Content-Transfer-Encoding: binary\r\n" in last
    assert last.endswith(b"</FileList>")


def test_the_password_is_checked(client: FlaskClient) -> None:
    body = submission(security("DAVE01", PASSWORD + "x"))
    answer = post(client, body, {"Content-Type": SOAP_TYPE})
    assert answer.status == 401
    assert answer.error_code == "UnAuthorized"
