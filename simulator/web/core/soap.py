"""SOAP 1.2 for CORE: reading an envelope (inline or MTOM/XOP) and writing answers and faults.

XML is parsed with defusedxml, which refuses entity declarations and external references, so
an entity-expansion bomb is refused before it grows. MTOM packages are read with the standard
``email`` parser, which takes CRLF and bare LF alike. Answers are written as text: they are
small, and a real-time payload must travel in a CDATA section, which ElementTree cannot write.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import MIMEPart
from email.parser import BytesParser
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from werkzeug.http import parse_options_header

from simulator.web.core.envelope import (
    ACTIONS_BY_ELEMENT,
    BATCH,
    CORE_NAMESPACE,
    REAL_TIME,
    RULE_VERSION,
    Action,
    CoreAnswer,
    CoreRefusalError,
    CoreRequest,
    Kind,
    action_named,
)
from simulator.x12.writer import MASSHEALTH_ID

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
XOP = "http://www.w3.org/2004/08/xop/include"
SOAP_TYPES = frozenset({"application/soap+xml", "text/xml", "application/xml"})
MTOM_TYPE = "multipart/related"
SOAP_CONTENT_TYPE = "application/soap+xml; charset=utf-8"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
ROOT_ID = "root.message@posc-sim"
PAYLOAD_ID = "payload@posc-sim"
CRLF = b"\r\n"
XOP_INCLUDE = f'<xop:Include xmlns:xop="{XOP}" href="cid:{PAYLOAD_ID}"/>'


def envelope_illegal(message: str) -> CoreRefusalError:
    return CoreRefusalError("EnvelopeIllegal", message, 400)


class SoapVersionError(CoreRefusalError):
    """A SOAP 1.1 envelope: answered with SOAP 1.2's ``VersionMismatch`` fault."""

    def __init__(self) -> None:
        super().__init__(
            "EnvelopeIllegal",
            "This is a SOAP 1.1 envelope; CORE Rule 2.2.0 uses SOAP 1.2 "
            f"(envelope namespace {SOAP12}).",
            400,
        )


# -- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Package:
    """The root XML document and the attachments by Content-ID (without angle brackets)."""

    root: bytes
    attachments: dict[str, bytes]
    action_parameter: str | None


def read_package(content_type: str, body: bytes) -> Package:
    """The SOAP document, from a plain SOAP body or from an MTOM/XOP package."""
    media_type, options = parse_options_header(content_type)
    if media_type == MTOM_TYPE:
        return _read_mtom(content_type, options, body)
    if media_type in SOAP_TYPES:
        return Package(body, {}, options.get("action"))
    raise envelope_illegal(
        f"Content-Type {media_type or '(none)'!r} is not SOAP 1.2: send application/soap+xml "
        "(or text/xml), or an MTOM package (multipart/related); MIME forms go to core/mime."
    )


def _read_mtom(content_type: str, options: dict[str, str], body: bytes) -> Package:
    if not options.get("boundary"):
        raise envelope_illegal("The multipart/related Content-Type names no boundary.")
    head = f"Content-Type: {content_type}\r\n\r\n".encode("utf-8", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    parts = list(message.iter_parts()) if message.is_multipart() else []
    if not parts:
        raise envelope_illegal("The MTOM package holds no MIME parts; check its boundary.")
    by_id = {_content_id(part.get("Content-ID", "")): part for part in parts}
    start = _content_id(options.get("start", ""))
    root = by_id.get(start) if start else parts[0]
    if root is None:
        raise envelope_illegal(f"No MIME part has the start Content-ID <{start}>.")
    _, root_options = parse_options_header(root.get("Content-Type", ""))
    attachments = {
        content_id: _part_bytes(part) for content_id, part in by_id.items() if part is not root
    }
    action = options.get("action") or root_options.get("action")
    return Package(_part_bytes(root), attachments, action)


def _content_id(value: str) -> str:
    """A Content-ID or ``cid:`` reference without angle brackets or URL escapes."""
    return unquote(value.strip().removeprefix("cid:").strip().strip("<>").strip())


def _part_bytes(part: MIMEPart) -> bytes:
    content = part.get_payload(decode=True)
    return content if isinstance(content, bytes) else b""


def parse_document(xml: bytes) -> Element:
    try:
        return fromstring(xml, forbid_dtd=True)
    except DefusedXmlException:
        raise envelope_illegal(
            "The document declares a DTD or entities, which SOAP does not allow; nothing was read."
        ) from None
    except (ParseError, ValueError) as error:
        raise envelope_illegal(f"The body is not well-formed XML ({error}).") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def body_element(document: Element) -> Element:
    """The CORE element inside a SOAP 1.2 envelope's Body; SOAP 1.1 is refused by name."""
    if document.tag == f"{{{SOAP11}}}Envelope":
        raise SoapVersionError
    if document.tag != f"{{{SOAP12}}}Envelope":
        raise envelope_illegal(f"The document is not a SOAP 1.2 Envelope but {document.tag!r}.")
    body = document.find(f"{{{SOAP12}}}Body")
    children = list(body) if body is not None else []
    if not children:
        raise envelope_illegal("The SOAP Body is empty; it must hold one CORE envelope element.")
    return children[0]


def credentials(document: Element) -> tuple[str, str]:
    """Username and plain password of the WS-Security UsernameToken, if there is one."""
    header = document.find(f"{{{SOAP12}}}Header")
    token = next(
        (
            e
            for e in (header.iter() if header is not None else ())
            if _local(e.tag) == "UsernameToken"
        ),
        None,
    )
    if token is None:
        return "", ""
    values = {_local(child.tag): child for child in token}
    password = values.get("Password")
    if password is not None and password.get("Type", "").endswith("#PasswordDigest"):
        raise CoreRefusalError(
            "UnAuthorized",
            "Send the password as plain text (PasswordText) in the UsernameToken; "
            "digests are not accepted.",
            401,
        )
    user = values.get("Username")
    return _text(user), (password.text or "") if password is not None else ""


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def choose_action(header_action: str | None, package: Package, element: Element) -> Action:
    """The SOAPAction header, else the content type's ``action``, else the body element."""
    named = (header_action or "").strip().strip('"') or (package.action_parameter or "")
    by_element = ACTIONS_BY_ELEMENT.get(_local(element.tag))
    if named:
        action = action_named(named)
        if action.request_element != _local(element.tag):
            raise CoreRefusalError(
                "ActionIllegal",
                f"The action {action.name} takes a {action.request_element}, "
                f"not a {_local(element.tag)}.",
                400,
            )
        return action
    if by_element is None or _namespace(element.tag) not in (CORE_NAMESPACE, ""):
        raise CoreRefusalError(
            "ActionIllegal",
            f"{_local(element.tag)!r} in {_namespace(element.tag) or 'no namespace'} is not a "
            f"CORE Rule 2.2.0 request element (namespace {CORE_NAMESPACE}).",
            400,
        )
    return by_element


def read_request(content_type: str, header_action: str | None, body: bytes) -> CoreRequest:
    """Parse a SOAP 1.2 request, inline or MTOM, into the rule's fields and payload bytes."""
    package = read_package(content_type, body)
    document = parse_document(package.root)
    element = body_element(document)
    action = choose_action(header_action, package, element)
    user_name, password = credentials(document)
    fields: dict[str, str] = {}
    payload: bytes | None = None
    for child in element:
        name = _local(child.tag)
        if name == "Payload":
            payload = _payload(child, action, package.attachments)
        else:
            fields[name] = _text(child)
    return CoreRequest(action, fields, payload, user_name, password)


def _payload(element: Element, action: Action, attachments: dict[str, bytes]) -> bytes:
    include = element.find(f"{{{XOP}}}Include")
    if include is not None:
        reference = _content_id(include.get("href", ""))
        if reference not in attachments:
            raise CoreRefusalError(
                "PayloadIllegal", f"The xop:Include names cid:{reference}, which is not a part."
            )
        return attachments[reference]
    text = element.text or ""
    if action.kind is Kind.REAL_TIME:
        return text.strip().encode("utf-8")
    try:
        return base64.b64decode(re.sub(r"\s+", "", text), validate=True)
    except (binascii.Error, ValueError):
        raise CoreRefusalError(
            "PayloadIllegal", "A batch Payload is base64Binary inline, or an MTOM attachment."
        ) from None


# -- writing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    body: bytes
    content_type: str


def _element(name: str, value: str) -> str:
    return f"<{name}>{escape(value)}</{name}>"


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _envelope(body: str, header: str = "") -> str:
    head = f"<soapenv:Header>{header}</soapenv:Header>" if header else ""
    return (
        f'{XML_DECLARATION}<soapenv:Envelope xmlns:soapenv="{SOAP12}">{head}'
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )


def render_answer(answer: CoreAnswer, now: datetime) -> Rendered:
    """A real-time payload inline in CDATA; a batch payload as the last MTOM part."""
    inline = answer.action.kind is Kind.REAL_TIME
    items = []
    for name, value in answer.ordered_fields(now):
        if name != "Payload":
            items.append(_element(name, value))
        elif inline:
            items.append(
                f"<Payload>{_cdata((answer.payload or b'').decode('utf-8', 'replace'))}</Payload>"
            )
        else:
            items.append(
                f'<Payload><xop:Include xmlns:xop="{XOP}" href="cid:{PAYLOAD_ID}"/></Payload>'
            )
    tag = answer.action.response_element
    xml = _envelope(f'<ns1:{tag} xmlns:ns1="{CORE_NAMESPACE}">{"".join(items)}</ns1:{tag}>')
    if answer.payload is None or inline:
        return Rendered(xml.encode("utf-8"), SOAP_CONTENT_TYPE)
    return _mtom(xml.encode("utf-8"), answer.payload)


def _mtom(root: bytes, payload: bytes) -> Rendered:
    boundary = fresh_boundary(payload)
    parts = [
        (
            [
                ("Content-Type", 'application/xop+xml; charset=UTF-8; type="application/soap+xml"'),
                ("Content-Transfer-Encoding", "binary"),
                ("Content-ID", f"<{ROOT_ID}>"),
            ],
            root,
        ),
        (
            [
                ("Content-Type", "application/octet-stream"),
                ("Content-Transfer-Encoding", "binary"),
                ("Content-ID", f"<{PAYLOAD_ID}>"),
            ],
            payload,
        ),
    ]
    content_type = (
        f'multipart/related; type="application/xop+xml"; boundary="{boundary}"; '
        f'start="<{ROOT_ID}>"; start-info="application/soap+xml"'
    )
    return Rendered(multipart_body(boundary, parts), content_type)


def fresh_boundary(*contents: bytes) -> str:
    """A boundary that occurs in none of the parts."""
    while True:
        boundary = f"MIMEBoundary_{secrets.token_hex(16)}"
        if not any(boundary.encode() in content for content in contents):
            return boundary


def multipart_body(boundary: str, parts: Iterable[tuple[list[tuple[str, str]], bytes]]) -> bytes:
    """A MIME multipart body that starts with its first boundary line, CRLF throughout."""
    chunks: list[bytes] = []
    for headers, content in parts:
        chunks.append(b"--" + boundary.encode() + CRLF)
        chunks += [f"{name}: {value}".encode() + CRLF for name, value in headers]
        chunks += [CRLF, content, CRLF]
    chunks.append(b"--" + boundary.encode() + b"--" + CRLF)
    return b"".join(chunks)


def render_fault(refusal: CoreRefusalError) -> Rendered:
    """A SOAP 1.2 fault whose detail carries the CORE ErrorCode and ErrorMessage.

    A SOAP 1.1 envelope gets ``VersionMismatch`` with the Upgrade header SOAP 1.2 asks for;
    a problem on our side is a ``Receiver`` fault, anything else a ``Sender`` fault.
    """
    soap11 = isinstance(refusal, SoapVersionError)
    code = "VersionMismatch" if soap11 else "Sender" if refusal.http_status < 500 else "Receiver"
    upgrade = (
        f'<soapenv:Upgrade><soapenv:SupportedEnvelope qname="ns:Envelope" xmlns:ns="{SOAP12}"/>'
        "</soapenv:Upgrade>"
        if soap11
        else ""
    )
    body = (
        "<soapenv:Fault>"
        f"<soapenv:Code><soapenv:Value>soapenv:{code}</soapenv:Value></soapenv:Code>"
        f'<soapenv:Reason><soapenv:Text xml:lang="en">{escape(refusal.message)}</soapenv:Text>'
        "</soapenv:Reason>"
        f'<soapenv:Detail><ns1:ErrorCode xmlns:ns1="{CORE_NAMESPACE}">'
        f"{escape(refusal.error_code)}</ns1:ErrorCode>"
        f'<ns1:ErrorMessage xmlns:ns1="{CORE_NAMESPACE}">{escape(refusal.message)}'
        "</ns1:ErrorMessage></soapenv:Detail>"
        "</soapenv:Fault>"
    )
    return Rendered(_envelope(body, upgrade).encode("utf-8"), SOAP_CONTENT_TYPE)


# -- the client's side, for the scenario runner's reference client and load tests -------------

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordText"
)


def request_fields(
    kind: Kind,
    payload_type: str,
    sender: str,
    payload_id: str | None = None,
    checksum: str | None = None,
) -> list[tuple[str, str]]:
    """A client's envelope fields for ``kind``, stamped now, with a new PayloadID if none."""
    fields = [
        ("PayloadType", payload_type),
        ("ProcessingMode", REAL_TIME if kind is Kind.REAL_TIME else BATCH),
        ("PayloadID", payload_id or str(uuid.uuid4())),
        ("TimeStamp", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("SenderID", sender),
        ("ReceiverID", MASSHEALTH_ID),
        ("CORERuleVersion", RULE_VERSION),
    ]
    return [*fields, ("CheckSum", checksum)] if checksum is not None else fields


def write_request(
    action: Action, fields: list[tuple[str, str]], payload: bytes | None, user: str, password: str
) -> Rendered:
    """A request as a simple client sends it: a real-time payload in CDATA, a batch one base64."""
    items = [_element(name, value) for name, value in fields]
    if payload is not None and action.kind is Kind.REAL_TIME:
        items.append(f"<Payload>{_cdata(payload.decode('utf-8', 'replace'))}</Payload>")
    elif payload is not None:
        items.append(f"<Payload>{base64.b64encode(payload).decode()}</Payload>")
    token = (
        f'<wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken>'
        f"{_element('wsse:Username', user)}"
        f'<wsse:Password Type="{PASSWORD_TEXT}">{escape(password)}</wsse:Password>'
        "</wsse:UsernameToken></wsse:Security>"
    )
    tag = action.request_element
    xml = _envelope(f'<ns1:{tag} xmlns:ns1="{CORE_NAMESPACE}">{"".join(items)}</ns1:{tag}>', token)
    return Rendered(xml.encode("utf-8"), f'{SOAP_CONTENT_TYPE}; action="{action.name}"')


def read_answer(content_type: str, body: bytes) -> tuple[dict[str, str], bytes | None]:
    """An answer's (or a fault's) text fields by name, and its payload if it carries one."""
    package = read_package(content_type, body)
    element = body_element(parse_document(package.root))
    fields: dict[str, str] = {}
    payload: bytes | None = None
    for child in element.iter():
        name = _local(child.tag)
        if name == "Payload":
            include = child.find(f"{{{XOP}}}Include")
            reference = _content_id(include.get("href", "")) if include is not None else None
            text = (child.text or "").encode("utf-8")
            payload = package.attachments.get(reference, b"") if reference else text
        elif len(child) == 0:
            fields[name] = (child.text or "").strip()
    return fields, payload
