"""Business responses: 271 for a 270, 277 for a 276, 278 for a 278, 277CA and 835 for an 837.

Each function writes the body of one transaction set (between ST and SE) from a request and
the decisions the domain made about it; nothing here decides anything. Trace numbers (TRN)
and the request's identifiers are echoed so a client can match answers to questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from simulator.x12.requests import ClaimRequest, Entity, Inquiry
from simulator.x12.writer import MASSHEALTH_ID, Segment

MASSHEALTH_PAYER = Entity("PR", "MASSHEALTH", "PI", MASSHEALTH_ID)
MASSHEALTH_TIN = "1046002284"  # TRN03/TRN04-style originator: "1" and a nine-digit EIN


def _d8(when: date | datetime) -> str:
    return f"{when:%Y%m%d}"


def _amount(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01'))}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _echo_traces(inquiry: Inquiry) -> list[Segment]:
    """A request's TRN*1 come back as TRN*2 (referenced transaction trace numbers)."""
    return [["TRN", "2", *trace[2:]] for trace in inquiry.traces]


class Levels:
    """Numbers HL segments: ``add(parent, level, has_children)`` returns the new HL id."""

    def named(
        self, body: list[Segment], parent: int | None, level: str, party: Entity | None
    ) -> int:
        """Append an HL with children and, when known, the party's NM1; return the HL id."""
        number, hl = self.add(parent, level, True)
        body.append(hl)
        if party is not None:
            body.append(party.nm1())
        return number

    def __init__(self) -> None:
        self.count = 0

    def add(self, parent: int | None, level: str, children: bool | None) -> tuple[int, Segment]:
        """``children`` ``None`` leaves HL04 out, for levels whose guide does not use it."""
        self.count += 1
        hl = ["HL", str(self.count), str(parent or ""), level]
        if children is not None:
            hl.append("1" if children else "0")
        return self.count, hl


# -- 271 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """What the roster says of an inquiry's member; ``rejection`` is an AAA03 code."""

    rejection: str | None = None
    active: bool = False
    plan: str = ""
    coverage_start: date | None = None
    coverage_end: date | None = None
    last_name: str = ""
    first_name: str = ""
    birth_date: date | None = None
    gender: str = ""


def eligibility_271(
    reference: str, answers: Sequence[tuple[Inquiry, Coverage]], at: datetime
) -> list[Segment]:
    body: list[Segment] = [["BHT", "0022", "11", reference, _d8(at), f"{at:%H%M}"]]
    levels = Levels()
    for inquiry, coverage in answers:
        source = levels.named(body, None, "20", MASSHEALTH_PAYER)
        receiver_party = inquiry.parties.get("1P") or inquiry.parties.get("FA")
        receiver = levels.named(body, source, "21", receiver_party)
        _, hl = levels.add(receiver, "22", False)
        body += [hl, *_echo_traces(inquiry)]
        member = inquiry.member
        last = coverage.last_name or member.last_name
        first = coverage.first_name or member.first_name
        body.append(["NM1", "IL", "1", last, first, "", "", "", "MI", member.member_id])
        if coverage.rejection is not None:
            body.append(["AAA", "Y", "", coverage.rejection, "C"])
            continue
        if coverage.birth_date:
            body.append(["DMG", "D8", _d8(coverage.birth_date), coverage.gender])
        if coverage.coverage_start:
            span = _d8(coverage.coverage_start)
            if coverage.coverage_end:
                span = f"{span}-{_d8(coverage.coverage_end)}"
            body.append(
                [
                    "DTP",
                    "346" if not coverage.coverage_end else "307",
                    "RD8" if coverage.coverage_end else "D8",
                    span,
                ]
            )
        body.append(["EB", "1" if coverage.active else "6", "IND", "30", "MC", coverage.plan])
    return body


# -- 277 for a 276 ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimStatus:
    """A claim's status as STC01 (category:status), with the amounts STC04 and STC05 report."""

    category: str
    status: str
    charge: Decimal
    paid: Decimal = Decimal(0)
    claim_number: str = ""


def claim_status_277(
    reference: str, answers: Sequence[tuple[Inquiry, ClaimStatus]], at: datetime
) -> list[Segment]:
    body: list[Segment] = [["BHT", "0010", "08", reference, _d8(at), f"{at:%H%M}", "DG"]]
    levels = Levels()
    for inquiry, status in answers:
        source = levels.named(body, None, "20", MASSHEALTH_PAYER)
        receiver = levels.named(body, source, "21", inquiry.parties.get("41"))
        provider = levels.named(body, receiver, "19", inquiry.parties.get("1P"))
        _, hl = levels.add(provider, "22", False)
        member = inquiry.member
        body += [
            hl,
            member.nm1("QC"),
        ]
        body += _echo_traces(inquiry)
        body.append(
            [
                "STC",
                f"{status.category}:{status.status}",
                _d8(at),
                "",
                _amount(status.charge),
                _amount(status.paid),
            ]
        )
        if status.claim_number:
            body.append(["REF", "1K", status.claim_number])
        if "EJ" in inquiry.references:
            body.append(["REF", "EJ", inquiry.references["EJ"]])
        if inquiry.service_date:
            body.append(["DTP", "472", "D8", _d8(inquiry.service_date)])
    return body


# -- 278 response ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """HCR01 action (A1 certified, A3 not certified, A4 pended), with a reason when not A1."""

    action: str
    reason: str = ""
    certification: str = ""


def review_278(
    reference: str, answers: Sequence[tuple[Inquiry, Review]], at: datetime
) -> list[Segment]:
    body: list[Segment] = [["BHT", "0007", "11", reference, _d8(at), f"{at:%H%M}"]]
    levels = Levels()
    for inquiry, review in answers:
        source = levels.named(body, None, "20", Entity("X3", "MASSHEALTH", "PI", MASSHEALTH_ID))
        requester = levels.named(body, source, "21", inquiry.parties.get("1P"))
        subscriber, hl = levels.add(requester, "22", True)
        member = inquiry.member
        body += [hl, member.nm1("IL")]
        _, hl = levels.add(subscriber, "EV", False)
        body += [hl, *_echo_traces(inquiry), ["UM", "HS", "I", "3"]]
        body.append(["HCR", review.action, review.certification, review.reason])
        if inquiry.service_date:
            body.append(["DTP", "472", "D8", _d8(inquiry.service_date)])
    return body


# -- 277CA for an 837 ------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimAcknowledgment:
    """One claim's 277CA answer: accepted into adjudication (with its claim number) or not."""

    claim: ClaimRequest
    accepted: bool
    claim_number: str = ""
    status: str = "20"


def claim_ack_277ca(
    reference: str,
    submitter: Entity,
    acknowledgments: Sequence[ClaimAcknowledgment],
    received: datetime,
    at: datetime,
) -> list[Segment]:
    body: list[Segment] = [["BHT", "0085", "08", reference, _d8(at), f"{at:%H%M}", "TH"]]
    levels = Levels()
    source, hl = levels.add(None, "20", True)
    body += [
        hl,
        MASSHEALTH_PAYER.nm1(),
        ["TRN", "1", reference],
        ["DTP", "050", "D8", _d8(received)],
        ["DTP", "009", "D8", _d8(at)],
    ]
    receiver, hl = levels.add(source, "21", True)
    body += [
        hl,
        submitter.nm1("41"),
        ["TRN", "2", reference],
        *_totals(acknowledgments, at, RECEIVER_COUNTS),
    ]
    by_provider: dict[tuple[str, str], list[ClaimAcknowledgment]] = {}
    for acknowledgment in acknowledgments:
        provider = acknowledgment.claim.billing_provider
        key = (provider.name, provider.identifier) if provider else ("", "")
        by_provider.setdefault(key, []).append(acknowledgment)
    for (name, npi), claims in by_provider.items():
        provider_level, hl = levels.add(receiver, "19", True)
        body += [
            hl,
            ["NM1", "85", "2", name, "", "", "", "", "XX", npi],
            ["TRN", "1", "0"],
            *_totals(claims, at, PROVIDER_COUNTS),
        ]
        for acknowledgment in claims:
            _, hl = levels.add(provider_level, "PT", None)
            body += [hl, *_claim_lines(acknowledgment, at)]
    return body


@dataclass(frozen=True)
class _Counts:
    """How a 277CA level counts claims: QTY qualifiers, and whether STC02 carries a date."""

    accepted: str
    rejected: str
    dated: bool


RECEIVER_COUNTS = _Counts("90", "AA", dated=True)
PROVIDER_COUNTS = _Counts("QA", "QC", dated=False)


def _totals(
    acknowledgments: Sequence[ClaimAcknowledgment], at: datetime, counts: _Counts
) -> list[Segment]:
    accepted = [a for a in acknowledgments if a.accepted]
    rejected = [a for a in acknowledgments if not a.accepted]
    total = sum((a.claim.charge for a in acknowledgments), Decimal(0))
    date_text = _d8(at) if counts.dated else ""
    segments: list[Segment] = [["STC", "A1:19:PR", date_text, "WQ", _amount(total)]]
    if accepted:
        segments.append(["QTY", counts.accepted, str(len(accepted))])
    if rejected:
        segments.append(["QTY", counts.rejected, str(len(rejected))])
    if accepted:
        segments.append(["AMT", "YU", _amount(sum((a.claim.charge for a in accepted), Decimal(0)))])
    if rejected:
        segments.append(["AMT", "YY", _amount(sum((a.claim.charge for a in rejected), Decimal(0)))])
    return segments


def _claim_lines(acknowledgment: ClaimAcknowledgment, at: datetime) -> list[Segment]:
    claim = acknowledgment.claim
    member = claim.member
    category = "A2" if acknowledgment.accepted else "A3"
    action = "WQ" if acknowledgment.accepted else "U"
    segments: list[Segment] = [
        member.nm1("QC"),
        ["TRN", "2", claim.patient_control_number],
        ["STC", f"{category}:{acknowledgment.status}", _d8(at), action, _amount(claim.charge)],
    ]
    if acknowledgment.claim_number:
        segments.append(["REF", "1K", acknowledgment.claim_number])
    segments.append(["DTP", "472", "D8", _d8(claim.service_date or at)])
    return segments


# -- 835 ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    """An adjudicated claim: ``paid`` per service line, the rest adjusted by ``reason``."""

    claim: ClaimRequest
    claim_number: str
    paid_lines: tuple[Decimal, ...]
    group: str = "CO"
    reason: str = "45"

    @property
    def paid(self) -> Decimal:
        return sum(self.paid_lines, Decimal(0))

    @property
    def denied(self) -> bool:
        return self.paid == 0


def remittance_835(
    payee: Entity, payments: Sequence[Payment], trace: str, at: datetime
) -> list[Segment]:
    """A balanced 835: BPR02 is the sum of CLP04; each CLP03 - CLP04 is its CAS total."""
    total = sum((payment.paid for payment in payments), Decimal(0))
    method = ("CHK", "") if total > 0 else ("NON", "")
    body: list[Segment] = [
        ["BPR", "I" if total > 0 else "H", _amount(total), "C", method[0], *[""] * 11, _d8(at)],
        ["TRN", "1", trace, MASSHEALTH_TIN],
        ["DTM", "405", _d8(at)],
        ["N1", "PR", "MASSHEALTH"],
        ["N3", "ONE ASHBURTON PLACE"],
        ["N4", "BOSTON", "MA", "021081518"],
        ["PER", "BL", "MASSHEALTH CUSTOMER SERVICE", "TE", "8008412900"],
        ["N1", "PE", payee.name, "XX", payee.identifier],
    ]
    for number, payment in enumerate(payments, start=1):
        body.append(["LX", str(number)])
        body += _claim_payment(payment)
    return body


def _claim_payment(payment: Payment) -> list[Segment]:
    claim = payment.claim
    member = claim.member
    segments: list[Segment] = [
        [
            "CLP",
            claim.patient_control_number,
            "4" if payment.denied else "1",
            _amount(claim.charge),
            _amount(payment.paid),
            "",
            "MC",
            payment.claim_number,
            "11",
        ],
        member.nm1("QC"),
    ]
    lines = claim.lines or []
    for line, paid in zip(lines, payment.paid_lines, strict=True):
        segments.append(
            [
                "SVC",
                f"HC:{line.procedure}",
                _amount(line.charge),
                _amount(paid),
                "",
                _amount(line.units),
            ]
        )
        if line.service_date:
            segments.append(["DTM", "472", _d8(line.service_date)])
        if line.charge != paid:
            segments.append(["CAS", payment.group, payment.reason, _amount(line.charge - paid)])
    unlined = claim.charge - sum((line.charge for line in lines), Decimal(0))
    if unlined:  # a claim whose lines do not add up: the difference is adjusted at claim level
        segments.insert(1, ["CAS", payment.group, payment.reason, _amount(unlined)])
    return segments
