"""What a CORE client sends and reads: SOAP 1.2 envelopes (inline and MTOM) and MIME forms.

The request bytes are written out here by hand, as simple clients write them, so each test
shows exactly what went over the wire. Answers are read with the standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from typing import Any
from xml.etree import ElementTree

from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from tests.web.helpers import PASSWORD

CORE = "http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordText"
)
XOP = "http://www.w3.org/2004/08/xop/include"
PROVIDER = "110048577A"
SOAP_TYPE = "application/soap+xml; charset=utf-8"
ELEMENTS = {
    "RealTimeTransaction": "COREEnvelopeRealTimeRequest",
    "BatchSubmitTransaction": "COREEnvelopeBatchSubmission",
    "GenericBatchSubmissionTransaction": "COREEnvelopeBatchSubmission",
    "BatchSubmitAckRetrievalTransaction": "COREEnvelopeBatchSubmissionAckRetrievalRequest",
    "BatchResultsRetrievalTransaction": "COREEnvelopeBatchResultsRetrievalRequest",
    "GenericBatchRetrievalTransaction": "COREEnvelopeBatchResultsRetrievalRequest",
    "BatchResultsAckSubmitTransaction": "COREEnvelopeBatchResultsAckSubmission",
    "GenericBatchReceiptConfirmationTransaction": "COREEnvelopeBatchResultsAckSubmission",
}
FIELD_ORDER = (
    "PayloadType",
    "ProcessingMode",
    "PayloadID",
    "PayloadLength",
    "TimeStamp",
    "SenderID",
    "ReceiverID",
    "CORERuleVersion",
    "CheckSum",
)


def fields(
    payload_type: str,
    *,
    mode: str = "Batch",
    payload_id: str | None = None,
    sender: str = PROVIDER,
    payload: bytes | None = None,
    **overrides: str,
) -> dict[str, str]:
    """The envelope's fields for a request; PayloadLength and CheckSum when there is a payload."""
    values = {
        "PayloadType": payload_type,
        "ProcessingMode": mode,
        "PayloadID": payload_id or str(uuid.uuid4()),
        "TimeStamp": "2026-01-15T09:30:00Z",
        "SenderID": sender,
        "ReceiverID": "DMA7384",
        "CORERuleVersion": "2.2.0",
    }
    if payload is not None and mode == "Batch":
        values["PayloadLength"] = str(len(payload))
        values["CheckSum"] = hashlib.sha1(payload).hexdigest()
    values.update(overrides)
    return {name: values[name] for name in FIELD_ORDER if name in values}


def file_list() -> dict[str, str]:
    """MassHealth's listing request: PayloadType and PayloadID both ``FILELIST``."""
    return fields("FILELIST", payload_id="FILELIST")


def security(user_id: str, password: str = PASSWORD, *, typed: bool = True) -> str:
    kind = f' Type="{PASSWORD_TEXT}"' if typed else ""
    return (
        f'<wsse:Security xmlns:wsse="{WSSE}" soapenv:mustUnderstand="true"><wsse:UsernameToken>'
        f"<wsse:Username>{user_id}</wsse:Username>"
        f"<wsse:Password{kind}>{password}</wsse:Password>"
        "</wsse:UsernameToken></wsse:Security>"
    )


def envelope(action: str, values: dict[str, str], payload_xml: str | None, header: str) -> bytes:
    element = ELEMENTS[action]
    items = "".join(f"<{name}>{value}</{name}>" for name, value in values.items())
    payload = f"<Payload>{payload_xml}</Payload>" if payload_xml is not None else ""
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP12}"><soapenv:Header>{header}</soapenv:Header>'
        f'<soapenv:Body><cor:{element} xmlns:cor="{CORE}">{items}{payload}</cor:{element}>'
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def inline_payload(action: str, payload: bytes | None) -> str | None:
    """A batch payload base64 inline; a real-time payload as CDATA text."""
    if payload is None:
        return None
    if action == "RealTimeTransaction":
        return f"<![CDATA[{payload.decode()}]]>"
    return base64.b64encode(payload).decode()


def mtom_package(body: bytes, payload: bytes, *, action: str) -> tuple[bytes, str]:
    """An MTOM/XOP package: the envelope first (``start``), the payload as an attachment."""
    root = body.replace(
        b"<Payload>XOP</Payload>",
        f'<Payload><xop:Include xmlns:xop="{XOP}" href="cid:payload-1@client"/></Payload>'.encode(),
    )
    boundary = "uuid:" + uuid.uuid4().hex
    package = (
        f"--{boundary}\r\n"
        'Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\n'
        "Content-Transfer-Encoding: binary\r\n"
        "Content-ID: <root.message@client>\r\n\r\n"
    ).encode()
    package += root + f"\r\n--{boundary}\r\n".encode()
    package += (
        b"Content-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: binary\r\n"
        b"Content-ID: <payload-1@client>\r\n\r\n"
    )
    package += payload + f"\r\n--{boundary}--\r\n".encode()
    content_type = (
        f'multipart/related; type="application/xop+xml"; boundary="{boundary}"; '
        f'start="<root.message@client>"; start-info="application/soap+xml"; action="{action}"'
    )
    return package, content_type


@dataclass
class Answer:
    status: int
    content_type: str
    fields: dict[str, str]
    payload: bytes | None
    raw: bytes

    @property
    def error_code(self) -> str:
        return self.fields.get("ErrorCode", "")

    @property
    def error_message(self) -> str:
        return self.fields.get("ErrorMessage", "")


def read_soap(response: Any) -> Answer:
    """The answer's fields and payload, from a plain SOAP answer, an MTOM one or a fault."""
    raw: bytes = response.data if hasattr(response, "data") else response.content
    content_type = response.headers["Content-Type"]
    root, attachments = raw, {}
    if content_type.startswith("multipart/related"):
        parts = _parts(raw, content_type)
        root = parts[0].get_payload(decode=True)
        attachments = {p["Content-ID"].strip("<>"): p.get_payload(decode=True) for p in parts[1:]}
    document = ElementTree.fromstring(root)
    body = document.find(f"{{{SOAP12}}}Body")
    assert body is not None
    element = body[0]
    values: dict[str, str] = {}
    payload: bytes | None = None
    for child in element.iter():
        name = child.tag.rsplit("}", 1)[-1]
        if name == "Payload":
            include = child.find(f"{{{XOP}}}Include")
            if include is not None:
                payload = attachments[include.get("href", "").removeprefix("cid:")]
            else:
                payload = (child.text or "").encode()
        elif name in ("ErrorCode", "ErrorMessage", *FIELD_ORDER):
            values[name] = child.text or ""
        elif name == "Text":
            values.setdefault("Reason", child.text or "")
        elif name == "Value":
            values["FaultCode"] = child.text or ""
    return Answer(response.status_code, content_type, values, payload, raw)


def _parts(raw: bytes, content_type: str) -> list[Any]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
    return list(message.iter_parts())


def read_mime(response: Any) -> Answer:
    raw: bytes = response.data if hasattr(response, "data") else response.content
    content_type = response.headers["Content-Type"]
    values: dict[str, str] = {}
    payload = None
    for part in _parts(raw, content_type):
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True)
        if name == "Payload":
            payload = content
        else:
            values[name] = content.decode()
    return Answer(response.status_code, content_type, values, payload, raw)


def soap_call(
    client: FlaskClient,
    site: str,
    action: str,
    values: dict[str, str],
    *,
    user_id: str,
    payload: bytes | None = None,
    mtom: bool = False,
    password: str = PASSWORD,
) -> Answer:
    """One call the way a tidy client makes it: SOAPAction header, inline or MTOM payload."""
    header = security(user_id, password)
    if mtom and payload is not None:
        body, content_type = mtom_package(
            envelope(action, values, "XOP", header), payload, action=action
        )
    else:
        body = envelope(action, values, inline_payload(action, payload), header)
        content_type = SOAP_TYPE
    response = client.post(
        f"/{site}/core/soap",
        data=body,
        headers={"Content-Type": content_type, "SOAPAction": f'"{action}"'},
    )
    return read_soap(response)


def mime_call(
    client: FlaskClient,
    site: str,
    values: dict[str, str],
    *,
    user_id: str,
    payload: bytes | None = None,
    password: str = PASSWORD,
) -> Answer:
    form = MultiDict([*values.items(), ("UserName", user_id), ("Password", password)])
    if payload is not None:
        form.add("Payload", FileStorage(io.BytesIO(payload), filename="payload.x12"))
    boundary, body = encode_multipart(form)
    response: TestResponse = client.post(
        f"/{site}/core/mime",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    return read_mime(response)
