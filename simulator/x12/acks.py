"""The acknowledgements: TA1 for an interchange, 999 (005010X231A1) for its functional groups.

An answer copies values from the file it answers (the sender's IDs, control numbers, dates,
segment tags, bad element values), and the file may be malformed. Every copied value is
checked against the form its element takes; an unusable one is replaced by a documented
fallback, so no answer is itself malformed:

- ISA05/ISA06 of the sender (our ISA07/ISA08): a qualifier of the standard's list, and an ID
  of 1 to 15 printable ASCII characters that are not our separators; otherwise ``ZZ`` and the
  submitter ID of the account that uploaded the file. GS02 (our GS03) likewise, else that ISA ID.
- TA101: the inbound ISA13 when it is nine digits, else ``000000000``; TA102 and TA103: the
  inbound ISA09 (six digits) and ISA10 (four digits), else the date and time of the answer.
- AK1, AK2, IK3: a value of the wrong form becomes a valid one: AK101 and AK201 those of the
  transaction type the file was uploaded as, AK102 ``0``, AK202 ``0000``, versions ``005010``,
  IK301 ``ZZZ``; IK404 (the copy of the bad value) is left out when it cannot be copied safely.
- A functional group refused as a whole (its own envelope is wrong) lists only its sets that
  have errors of their own: no IK5 accepts a set that the AK9 does not count as accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import replace

from simulator.x12.report import GroupResult, InterchangeResult, SetResult
from simulator.x12.sets import FUNCTIONAL_IDS
from simulator.x12.syntax import INTERCHANGE_QUALIFIERS
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
FALLBACK_VERSION = "005010"
ACKNOWLEDGED_SETS = frozenset(FUNCTIONAL_IDS) - {"999"}
ACKNOWLEDGED_GROUPS = frozenset(FUNCTIONAL_IDS[set_id] for set_id in ACKNOWLEDGED_SETS)


# Printable ASCII but the separators our answers use (* ~ : ^), at least one non-space.
IDENTIFIER = re.compile(r"(?=.*[^ ])[ !-9;-\]_-}]{1,15}")
DIGITS_9 = re.compile(r"[0-9]{9}")
DATE = re.compile(r"[0-9]{6}")
TIME = re.compile(r"[0-9]{4}")
GROUP_NUMBER = re.compile(r"[0-9]{1,9}")
SET_NUMBER = re.compile(r"[A-Za-z0-9]{4,9}")
VERSION = re.compile(r"[A-Za-z0-9]{1,12}")
SEGMENT_TAG = re.compile(r"[A-Z][A-Z0-9]{1,2}")
BAD_VALUE = re.compile(r"[ !-9;-\]_-}]{1,99}")


def usable(value: str, form: re.Pattern[str] | Collection[str], fallback: str) -> str:
    """``value`` when it has the element's ``form`` (a pattern or the allowed codes), else
    ``fallback``."""
    if isinstance(form, re.Pattern):
        return value if form.fullmatch(value) else fallback
    return value if value in form else fallback


def submitter(
    interchange: InterchangeResult, fallback: Party, group: GroupResult | None = None
) -> Party:
    """Whom an answer goes back to: the interchange's sender, or ``fallback`` where unusable."""
    sender_id = usable(interchange.sender_id.strip(), IDENTIFIER, fallback.interchange_id)
    application = group.sender.strip() if group is not None else sender_id
    return Party(
        usable(interchange.sender_qualifier, INTERCHANGE_QUALIFIERS, fallback.qualifier),
        sender_id,
        usable(application, IDENTIFIER, sender_id),
    )


def ta1(interchange: InterchangeResult, envelope: Envelope) -> bytes:
    """An interchange holding only a TA1, right after the ISA: accepted, or the note code."""
    note = interchange.note_code or "000"
    code = "A" if interchange.note_code is None else "R"
    segments: list[Segment] = [
        isa_segment(envelope),
        [
            "TA1",
            usable(interchange.control_number, DIGITS_9, "000000000"),
            usable(interchange.date, DATE, f"{envelope.at:%y%m%d}"),
            usable(interchange.time, TIME, f"{envelope.at:%H%M}"),
            code,
            note,
        ],
        ["IEA", "0", f"{envelope.numbers.interchange % 1_000_000_000:09d}"],
    ]
    return "".join(segment_text(segment) for segment in segments).encode("latin-1")


def ack_999(
    interchange: InterchangeResult,
    envelope: Envelope,
    next_set_number: Callable[[], int],
    uploaded_set_id: str,
) -> bytes:
    """One 999 transaction set per functional group of an accepted interchange.

    ``uploaded_set_id`` is the transaction set the upload was said to hold: what AK101 and
    AK201 say where the file's own values are unusable.
    """
    sets = [
        transaction_set("999", next_set_number(), ACK_VERSION, _group_body(group, uploaded_set_id))
        for group in interchange.groups
    ]
    return write_interchange(replace(envelope, functional_id="FA", version=ACK_VERSION), sets)


def _group_body(group: GroupResult, uploaded_set_id: str) -> list[Segment]:
    body: list[Segment] = [
        [
            "AK1",
            usable(group.functional_id, ACKNOWLEDGED_GROUPS, FUNCTIONAL_IDS[uploaded_set_id]),
            usable(group.control_number, GROUP_NUMBER, "0"),
            usable(group.version, VERSION, FALLBACK_VERSION),
        ]
    ]
    if not group.unsupported:  # a group refused unread is answered by its AK9 alone
        for result in group.sets:
            if result.accepted and group.codes:
                continue  # AK9 refuses the whole group: no IK5 may accept a set of it
            body.extend(_set_response(result, uploaded_set_id))
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


def _set_response(result: SetResult, uploaded_set_id: str) -> list[Segment]:
    segments: list[Segment] = [
        [
            "AK2",
            usable(result.set_id, ACKNOWLEDGED_SETS, uploaded_set_id),
            usable(result.control_number, SET_NUMBER, "0000"),
            usable(result.version, VERSION, FALLBACK_VERSION),
        ]
    ]
    for error in result.segment_errors:
        tag = usable(error.tag, SEGMENT_TAG, "ZZZ")
        segments.append(["IK3", tag, str(error.position), error.loop, error.code])
        for element in error.elements:
            value = usable(element.value, BAD_VALUE, "")
            segments.append(["IK4", element.position, element.reference, element.code, value])
    segments.append(["IK5", result.ack_code, *result.codes[:MAX_IK5_CODES]])
    return segments
