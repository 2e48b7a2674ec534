"""Real-time requests: a 270 answered with its 271 and a 276 with its 277, inside the call.

The CAQH CORE real-time door asks this service. Nothing is kept: no batch, no response file;
only the site's control-number counters move, so an answer's ISA13, GS06 and ST02 never
repeat those of another answer. The same checks, fault effects and business rules as a batch
file's processing answer the request, so a real-time 271 says what the batch 271 for the same
270 says. A payload the checks refuse is answered with its TA1 (an interchange refused, or
not X12 at all) or its 999 (a group or transaction set rejected).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from simulator.clock import Clock
from simulator.faults.actions import ActsIn, kinds
from simulator.faults.service import FaultService
from simulator.portal.access import AccountView
from simulator.portal.answering import Answerer, apply_fault, corrupted, examine
from simulator.portal.business import ClaimLookup, MemberLookup
from simulator.portal.errors import InvalidRequestError
from simulator.portal.registry import REALTIME_TYPES
from simulator.portal.transactions import TransactionType, upload_type
from simulator.settings import SiteSettings
from simulator.sites import SITES
from simulator.store.database import Database
from simulator.store.sequences import NumberBlocks
from simulator.x12.outbound import GROUP, INTERCHANGE, SET
from simulator.x12.reader import NotX12Error
from simulator.x12.report import ValidationReport
from simulator.x12.requests import first_set_id

# What a fault rule of the ``realtime`` operation can do to an answer made inside the call.
REALTIME_FAULTS = kinds(ActsIn.PROCESSING, "reject_999", "ta1_reject", "corrupt_response")
# An answer is one interchange of one set: its numbers are reserved in one statement.
ONE_SET = {INTERCHANGE: 1, GROUP: 1, SET: 1}


@dataclass(frozen=True)
class RealtimeAnswer:
    """``transaction_type`` is what answers the request: 271, 277, 999 or TA1."""

    transaction_type: str
    content: bytes  # the whole X12 interchange of the answer


class RealtimeService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        site_rules: Callable[[str], SiteSettings],
        faults: FaultService,
        roster: MemberLookup,
        claims: ClaimLookup,
    ) -> None:
        self._database = database
        self._clock = clock
        self._site_rules = site_rules
        self._faults = faults
        self._roster = roster
        self._claims = claims

    def answer(
        self, site: str, account: AccountView, sender_id: str, payload: bytes
    ) -> RealtimeAnswer:
        """Answer one real-time request of ``account`` acting for provider ``sender_id``.

        Refused (nothing answered) when the account may not act for that provider, or the
        payload is X12 of a type other than 270 and 276.
        """
        if site != account.site:
            raise InvalidRequestError(f"The account {account.user_id} is not on the {site} site.")
        provider = account.provider(sender_id)
        kind = _requested_type(payload)
        fault = self._faults.fire(
            site,
            ("realtime",),
            REALTIME_FAULTS,
            user_id=account.user_id,
            provider_id=provider.provider_id,
            transaction_type=kind.code,
        )
        profile = SITES[site]
        report = examine(
            kind, profile, self._site_rules(site).validation, lambda: io.BytesIO(payload)
        )
        apply_fault(report, fault)
        numbers = NumberBlocks(self._database, site)
        numbers.reserve(ONE_SET)
        now = self._clock.now()
        answerer = Answerer(
            profile=profile,
            provider=provider,
            user_id=account.user_id,
            now=now,
            numbers=numbers,
            roster=self._roster,
            claims=self._claims,
            received_at=now,
        )
        transaction_type, content = _answer(answerer, kind, report, payload)
        if fault is not None and fault.kind == "corrupt_response":
            content = corrupted(content)
        return RealtimeAnswer(transaction_type, content)


def _requested_type(payload: bytes) -> TransactionType:
    """The type of the request: its first transaction set's, or its first group's.

    A payload that is not X12 at all is checked as a 270: the checks refuse it with a TA1
    before its type matters.
    """
    try:
        set_id = first_set_id(io.BytesIO(payload))
    except NotX12Error:
        set_id = REALTIME_TYPES[0]
    if set_id not in REALTIME_TYPES:
        found = f"a transaction set {set_id}" if set_id else "no transaction set"
        raise InvalidRequestError(
            f"A real-time request is a 270 (eligibility) or a 276 (claim status); this payload "
            f"holds {found}. Send other transactions as batch files."
        )
    return upload_type(set_id)


def _answer(
    answerer: Answerer, kind: TransactionType, report: ValidationReport, payload: bytes
) -> tuple[str, bytes]:
    """The business response if every check passed, else the acknowledgement that refuses."""
    writer = answerer.writer
    refused = report.unreadable_note is not None or not all(
        interchange.accepted for interchange in report.interchanges
    )
    acknowledgement = writer.ta1s(report) if refused else None
    if acknowledgement is None and report.status != "accepted":
        acknowledgement = writer.acks_999(report, kind.code[:3])
    if acknowledgement is not None:
        return acknowledgement
    files, _ = answerer.responses(kind, report, lambda: io.BytesIO(payload))
    [response] = files
    return response
