"""Writing X12: segments, and the ISA/GS/ST envelopes around them, with given control numbers.

Nothing here invents a number or reads the clock: the caller passes the moment and the control
numbers (from per-site sequences), so the same inputs always write the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from simulator.x12.reader import STANDARD_SEPARATORS, Separators

MASSHEALTH_ID = "DMA7384"
MASSHEALTH_QUALIFIER = "ZZ"
CONTROL_VERSION = "00501"

Segment = Sequence[str]


@dataclass(frozen=True)
class Party:
    """An interchange sender or receiver: ISA qualifier and ID, and the GS application code."""

    qualifier: str
    interchange_id: str
    application_id: str


MASSHEALTH = Party(MASSHEALTH_QUALIFIER, MASSHEALTH_ID, MASSHEALTH_ID)


@dataclass(frozen=True)
class ControlNumbers:
    interchange: int
    group: int


@dataclass(frozen=True)
class Envelope:
    """Everything the ISA and GS of an outbound interchange say."""

    sender: Party
    receiver: Party
    usage_indicator: str
    functional_id: str
    version: str
    at: datetime
    numbers: ControlNumbers
    acknowledgment_requested: bool = False  # ISA14: the sender asks for a TA1


def segment_text(segment: Segment, separators: Separators = STANDARD_SEPARATORS) -> str:
    """One segment with its terminator; trailing empty elements are dropped."""
    fields = list(segment)
    while len(fields) > 1 and fields[-1] == "":
        fields.pop()
    return separators.element.join(fields) + separators.segment + "\n"


def isa_segment(envelope: Envelope) -> list[str]:
    return [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        envelope.sender.qualifier,
        envelope.sender.interchange_id.ljust(15)[:15],
        envelope.receiver.qualifier,
        envelope.receiver.interchange_id.ljust(15)[:15],
        f"{envelope.at:%y%m%d}",
        f"{envelope.at:%H%M}",
        STANDARD_SEPARATORS.repetition,
        CONTROL_VERSION,
        f"{envelope.numbers.interchange % 1_000_000_000:09d}",
        "1" if envelope.acknowledgment_requested else "0",
        envelope.usage_indicator,
        STANDARD_SEPARATORS.component,
    ]


def transaction_set(
    set_id: str, control_number: int, version: str, body: Iterable[Segment]
) -> list[Segment]:
    """ST, the body, and an SE that counts them all."""
    number = f"{control_number % 1_000_000_000:04d}"
    segments: list[Segment] = [["ST", set_id, number, version], *body]
    segments.append(["SE", str(len(segments) + 1), number])
    return segments


def write_interchange(envelope: Envelope, sets: Sequence[Sequence[Segment]]) -> bytes:
    """A whole interchange: ISA, one functional group holding ``sets``, IEA."""
    group = f"{envelope.numbers.group % 1_000_000_000}"
    segments: list[Segment] = [
        isa_segment(envelope),
        [
            "GS",
            envelope.functional_id,
            envelope.sender.application_id,
            envelope.receiver.application_id,
            f"{envelope.at:%Y%m%d}",
            f"{envelope.at:%H%M}",
            group,
            "X",
            envelope.version,
        ],
    ]
    for transaction in sets:
        segments.extend(transaction)
    segments.append(["GE", str(len(sets)), group])
    segments.append(["IEA", "1", f"{envelope.numbers.interchange % 1_000_000_000:09d}"])
    return "".join(segment_text(segment) for segment in segments).encode("latin-1")
