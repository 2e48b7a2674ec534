"""Certification: the path a trading partner walks from the Test site to Production (CONTRACT §9).

An organization is certified for a transaction type once ``certification_passes`` of its
test-site uploads of that type in a row were accepted in full: every transaction set accepted
in the 999 and, for claims, no claim rejected in the 277CA. A file accepted with errors breaks
the run as a rejected one does; after certification nothing an upload does undoes it.

The service is fed by the processing job's outcome (the reports it made, the claims it
refused), inside the job's own transaction, and asked by the upload path: with
``certification = "required"``, a site that is not the testing site refuses a type the
uploader's organization is not certified for. Standings are kept on the testing site, keyed
by the organization's name, which is the same on both sites; a reset of the testing site
starts everyone over, and Customer Services may set a standing by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from simulator.clock import Clock
from simulator.portal.access import AccountView
from simulator.portal.business import RefusedClaim
from simulator.portal.errors import CertificationRequiredError, InvalidRequestError
from simulator.portal.transactions import upload_type, upload_types
from simulator.settings import Settings
from simulator.sites import SITES, TESTING_SITE
from simulator.store import certifications as book
from simulator.store.certifications import CUSTOMER_SERVICES, EvidenceRow, JudgedFile, Standing
from simulator.store.database import Database, Executor
from simulator.x12.codes import (
    ELEMENT_ERRORS,
    GROUP_ERRORS,
    SEGMENT_ERRORS,
    SET_ERRORS,
    TA1_NOTES,
    words,
)
from simulator.x12.report import SetResult, ValidationReport

NOT_STARTED, IN_PROGRESS, CERTIFIED = "not_started", "in_progress", "certified"
ACCEPTED = "accepted"
ACCEPTED_WITH_ERRORS = "accepted_with_errors"
CLAIMS_REJECTED = "claims_rejected"
REJECTED = "rejected"
NO_RESPONSE = "no_response"
MAX_ORGANIZATION = 120  # as an organization's name is kept
CLAIM_STATUS_WORDS = {"33": "Subscriber and subscriber id not found"}

Finding = dict[str, str]  # segment, code, words: what kept a test file from counting


@dataclass(frozen=True)
class Verdict:
    """What one test file earned: ``accepted`` counts; anything else says why in ``finding``."""

    outcome: str
    finding: Finding | None = None

    @property
    def counted(self) -> bool:
        return self.outcome == ACCEPTED


@dataclass(frozen=True)
class Evidence:
    tracking_number: str
    received_at: datetime
    judged_at: datetime
    outcome: str
    counted: bool
    finding: Finding | None


@dataclass(frozen=True)
class TypeStatus:
    """One organization's standing for one type; ``needed`` is how many passes are still due."""

    transaction_type: str
    status: str
    passes: int
    needed: int
    required: int
    set_by: str
    certified_at: datetime | None
    evidence: tuple[Evidence, ...]

    @property
    def missing(self) -> str:
        """What stands between the organization and certification, for a person."""
        if self.status == CERTIFIED:
            return ""
        run = f"{self.passes} of {self.required} accepted test files in a row so far"
        line = f"{self.needed} more accepted test file(s) of {self.transaction_type} needed ({run})"
        last = self.evidence[-1] if self.evidence else None
        if last is not None and last.finding is not None:
            line += f"; the last one, {last.tracking_number}, did not count: {describe(last)}"
        return line


@dataclass(frozen=True)
class OrganizationStatus:
    organization: str
    types: tuple[TypeStatus, ...]


def describe(evidence: Evidence) -> str:
    """An outcome and its finding in one line, as the status page and the report show it."""
    finding = evidence.finding
    if finding is None:
        return evidence.outcome.replace("_", " ")
    where = " ".join(part for part in (finding.get("segment"), finding.get("code")) if part)
    return f"{evidence.outcome.replace('_', ' ')} ({where}: {finding.get('words', '')})"


def judge(
    reports: Sequence[ValidationReport | None], refused: Sequence[RefusedClaim], dropped: bool
) -> Verdict:
    """The verdict on one test upload: its files' reports (``None`` for a non-X12 file), the
    claims its 277CA rejected, and whether its response was dropped."""
    if dropped:
        return Verdict(NO_RESPONSE, {"segment": "", "code": "", "words": "No response was made."})
    for report in reports:
        if report is None or report.status == ACCEPTED:
            continue
        outcome = REJECTED if report.status == REJECTED else ACCEPTED_WITH_ERRORS
        return Verdict(outcome, _first_finding(report))
    if refused:
        claim = refused[0]
        return Verdict(
            CLAIMS_REJECTED,
            {
                "segment": "STC",
                "code": f"A3:{claim.status}",
                "words": (
                    f"Claim {claim.patient_control_number} (member {claim.member_id}) returned "
                    f"as unprocessable: {words(CLAIM_STATUS_WORDS, claim.status)}"
                    + (f"; {len(refused) - 1} more claim(s) rejected" if len(refused) > 1 else "")
                ),
            },
        )
    return Verdict(ACCEPTED)


def _first_finding(report: ValidationReport) -> Finding:
    """The first thing the TA1 or 999 reported, in its own words."""
    if report.unreadable_note is not None:
        note = report.unreadable_note
        return {"segment": "TA1", "code": note, "words": words(TA1_NOTES, note)}
    for interchange in report.interchanges:
        if interchange.note_code is not None:
            note = interchange.note_code
            return {"segment": "TA1", "code": note, "words": words(TA1_NOTES, note)}
        for group in interchange.groups:
            if group.codes:
                code = group.codes[0]
                return {"segment": "AK9", "code": code, "words": words(GROUP_ERRORS, code)}
            for result in group.sets:
                if not result.accepted:
                    return _set_finding(result)
    return {"segment": "", "code": "", "words": "; ".join(report.notes) or "not accepted in full"}


def _set_finding(result: SetResult) -> Finding:
    for error in result.segment_errors:
        if error.elements:
            element = error.elements[0]
            return {
                "segment": f"{error.tag}{element.position.split(':')[0].zfill(2)}",
                "code": element.code,
                "words": words(ELEMENT_ERRORS, element.code),
            }
        return {
            "segment": error.tag,
            "code": error.code,
            "words": words(SEGMENT_ERRORS, error.code),
        }
    code = result.codes[0] if result.codes else "5"
    return {"segment": "IK5", "code": code, "words": words(SET_ERRORS, code)}


class CertificationService:
    def __init__(self, database: Database, clock: Clock, settings: Settings) -> None:
        self._database = database
        self._clock = clock
        self._settings = settings

    @property
    def required_passes(self) -> int:
        return self._settings.certification_passes

    def check_upload(self, account: AccountView, transaction_type: str) -> None:
        """Refuse the upload when the site requires certification the organization lacks."""
        profile = SITES[account.site]
        if profile.tests_partners or self._settings.site(account.site).certification != "required":
            return
        with self._database.connected() as connection:
            organization = book.organization_of(connection, account.site, account.user_id)
            found = book.standing(connection, TESTING_SITE.code, organization, transaction_type)
        if found is not None and found.certified_at is not None:
            return
        passes = found.passes if found is not None else 0
        needed = max(self.required_passes - passes, 1)
        raise CertificationRequiredError(
            f"{organization} is not yet certified for {transaction_type} uploads on the "
            f"{profile.name} site: {needed} more accepted test file(s) of {transaction_type} "
            f"in a row are needed on the {TESTING_SITE.name} site ({passes} of "
            f"{self.required_passes} so far)."
        )

    def record(
        self,
        executor: Executor,
        site: str,
        user_id: str,
        upload: tuple[str, str, datetime],
        verdict: Verdict,
        now: datetime,
    ) -> None:
        """Count one test upload (type, tracking number, received at) in the job's transaction.

        Only the testing site's uploads are test files; the other site's are left alone.
        """
        if not SITES[site].tests_partners:
            return
        transaction_type, tracking_number, received_at = upload
        test = JudgedFile(
            organization=book.organization_of(executor, site, user_id),
            transaction_type=transaction_type,
            tracking_number=tracking_number,
            received_at=received_at,
            outcome=verdict.outcome,
            counted=verdict.counted,
            finding=verdict.finding,
        )
        book.record_test_file(executor, site, test, self.required_passes, now)

    def set_by_hand(
        self, organization: str, transaction_type: str, certified: bool
    ) -> OrganizationStatus:
        """What Customer Services does: certified (no upload undoes it), or not certified with
        the run started over (earlier test files stay on record but only new ones count)."""
        organization = organization.strip()
        if not 0 < len(organization) <= MAX_ORGANIZATION:
            raise InvalidRequestError(
                f"organization: name the organization in 1 to {MAX_ORGANIZATION} characters."
            )
        kind = upload_type(transaction_type)
        with self._database.transaction() as session:
            book.set_by_hand(
                session, TESTING_SITE.code, organization, [kind.code], certified, self._clock.now()
            )
        return self.of_organization(organization)

    def of_account(self, account: AccountView) -> OrganizationStatus:
        """The signed-in organization's own view: every X12 type it may test, tested or not."""
        with self._database.connected() as connection:
            organization = book.organization_of(connection, account.site, account.user_id)
        found = self.of_organization(organization)
        have = {status.transaction_type for status in found.types}
        untested = [
            self._untested(kind.code)
            for kind in upload_types()
            if kind.in_use and kind.is_x12 and kind.code not in have
        ]
        return OrganizationStatus(organization, (*found.types, *untested))

    def _untested(self, transaction_type: str) -> TypeStatus:
        required = self.required_passes
        return TypeStatus(transaction_type, NOT_STARTED, 0, required, required, "", None, ())

    def of_organization(self, organization: str) -> OrganizationStatus:
        found = self.organizations(organization)
        return found[0] if found else OrganizationStatus(organization, ())

    def organizations(self, organization: str | None = None) -> list[OrganizationStatus]:
        """Every organization with a standing (or just ``organization``), by name."""
        site = TESTING_SITE.code
        with self._database.connected() as connection:
            rows = book.standings(connection, site, organization)
            files = book.evidence(connection, site, organization)
        by_type: dict[tuple[str, str], list[EvidenceRow]] = {}
        for test in files:
            by_type.setdefault((test.organization, test.transaction_type), []).append(test)
        statuses: dict[str, list[TypeStatus]] = {}
        for row in rows:
            found = by_type.get((row.organization, row.transaction_type), [])
            statuses.setdefault(row.organization, []).append(self._type_status(row, found))
        return [OrganizationStatus(name, tuple(types)) for name, types in statuses.items()]

    def _type_status(self, row: Standing, files: list[EvidenceRow]) -> TypeStatus:
        evidence = tuple(
            Evidence(f.tracking_number, f.received_at, f.judged_at, f.outcome, f.counted, f.finding)
            for f in files
        )
        if row.certified_at is not None:
            status, needed = CERTIFIED, 0
        else:
            tested = bool(evidence) and row.set_by != CUSTOMER_SERVICES
            status = IN_PROGRESS if tested or row.passes else NOT_STARTED
            needed = max(self.required_passes - row.passes, 1)
        return TypeStatus(
            transaction_type=row.transaction_type,
            status=status,
            passes=row.passes,
            needed=needed,
            required=self.required_passes,
            set_by=row.set_by,
            certified_at=row.certified_at,
            evidence=evidence,
        )
