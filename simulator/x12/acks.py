"""The acknowledgements: TA1 for an interchange, 999 (005010X231A1) for its functional groups."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from simulator.x12.report import GroupResult, InterchangeResult, SetResult
from simulator.x12.writer import (
    Envelope,
    Party,
    Segment,
    isa_segment,
    segment_text,
    transaction_set,
    write_interchange,
)

ACK_VERSION = "005010X231A1"
MAX_IK5_CODES = 5
MAX_AK9_CODES = 5


def submitter(interchange: InterchangeResult, group: GroupResult | None = None) -> Party:
    """Whom an answer goes back to: the interchange's sender."""
    application = group.sender if group is not None else interchange.sender_id
    return Party(interchange.sender_qualifier, interchange.sender_id, application)


def ta1(interchange: InterchangeResult, envelope: Envelope) -> bytes:
    """An interchange holding only a TA1, right after the ISA: accepted, or the note code."""
    note = interchange.note_code or "000"
    code = "A" if interchange.note_code is None else "R"
    segments: list[Segment] = [
        isa_segment(envelope),
        [
            "TA1",
            interchange.control_number or "000000000",
            interchange.date or f"{envelope.at:%y%m%d}",
            interchange.time or f"{envelope.at:%H%M}",
            code,
            note,
        ],
        ["IEA", "0", f"{envelope.numbers.interchange % 1_000_000_000:09d}"],
    ]
    return "".join(segment_text(segment) for segment in segments).encode("latin-1")


def ack_999(
    interchange: InterchangeResult, envelope: Envelope, next_set_number: Callable[[], int]
) -> bytes:
    """One 999 transaction set per functional group of an accepted interchange."""
    sets = [
        transaction_set("999", next_set_number(), ACK_VERSION, _group_body(group))
        for group in interchange.groups
    ]
    return write_interchange(replace(envelope, functional_id="FA", version=ACK_VERSION), sets)


def _group_body(group: GroupResult) -> list[Segment]:
    body: list[Segment] = [["AK1", group.functional_id, group.control_number, group.version]]
    if not group.unsupported:  # a group refused unread is answered by its AK9 alone
        for result in group.sets:
            body.extend(_set_response(result))
    received = len(group.sets)
    declared = group.declared_sets if group.declared_sets is not None else received
    body.append(
        [
            "AK9",
            group.ack_code,
            str(declared),
            str(received),
            str(group.accepted_sets),
            *group.codes[:MAX_AK9_CODES],
        ]
    )
    return body


def _set_response(result: SetResult) -> list[Segment]:
    segments: list[Segment] = [["AK2", result.set_id, result.control_number, result.version]]
    for error in result.segment_errors:
        segments.append(["IK3", error.tag, str(error.position), error.loop, error.code])
        for element in error.elements:
            segments.append(
                ["IK4", element.position, element.reference, element.code, element.value]
            )
    segments.append(["IK5", result.ack_code, *result.codes[:MAX_IK5_CODES]])
    return segments
