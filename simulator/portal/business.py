"""The business side of processing: what MassHealth answers to an accepted transaction set.

The rules, documented in the README, are deterministic:

* 270 -> 271: a member on the site's roster gets active (EB*1) or inactive (EB*6) coverage;
  an ID that is not 12 digits is AAA 72, an unknown ID AAA 75, a last name that does not
  match AAA 73, a birth date that does not match AAA 71.
* 837 -> 277CA: a claim for a member on the roster is accepted into adjudication (A2:20, with a
  payer claim control number); any other is rejected (A3:33). On a site that pays claims,
  accepted claims are adjudicated at once: an inactive member's claim is denied (CARC 27),
  the documented pending member's claims pend, every other claim is paid at 80 % of each
  line's charge (CARC 45 for the rest), and paid and denied claims go out in an 835.
* 276 -> 277: the claim (by payer claim number REF*1K, else patient control number REF*EJ)
  as the site last decided it: P1:20 accepted, P2:20 pended, F1:65 paid, F2:104 denied, or
  A4:35 not found.
* 278 -> 278: up to 10 units are certified (A1), 11 to 20 pend (A4), more are not certified
  (A3); a member not on the roster is not certified.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any, Protocol

from simulator.portal.access import ProviderView
from simulator.sites import SiteProfile
from simulator.store.claims import REFERENCES, ClaimRecord, NewClaim
from simulator.store.members import MemberRecord
from simulator.x12.outbound import NumberSource, ResponseSet
from simulator.x12.report import ValidationReport
from simulator.x12.requests import (
    ClaimRequest,
    Entity,
    Inquiry,
    claims_837,
    inquiries,
    set_segments,
)
from simulator.x12.responses import (
    ClaimAcknowledgment,
    ClaimStatus,
    Coverage,
    Payment,
    Review,
    claim_ack_277ca,
    claim_status_277,
    eligibility_271,
    remittance_835,
    review_278,
)
from simulator.x12.writer import Segment

MEMBER_ID = re.compile(r"^\d{12}$")
PAID_SHARE = Decimal("0.80")
PENDING_MEMBER = "100000000004"
CERTIFIED_UNITS = 10
LOOKUP_CHUNK = 500  # claims whose members are read in one query
PENDED_UNITS = 20


@dataclass
class _Reference:
    """Picks the BHT03 of a set out of its segments as they stream past."""

    value: str = ""

    def watch(self, segments: Iterable[list[str]]) -> Iterator[list[str]]:
        for segment in segments:
            if segment[0] == "BHT" and len(segment) > 3:
                self.value = segment[3]
            yield segment


class MemberLookup(Protocol):
    """The site's member roster: those of the IDs asked for that are on it."""

    def members(self, site: str, member_ids: Sequence[str]) -> Iterable[MemberRecord]: ...


class ClaimLookup(Protocol):
    """The provider's newest recorded claim whose ``reference`` (1K or EJ) is ``value``."""

    def latest(
        self, site: str, provider_pk: int, reference: str, value: str
    ) -> ClaimRecord | None: ...


@dataclass(frozen=True)
class RefusedClaim:
    """A claim the 277CA rejected (STC A3), named by its patient control number."""

    patient_control_number: str
    member_id: str
    status: str  # STC01-2, the claim status code


@dataclass
class BusinessContext:
    """What the rules know while answering one file or one real-time request.

    No rows, sessions or stored files: the provider as the account sees it, the moment, a
    source of numbers, and look-ups of the roster and the recorded claims. A real-time
    request has no tracking number; ``received_at`` is then the moment it came.
    """

    profile: SiteProfile
    provider: ProviderView
    submitter: Entity
    now: datetime
    numbers: NumberSource
    roster: MemberLookup
    claims: ClaimLookup
    received_at: datetime
    tracking_number: str = ""
    claims_recorded: list[NewClaim] = field(default_factory=list)
    claims_refused: list[RefusedClaim] = field(default_factory=list)
    members: dict[str, MemberRecord | None] = field(default_factory=dict)

    def member(self, member_id: str) -> MemberRecord | None:
        """The member on the site's roster, from those :meth:`look_up` read, or the database."""
        if member_id not in self.members:
            self.look_up([member_id])
        return self.members[member_id]

    def look_up(self, member_ids: Iterable[str]) -> None:
        """Read many members in a few queries, for the claims or inquiries about to be answered.

        ``LOOKUP_CHUNK`` IDs a query, well under SQLite's limit on bound values.
        """
        wanted = sorted(set(member_ids) - self.members.keys())
        self.members.update(dict.fromkeys(wanted))
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            found = self.roster.members(self.profile.code, chunk)
            self.members.update((member.member_id, member) for member in found)


def business_responses(
    context: BusinessContext,
    responder: Responder | None,
    report: ValidationReport,
    content: Callable[[], IO[bytes]],
) -> list[ResponseSet]:
    """The response sets ``responder`` makes for every accepted transaction set of one file.

    ``content`` opens the file again (the checks read it once already).
    """
    wanted = {result.first_segment for result in report.accepted_sets()}
    if not wanted or responder is None:
        return []
    responses: list[ResponseSet] = []
    with content() as stream:
        for _, pairs in itertools.groupby(set_segments(stream, wanted), key=lambda pair: pair[0]):
            reference = _Reference()
            segments = reference.watch(segment for _, segment in pairs)
            responses += responder(context, segments, reference)
    return responses


def _coverage(context: BusinessContext, inquiry: Inquiry) -> Coverage:
    asked = inquiry.member
    if not MEMBER_ID.match(asked.member_id):
        return Coverage(rejection="72")
    member = context.member(asked.member_id)
    if member is None:
        return Coverage(rejection="75")
    if asked.last_name and asked.last_name.upper() != member.last_name.upper():
        return Coverage(rejection="73")
    if asked.birth_date and asked.birth_date != member.birth_date:
        return Coverage(rejection="71")
    return Coverage(
        active=member.status == "active",
        plan=member.plan,
        coverage_start=member.coverage_start,
        coverage_end=member.coverage_end,
        last_name=member.last_name,
        first_name=member.first_name,
        birth_date=member.birth_date,
        gender=member.gender,
    )


def _looked_up(context: BusinessContext, claims: Iterable[ClaimRequest]) -> Iterator[ClaimRequest]:
    """The claims as they stream past, their members read a chunk of claims at a time."""
    stream = iter(claims)
    while chunk := list(itertools.islice(stream, LOOKUP_CHUNK)):
        context.look_up(claim.member.member_id for claim in chunk)
        yield from chunk


def _claims(
    context: BusinessContext, segments: Iterator[list[str]], reference: _Reference
) -> list[ResponseSet]:
    acknowledgments = []
    payments = []
    for claim in _looked_up(context, claims_837(segments)):
        member = context.member(claim.member.member_id)
        if member is None:
            acknowledgments.append(ClaimAcknowledgment(claim, accepted=False, status="33"))
            refused = RefusedClaim(claim.patient_control_number, claim.member.member_id, "33")
            context.claims_refused.append(refused)
            continue
        number = f"{context.now:%y%j}{context.numbers.take('claim'):08d}"
        acknowledgments.append(ClaimAcknowledgment(claim, accepted=True, claim_number=number))
        payment = _adjudicate(claim, member, number) if context.profile.pays_claims else None
        _record(context, claim, number, payment, member)
        if payment is not None:
            payments.append(payment)
    responses = [
        ResponseSet(
            "277CA",
            "277",
            "005010X214",
            "HN",
            claim_ack_277ca(
                reference.value,
                context.submitter,
                acknowledgments,
                context.received_at,
                context.now,
            ),
        )
    ]
    if payments:
        payee = Entity("PE", context.provider.name, "XX", context.provider.npi)
        trace = f"{context.tracking_number}{len(responses)}"
        responses.append(
            ResponseSet(
                "835",
                "835",
                "005010X221A1",
                "HP",
                remittance_835(payee, payments, trace, context.now),
            )
        )
    return responses


def _adjudicate(claim: ClaimRequest, member: MemberRecord, number: str) -> Payment | None:
    """Paid, denied, or ``None`` for a claim that pends."""
    if member.member_id == PENDING_MEMBER:
        return None
    if member.status != "active":
        return Payment(claim, number, tuple(Decimal(0) for _ in claim.lines), reason="27")
    paid = tuple(
        (line.charge * PAID_SHARE).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        for line in claim.lines
    )
    return Payment(claim, number, paid)


def _record(
    context: BusinessContext,
    claim: ClaimRequest,
    number: str,
    payment: Payment | None,
    member: MemberRecord,
) -> None:
    if payment is None:
        status = "pended" if context.profile.pays_claims else "accepted"
    else:
        status = "denied" if payment.denied else "paid"
    record = NewClaim(
        claim_number=number,
        patient_control_number=claim.patient_control_number[:38],
        member_id=member.member_id,
        charge=claim.charge,
        paid=payment.paid if payment else Decimal(0),
        service_date=claim.service_date,
        status=status,
    )
    context.claims_recorded.append(record)


CLAIM_STATUSES = {
    "accepted": ("P1", "20"),
    "pended": ("P2", "20"),
    "paid": ("F1", "65"),
    "denied": ("F2", "104"),
}


def _claim_status(context: BusinessContext, inquiry: Inquiry) -> ClaimStatus:
    """By payer claim number (REF*1K) if the inquiry gives one, else patient control number."""
    reference = next((name for name in REFERENCES if name in inquiry.references), None)
    if reference is None:
        return ClaimStatus("A4", "35", inquiry.amount)
    claim = context.claims.latest(
        context.profile.code, context.provider.pk, reference, inquiry.references[reference]
    )
    if claim is None:
        return ClaimStatus("A4", "35", inquiry.amount)
    category, status = CLAIM_STATUSES[claim.status]
    return ClaimStatus(category, status, claim.charge, claim.paid, claim.claim_number)


def _review(context: BusinessContext, inquiry: Inquiry) -> Review:
    if context.member(inquiry.member.member_id) is None:
        return Review("A3", reason="33")
    if inquiry.units <= CERTIFIED_UNITS:
        serial = context.numbers.take("certification")
        number = f"{context.profile.code.upper()}{serial:08d}"
        return Review("A1", certification=number)
    if inquiry.units <= PENDED_UNITS:
        return Review("A4", reason="0U")
    return Review("A3", reason="35")


def _answering(
    decide: Callable[[BusinessContext, Inquiry], Any],
    write: Callable[[str, Sequence[tuple[Inquiry, Any]], datetime], list[Segment]],
    response: tuple[str, str, str, str],
    *,
    about_members: bool = True,
) -> Responder:
    """A responder for inquiries (270, 276, 278): decide each one, write one response set."""

    def respond(
        context: BusinessContext, segments: Iterator[list[str]], reference: _Reference
    ) -> list[ResponseSet]:
        asked = list(inquiries(segments))
        if about_members:
            context.look_up(inquiry.member.member_id for inquiry in asked)
        answers = [(inquiry, decide(context, inquiry)) for inquiry in asked]
        body = write(reference.value, answers, context.now)
        return [ResponseSet(*response, body)]

    return respond


Responder = Callable[[BusinessContext, Iterator[list[str]], _Reference], list[ResponseSet]]
# Each reads the request's sets, decides by the rules above and writes the response sets.
ELIGIBILITY = _answering(_coverage, eligibility_271, ("271", "271", "005010X279A1", "HB"))
CLAIM_STATUS = _answering(
    _claim_status,
    claim_status_277,
    ("277", "277", "005010X212", "HN"),
    about_members=False,  # a claim status inquiry is answered from the claims
)
SERVICE_REVIEW = _answering(_review, review_278, ("278", "278", "005010X217", "HI"))
CLAIMS: Responder = _claims
