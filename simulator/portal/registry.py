"""The X12 transactions the sites take in, one entry per upload type.

An entry brings together what a type needs end to end: its implementation guide (checked in
GS08 and ST03), its transaction set (shape and functional ID, from :mod:`simulator.x12.sets`),
the response file it earns, the responder that reads its sets, decides by the business rules
and writes the response sets, and whether it is answered in real time too. The upload type
table, the processing pipeline and the real-time service all read this registry: adding an X12
type is adding an entry here (and, for tests and scenarios, a builder under the same code in
the fixtures' ``BUILDERS``, which the simulator itself never imports).
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.portal.business import (
    CLAIM_STATUS,
    CLAIMS,
    ELIGIBILITY,
    SERVICE_REVIEW,
    Responder,
)
from simulator.x12.sets import SET_KINDS, SetKind

CORE_ONLY = frozenset({"core"})


@dataclass(frozen=True)
class X12Transaction:
    code: str  # the upload type: 270, 837P, ...
    description: str
    guide: str  # the implementation guide version, e.g. 005010X279A1
    response: str | None = None  # the business response file's type, if it earns one
    responder: Responder | None = None
    realtime: bool = False  # answered inside a CORE real-time request as well
    # The ways in (``web``, ``api``, ``core``) that take it; ``None``: every one.
    channels: frozenset[str] | None = None

    @property
    def set_id(self) -> str:
        return self.code[:3]

    @property
    def set_kind(self) -> SetKind:
        return SET_KINDS[self.set_id]


X12_UPLOADS: tuple[X12Transaction, ...] = (
    X12Transaction(
        "270",
        "270 Eligibility Verification Request",
        "005010X279A1",
        "271",
        ELIGIBILITY,
        realtime=True,
    ),
    X12Transaction(
        "276", "276 Claim Status Request", "005010X212", "277", CLAIM_STATUS, realtime=True
    ),
    X12Transaction(
        "278", "278 Health Care Services Review Request", "005010X217", "278", SERVICE_REVIEW
    ),
    X12Transaction("834", "834 Benefit Enrollment and Maintenance", "005010X220A1"),
    X12Transaction("837P", "837 Health Care Claim - Professional", "005010X222A1", "277CA", CLAIMS),
    X12Transaction(
        "837I", "837 Health Care Claim - Institutional", "005010X223A2", "277CA", CLAIMS
    ),
    X12Transaction("837D", "837 Health Care Claim - Dental", "005010X224A2", "277CA", CLAIMS),
    # MassHealth issues 820s to managed care entities (a download on the pages); the CAQH CORE
    # rule's batch submission names X12_820_Request_005010X218 too, so CORE alone takes one in.
    X12Transaction(
        "820",
        "820 Payroll Deducted and Other Group Premium Payment",
        "005010X218",
        channels=CORE_ONLY,
    ),
)
X12_BY_CODE = {entry.code: entry for entry in X12_UPLOADS}
REALTIME_TYPES = tuple(entry.code for entry in X12_UPLOADS if entry.realtime)
