"""Reading what a request asks: claims of an 837, inquiries of a 270, 276 or 278.

Each parser consumes the segments of one accepted transaction set and yields one item at a
time, so a 16 MB claim file is never held whole. Only what a response needs is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO

from simulator.x12.reader import SegmentReader
from simulator.x12.sets import SET_IDS

Segment = list[str]
# Where a service line keeps its procedure, charge and unit count: SV104 and SV205 are
# quantities; a dental line's SV304 is the oral cavity and its count of procedures is SV306.
UNITS_AT = {"SV1": (1, 2, 4), "SV2": (2, 3, 5), "SV3": (1, 2, 6)}


def _get(segment: Segment, index: int) -> str:
    return segment[index] if index < len(segment) else ""


def _money(text: str) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        return Decimal(0)


def _date(text: str) -> date | None:
    """A D8 date, or the first date of an RD8 range."""
    try:
        return datetime.strptime(text[:8], "%Y%m%d").date()
    except ValueError:
        return None


@dataclass(frozen=True)
class Entity:
    """A named entity of a request (payer, provider, submitter): NM1 as it was sent."""

    entity: str
    name: str
    qualifier: str
    identifier: str

    @classmethod
    def from_nm1(cls, nm1: Segment) -> Entity:
        name = _get(nm1, 3)
        if _get(nm1, 2) == "1" and _get(nm1, 4):
            name = f"{name}*{_get(nm1, 4)}"
        return cls(_get(nm1, 1), name, _get(nm1, 8), _get(nm1, 9))

    def nm1(self, entity: str | None = None) -> Segment:
        last, _, first = self.name.partition("*")
        kind = "1" if first else "2"
        return [
            "NM1",
            entity or self.entity,
            kind,
            last,
            first,
            "",
            "",
            "",
            self.qualifier,
            self.identifier,
        ]


@dataclass
class Person:
    member_id: str = ""
    last_name: str = ""
    first_name: str = ""
    birth_date: date | None = None
    gender: str = ""

    def take_nm1(self, nm1: Segment) -> None:
        self.last_name, self.first_name = _get(nm1, 3), _get(nm1, 4)
        self.member_id = _get(nm1, 9)

    def nm1(self, entity: str) -> Segment:
        """The person's NM1, member ID qualified MI, as every response names them."""
        return [
            "NM1",
            entity,
            "1",
            self.last_name,
            self.first_name,
            "",
            "",
            "",
            "MI",
            self.member_id,
        ]

    def take_dmg(self, dmg: Segment) -> None:
        self.birth_date = _date(_get(dmg, 2))
        self.gender = _get(dmg, 3)


@dataclass
class ServiceLine:
    procedure: str
    charge: Decimal
    units: Decimal
    service_date: date | None = None


@dataclass
class ClaimRequest:
    """One CLM of an 837 with the subscriber and provider it was billed under."""

    patient_control_number: str
    charge: Decimal
    member: Person
    billing_provider: Entity | None
    service_date: date | None = None
    lines: list[ServiceLine] = field(default_factory=list)


@dataclass
class Inquiry:
    """A 270/276/278 subscriber level: who is asked about, traces to echo, what is asked.

    ``parties`` are the NM1s above the subscriber level, by entity code (PR or X3 payer, 41
    information receiver, 1P provider, FA facility).
    """

    parties: dict[str, Entity]
    member: Person = field(default_factory=Person)
    traces: list[Segment] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)
    amount: Decimal = Decimal(0)
    service_date: date | None = None
    service_types: list[str] = field(default_factory=list)
    units: Decimal = Decimal(0)


def first_set_id(stream: IO[bytes]) -> str | None:
    """The ST01 of the first transaction set, or the set a first GS's functional ID stands
    for; ``None`` when the interchange holds neither. Raises :class:`NotX12Error`."""
    group: str | None = None
    for segment in SegmentReader.open(stream):
        if segment[0] == "ST":
            return _get(segment, 1)
        if segment[0] == "GS" and group is None:
            group = SET_IDS.get(_get(segment, 1))
    return group


def set_segments(stream: IO[bytes], first_segments: set[int]) -> Iterator[tuple[int, Segment]]:
    """The segments of the wanted transaction sets, each with its ST's number in the file."""
    current = 0
    for number, segment in enumerate(SegmentReader.open(stream), start=1):
        if segment[0] == "ST":
            current = number if number in first_segments else 0
        if current:
            yield current, segment
            if segment[0] == "SE":
                current = 0


def claims_837(segments: Iterable[Segment]) -> Iterator[ClaimRequest]:
    """Every claim of one 837 set, yielded once its service lines are read."""
    provider: Entity | None = None
    member = Person()
    claim: ClaimRequest | None = None
    in_subscriber = False
    for segment in segments:
        tag = segment[0]
        if tag == "HL":
            if claim is not None:
                yield claim
                claim = None
            level = _get(segment, 3)
            in_subscriber = level == "22"
            if level == "20":
                provider = None
            if in_subscriber:
                member = Person()
        elif tag == "NM1":
            entity = _get(segment, 1)
            if entity == "85":
                provider = Entity.from_nm1(segment)
            elif entity == "IL" and in_subscriber:
                member.take_nm1(segment)
        elif tag == "DMG" and in_subscriber and claim is None:
            member.take_dmg(segment)
        elif tag == "CLM":
            if claim is not None:
                yield claim
            claim = ClaimRequest(_get(segment, 1), _money(_get(segment, 2)), member, provider)
        elif claim is not None:
            _claim_detail(claim, tag, segment)
    if claim is not None:
        yield claim


def _claim_detail(claim: ClaimRequest, tag: str, segment: Segment) -> None:
    if tag in UNITS_AT:
        procedure_at, charge_at, units_at = UNITS_AT[tag]
        procedure = _get(segment, procedure_at).split(":")
        claim.lines.append(
            ServiceLine(
                procedure=procedure[1] if len(procedure) > 1 else procedure[0],
                charge=_money(_get(segment, charge_at)),
                units=_money(_get(segment, units_at)) or Decimal(1),
            )
        )
    elif tag == "DTP" and _get(segment, 1) in ("472", "434"):
        when = _date(_get(segment, 3))
        if claim.lines and _get(segment, 1) == "472":
            claim.lines[-1].service_date = when
        claim.service_date = claim.service_date or when


MEMBER_LEVELS = ("22", "23")
EVENT_LEVELS = ("EV", "SS")


def inquiries(segments: Iterable[Segment]) -> Iterator[Inquiry]:
    """Every subscriber (or dependent) level of a 270, 276 or 278 set, with its events."""
    parties: dict[str, Entity] = {}
    current: Inquiry | None = None
    for segment in segments:
        tag = segment[0]
        if tag == "HL" and _get(segment, 3) not in EVENT_LEVELS:
            if current is not None:
                yield current
                current = None
            if _get(segment, 3) in MEMBER_LEVELS:
                current = Inquiry(parties=dict(parties))
        elif current is None:
            if tag == "NM1":
                parties[_get(segment, 1)] = Entity.from_nm1(segment)
        elif tag == "NM1" and _get(segment, 1) in ("IL", "QC"):
            current.member.take_nm1(segment)
        else:
            _inquiry_detail(current, tag, segment)
    if current is not None:
        yield current


def _inquiry_detail(current: Inquiry, tag: str, segment: Segment) -> None:
    if tag == "TRN":
        current.traces.append(segment)
    elif tag == "DMG":
        current.member.take_dmg(segment)
    elif tag == "REF":
        current.references[_get(segment, 1)] = _get(segment, 2)
    elif tag == "AMT":
        current.amount = _money(_get(segment, 2))
    elif tag == "DTP":
        current.service_date = current.service_date or _date(_get(segment, 3))
    elif tag == "EQ":
        current.service_types.append(_get(segment, 1))
    elif tag in ("SV1", "SV2"):
        current.units += _money(_get(segment, 4 if tag == "SV1" else 5))
    elif tag == "HSD":
        current.units += _money(_get(segment, 2))
