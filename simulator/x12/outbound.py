"""MassHealth's outbound interchanges: acknowledgements and business responses in envelopes.

Control numbers come from a :class:`NumberSource` the caller hands in (per-site counters in a
server, a plain counter in a test); the moment is passed in too. Given the same numbers and
moment, the same report and responses write the same bytes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from simulator.x12.acks import ack_999, submitter, ta1
from simulator.x12.report import InterchangeResult, ValidationReport
from simulator.x12.writer import (
    MASSHEALTH,
    ControlNumbers,
    Envelope,
    Party,
    Segment,
    transaction_set,
    write_interchange,
)

INTERCHANGE = "isa13"
GROUP = "gs06"
SET = "st02"


class NumberSource(Protocol):
    """Hands out the next value of a named counter (``isa13``, ``gs06``, ``st02``, ...).

    Values of one counter never repeat; gaps are allowed, as X12 allows them.
    """

    def take(self, name: str) -> int: ...


@dataclass(frozen=True)
class ResponseSet:
    """A business response transaction set, ready for an envelope."""

    transaction_type: str
    set_id: str
    version: str
    functional_id: str
    body: list[Segment]


OutboundFile = tuple[str, bytes]  # the file's transaction type, and its bytes


@dataclass(frozen=True)
class OutboundWriter:
    """Puts acknowledgements and business responses in MassHealth's outbound envelopes.

    ``fallback_receiver`` is whom an answer goes to when the file names no readable sender
    (the submitter ID of whoever sent it).
    """

    usage_indicator: str
    fallback_receiver: str
    numbers: NumberSource
    at: datetime

    def _envelope(self, receiver: Party, functional_id: str = "", version: str = "") -> Envelope:
        return Envelope(
            sender=MASSHEALTH,
            receiver=receiver,
            usage_indicator=self.usage_indicator,
            functional_id=functional_id,
            version=version,
            at=self.at,
            numbers=ControlNumbers(
                interchange=self.numbers.take(INTERCHANGE), group=self.numbers.take(GROUP)
            ),
        )

    def _next_set(self) -> int:
        return self.numbers.take(SET)

    def _fallback(self) -> Party:
        return Party("ZZ", self.fallback_receiver, self.fallback_receiver)

    def submitter(self, report: ValidationReport) -> Party:
        """Whom the business responses of a file go back to: its first accepted sender."""
        for interchange in report.interchanges:
            if interchange.accepted and interchange.groups:
                return submitter(interchange, self._fallback(), interchange.groups[0])
        return self._fallback()

    def ta1s(self, report: ValidationReport) -> OutboundFile | None:
        """A TA1 for each refused interchange, and for accepted ones that asked for it."""
        if report.unreadable_note is not None:
            unknown = InterchangeResult.unreadable(
                self.fallback_receiver, self.usage_indicator, report.unreadable_note
            )
            return "TA1", ta1(unknown, self._envelope(self._fallback()))
        parts = [
            ta1(interchange, self._envelope(submitter(interchange, self._fallback())))
            for interchange in report.interchanges
            if not interchange.accepted or interchange.acknowledgment_requested
        ]
        return ("TA1", b"".join(parts)) if parts else None

    def acks_999(self, report: ValidationReport, uploaded_set_id: str) -> OutboundFile | None:
        """A 999 for every functional group of each accepted interchange.

        ``uploaded_set_id`` (``837``, ``270``, ...) stands where the file's own is unusable.
        """
        parts = [
            ack_999(
                interchange,
                self._envelope(submitter(interchange, self._fallback(), interchange.groups[0])),
                self._next_set,
                uploaded_set_id,
            )
            for interchange in report.interchanges
            if interchange.accepted and interchange.groups
        ]
        return ("999", b"".join(parts)) if parts else None

    def acknowledgements(
        self, report: ValidationReport, uploaded_set_id: str
    ) -> list[OutboundFile]:
        """The TA1 file and the 999 file a report earns, those it earns, in that order."""
        earned = (self.ta1s(report), self.acks_999(report, uploaded_set_id))
        return [file for file in earned if file is not None]

    def responses(
        self, report: ValidationReport, responses: Sequence[ResponseSet]
    ) -> list[OutboundFile]:
        """One interchange per response type, holding every set of that type."""
        receiver = self.submitter(report)
        files = []
        for transaction_type, group in itertools.groupby(
            responses, key=lambda response: response.transaction_type
        ):
            sets = list(group)
            envelope = self._envelope(receiver, sets[0].functional_id, sets[0].version)
            written = [transaction_set(r.set_id, self._next_set(), r.version, r.body) for r in sets]
            files.append((transaction_type, write_interchange(envelope, written)))
        return files
