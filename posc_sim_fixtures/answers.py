"""Generated answers: what the simulator itself answers to requests the builders make.

A 271, 277, 278 response, 277CA, 999 or TA1 placed with ``generate: true`` is the file the
simulator would have sent back: a request is built for the provider, about the documented
members (so the answers say something: active and inactive coverage, certified reviews,
accepted claims), checked and answered by the code that answers uploads, and the answer of
the wanted type is kept. Nothing is recorded: the claims and certifications exist only in the
file. The 824 application advice, which the simulator sends for no upload, is written here
in the shape of 005010X186A1, accepting each claim set of a generated claim file.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from posc_sim_fixtures.members import DOCUMENTED_REQUEST_MEMBERS as ASKED_ABOUT
from posc_sim_fixtures.x12_builders import (
    NAME_LENGTH,
    ClaimRef,
    Submitter,
    build_270,
    build_276,
    build_278,
    build_837p,
    draw_claims,
    x12_text,
)
from simulator.portal.access import ProviderView
from simulator.portal.answering import Answerer, examine
from simulator.portal.business import CLAIM_STATUSES, PAID_SHARE, MemberLookup
from simulator.portal.transactions import upload_type
from simulator.sites import SiteProfile
from simulator.store.claims import ClaimRecord
from simulator.x12.outbound import NumberSource, ResponseSet
from simulator.x12.reader import SegmentReader
from simulator.x12.report import ValidationReport
from simulator.x12.writer import MASSHEALTH_ID, Segment

APPLICATION_ADVICE_VERSION = "005010X186A1"
GENERATED_ANSWERS = ("271", "277", "278", "277CA", "999", "TA1", "824")
ACKNOWLEDGEMENTS = ("999", "TA1")


@dataclass(frozen=True)
class MadeUpClaims:
    """The claim book a generated 277 reads: the claims its 276 asks about, accepted, pended,
    paid and denied in turn, each numbered from the site's claim counter when asked about."""

    claims: Sequence[ClaimRef]
    numbers: NumberSource
    now: datetime

    def latest(self, site: str, provider_pk: int, reference: str, value: str) -> ClaimRecord | None:
        """Generated 276s ask by patient control number (``EJ``)."""
        statuses = list(CLAIM_STATUSES)
        for index, claim in enumerate(self.claims):
            if reference == "EJ" and claim.patient_control_number == value:
                status = statuses[index % len(statuses)]
                paid = claim.charge * PAID_SHARE if status == "paid" else Decimal(0)
                return ClaimRecord(
                    claim_number=f"{self.now:%y%j}{self.numbers.take('claim'):08d}",
                    status=status,
                    charge=claim.charge,
                    paid=paid.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                )
        return None


def generated_answer(
    transaction_type: str,
    *,
    profile: SiteProfile,
    provider: ProviderView,
    now: datetime,
    seed: int,
    numbers: NumberSource,
    roster: MemberLookup,
) -> bytes:
    """The simulator's ``transaction_type`` answer to a request of ``provider``, made at
    ``now``: the same for the same seed, roster and control numbers."""
    submitter = Submitter(
        provider.provider_id,
        provider_id=provider.provider_id,
        npi=provider.npi,
        usage_indicator=profile.usage_indicator,
        seed=seed,
        acknowledgment_requested=transaction_type == "TA1",
        provider_name=provider.name,
    )
    claims = draw_claims(submitter, ASKED_ABOUT, now)
    request_type, data = _request(transaction_type, submitter, claims, now)
    answerer = Answerer(
        profile=profile,
        provider=provider,
        user_id=provider.provider_id,
        now=now,
        numbers=numbers,
        roster=roster,
        claims=MadeUpClaims(claims, numbers, now),
        received_at=now,
    )
    kind = upload_type(request_type)
    content = partial(io.BytesIO, data)
    report = examine(kind, profile, "structure", content)
    if transaction_type in ACKNOWLEDGEMENTS:
        files = answerer.writer.acknowledgements(report, kind.code[:3])
    elif transaction_type == "824":
        advice = _application_advice(report, data, provider, now)
        files = answerer.writer.responses(report, [advice])
    else:
        files = answerer.responses(kind, report, content)[0]
    return dict(files)[transaction_type]


def _request(
    answer_type: str, submitter: Submitter, claims: Sequence[ClaimRef], at: datetime
) -> tuple[str, bytes]:
    """The upload type and the bytes of the request an ``answer_type`` file answers."""
    if answer_type == "271":
        return "270", build_270(submitter, members=ASKED_ABOUT, at=at)
    if answer_type == "277":
        return "276", build_276(submitter, claims=claims, at=at)
    if answer_type == "278":
        return "278", build_278(submitter, requests=len(ASKED_ABOUT), members=ASKED_ABOUT, at=at)
    return "837P", build_837p(submitter, claims=len(ASKED_ABOUT), members=ASKED_ABOUT, at=at)


def _application_advice(
    report: ValidationReport, data: bytes, provider: ProviderView, now: datetime
) -> ResponseSet:
    """An 824 (005010X186A1) accepting (OTI01 ``TA``) every transaction set of the file.

    OTI03 names each set by its BHT03, OTI08 and OTI09 by its group and set control numbers.
    """
    references = [
        segment[3] for segment in SegmentReader.open(io.BytesIO(data)) if segment[0] == "BHT"
    ]
    interchange = report.interchanges[0]
    body: list[Segment] = [
        [
            "BGN",
            "11",  # a response
            interchange.control_number,
            f"{now:%Y%m%d}",
            f"{now:%H%M}",
            "",
            "",
            "",
            "WQ",  # accepted
        ],
        ["N1", "41", "MASSHEALTH", "46", MASSHEALTH_ID],
        ["N1", "40", x12_text(provider.name, NAME_LENGTH), "46", provider.provider_id],
    ]
    sets = [(group, result) for group in interchange.groups for result in group.sets]
    for (group, result), reference in zip(sets, references, strict=True):
        body.append(
            [
                "OTI",
                "TA",
                "TN",
                reference,
                "",
                "",
                f"{now:%Y%m%d}",
                f"{now:%H%M}",
                group.control_number,
                result.control_number,
                result.set_id,
                result.version,
            ]
        )
    return ResponseSet("824", "824", APPLICATION_ADVICE_VERSION, "AG", body)
