"""HTTP MIME multipart for CORE: the envelope's fields as ``multipart/form-data`` parts.

Werkzeug parses the form (file parts stream to disk as for uploads); the answer is written as
``multipart/form-data`` too, the payload last with ``Content-Transfer-Encoding: binary``.
MIME has no action name: the fields say which action is meant.
"""

from __future__ import annotations

from datetime import datetime

from werkzeug.datastructures import FileStorage, ImmutableMultiDict

from simulator.web.core.envelope import (
    ACK_RETRIEVAL_TYPE,
    ACK_SUBMISSION_TYPE,
    ACTIONS_BY_KIND,
    FIELDS,
    REAL_TIME,
    CoreAnswer,
    CoreRefusalError,
    CoreRequest,
    Kind,
)
from simulator.web.core.soap import Rendered, fresh_boundary, multipart_body

USER_FIELD = "UserName"
PASSWORD_FIELD = "Password"


def read_request(
    form: ImmutableMultiDict[str, str], files: ImmutableMultiDict[str, FileStorage]
) -> CoreRequest:
    """The rule's fields from the form's parts; the payload from a file part or a text part."""
    fields = {name: form[name].strip() for name in FIELDS if name != "Payload" and name in form}
    payload: bytes | None = None
    if "Payload" in files:
        payload = files["Payload"].stream.read()
    elif form.get("Payload"):
        payload = form["Payload"].strip().encode("utf-8")
    kind = _kind(fields, payload)
    return CoreRequest(
        ACTIONS_BY_KIND[kind],
        fields,
        payload,
        form.get(USER_FIELD, "").strip(),
        form.get(PASSWORD_FIELD, ""),
    )


def _kind(fields: dict[str, str], payload: bytes | None) -> Kind:
    """RealTime mode; else the 999 payload types; else a payload submits and none retrieves."""
    payload_type = fields.get("PayloadType", "")
    if fields.get("ProcessingMode") == REAL_TIME:
        return Kind.REAL_TIME
    if payload_type == ACK_RETRIEVAL_TYPE:
        return Kind.ACK_RETRIEVAL
    if payload_type == ACK_SUBMISSION_TYPE:
        return Kind.ACK_SUBMIT
    return Kind.SUBMIT if payload else Kind.RETRIEVAL


def _part(
    name: str, value: bytes, file_name: str | None = None
) -> tuple[list[tuple[str, str]], bytes]:
    disposition = f'form-data; name="{name}"'
    if file_name is None:
        return [("Content-Disposition", disposition)], value
    safe_name = file_name.replace('"', "")
    headers = [
        ("Content-Disposition", f'{disposition}; filename="{safe_name}"'),
        ("Content-Type", "application/octet-stream"),
        ("Content-Transfer-Encoding", "binary"),
    ]
    return headers, value


def render_answer(answer: CoreAnswer, now: datetime) -> Rendered:
    """The answer's fields as form parts, the payload (if any) the last part."""
    fields = [(name, value) for name, value in answer.ordered_fields(now) if name != "Payload"]
    parts = [_part(name, value.encode("utf-8")) for name, value in fields]
    if answer.payload is not None:
        parts.append(_part("Payload", answer.payload, answer.fields.get("PayloadID") or "payload"))
    boundary = fresh_boundary(*(content for _, content in parts))
    return Rendered(multipart_body(boundary, parts), f"multipart/form-data; boundary={boundary}")


def render_refusal(refusal: CoreRefusalError) -> Rendered:
    """A refusal before any envelope was read: just the rule's ErrorCode and ErrorMessage."""
    parts = [
        _part("ErrorCode", refusal.error_code.encode("utf-8")),
        _part("ErrorMessage", refusal.message.encode("utf-8")),
    ]
    boundary = fresh_boundary(*(content for _, content in parts))
    return Rendered(multipart_body(boundary, parts), f"multipart/form-data; boundary={boundary}")
