"""Answering one X12 file: check it, let a fault bend the findings, respond to what passed.

A batch file's processing job and a real-time request answer alike through these, so the same
file earns the same TA1, 999 and business response whichever way it came in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from simulator.faults.service import FiredFault
from simulator.portal.access import ProviderView
from simulator.portal.business import (
    BusinessContext,
    ClaimLookup,
    MemberLookup,
    business_responses,
)
from simulator.portal.registry import X12_BY_CODE
from simulator.portal.transactions import TransactionType
from simulator.sites import SiteProfile
from simulator.x12.deep import deepen
from simulator.x12.outbound import NumberSource, OutboundFile, OutboundWriter
from simulator.x12.report import ValidationReport
from simulator.x12.requests import Entity
from simulator.x12.validate import Expectation, validate_structure
from simulator.x12.writer import MASSHEALTH_ID

Content = Callable[[], IO[bytes]]  # opens the file's bytes, once for each pass over them


def examine(
    kind: TransactionType, profile: SiteProfile, validation: str, content: Content
) -> ValidationReport:
    """The validation report of one X12 file of ``kind`` sent to the site of ``profile``.

    ``validation`` is the site's setting: ``full`` adds pyx12's findings where it has a map.
    """
    if kind.x12_version is None:
        raise ValueError(f"{kind.code} is not an X12 transaction type")
    expectation = Expectation(
        set_id=kind.code[:3],
        version=kind.x12_version,
        usage_indicator=profile.usage_indicator,
        receiver_id=MASSHEALTH_ID,
    )
    with content() as stream:
        report = validate_structure(stream, expectation)
    if validation == "full":
        with content() as stream:
            report = deepen(report, stream, kind.x12_version)
    return report


def apply_fault(report: ValidationReport, fault: FiredFault | None) -> None:
    """``ta1_reject`` refuses every interchange; ``reject_999`` every transaction set."""
    if fault is None:
        return
    for interchange in report.interchanges:
        if fault.kind == "ta1_reject":
            interchange.note_code = fault.action["note_code"]
        elif fault.kind == "reject_999":
            for group in interchange.groups:
                for result in group.sets:
                    result.reject("5")


def corrupted(data: bytes) -> bytes:
    """Malformed X12, as a ``corrupt_response`` fault makes it: cut short, terminators gone."""
    return data[: max(len(data) // 2, 40)].replace(b"~", b"")


@dataclass(frozen=True)
class Answerer:
    """Everything but the file: who answers for which provider, when, with which numbers."""

    profile: SiteProfile
    provider: ProviderView
    user_id: str
    now: datetime
    numbers: NumberSource
    roster: MemberLookup
    claims: ClaimLookup
    received_at: datetime
    tracking_number: str = ""

    @property
    def writer(self) -> OutboundWriter:
        return OutboundWriter(self.profile.usage_indicator, self.user_id, self.numbers, self.now)

    def context(self, report: ValidationReport) -> BusinessContext:
        """The business rules' context for one file: its answers go to the file's sender."""
        sender = self.writer.submitter(report)
        return BusinessContext(
            profile=self.profile,
            provider=self.provider,
            submitter=Entity("41", sender.application_id, "46", sender.application_id),
            now=self.now,
            numbers=self.numbers,
            roster=self.roster,
            claims=self.claims,
            received_at=self.received_at,
            tracking_number=self.tracking_number,
        )

    def responses(
        self, kind: TransactionType, report: ValidationReport, content: Content
    ) -> tuple[list[OutboundFile], BusinessContext]:
        """The business response files of one checked file, and the context that made them
        (which holds the claims the rules accepted)."""
        context = self.context(report)
        entry = X12_BY_CODE.get(kind.code)
        responder = entry.responder if entry is not None else None
        sets = business_responses(context, responder, report, content)
        return self.writer.responses(report, sets), context
