"""The POSC transaction types: Appendix A of the batch-file job aid and its upload drop-down.

Each type is uploaded or downloaded, in use or "not currently used by MassHealth". An upload
type names the response file MassHealth pairs with it, if any; X12 types carry their
implementation-guide version. The X12 upload types come from the transaction registry
(:mod:`simulator.portal.registry`). Non-X12 types use short upper-case codes of our own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from simulator.portal.errors import TransactionTypeNotInUseError, UnknownTransactionTypeError
from simulator.portal.registry import X12_UPLOADS

UPLOAD = "upload"
DOWNLOAD = "download"
# The ways in, as a refusal names them to a person.
WAYS_IN = {
    "web": "the upload page",
    "api": "the JSON API",
    "core": "the system-to-system (CAQH CORE) connection",
}


@dataclass(frozen=True)
class TransactionType:
    code: str
    description: str
    direction: str
    in_use: bool = True
    x12_version: str | None = None
    response: str | None = None
    channels: frozenset[str] | None = None  # the ways in that take an upload; None: every one

    @property
    def is_x12(self) -> bool:
        return self.x12_version is not None

    def offered_through(self, channel: str) -> bool:
        """Whether the pages (``web``), the API (``api``) or CORE (``core``) know this type."""
        return self.channels is None or channel in self.channels


_up = partial(TransactionType, direction=UPLOAD)
_down = partial(TransactionType, direction=DOWNLOAD)


TRANSACTION_TYPES: tuple[TransactionType, ...] = (
    # X12 uploads and their business responses: the transaction registry's entries
    *(
        _up(
            entry.code,
            entry.description,
            x12_version=entry.guide,
            response=entry.response,
            channels=entry.channels,
        )
        for entry in X12_UPLOADS
    ),
    # other uploads, with the paired response Appendix A names
    _up("ACPD", "ACPD - ACO Provider Directory"),
    _up("MCPD", "MCPD - MCO/ACO Provider Directory"),
    _up("PLPD", "PLPD - Care Plus Provider Directory", in_use=False),
    _up("BORIM", "BORIM License Data"),
    _up("COPAY", "Copay File", response="COPAYD"),
    _up("MMQ", "MMQ Questionnaire", response="MMQR"),
    _up("MIDC", "Member ID Card Request", response="MIDR"),
    _up("MCOPU", "MCO Profile Update", response="MCOPUR"),
    _up("MCOPE", "MCO Provider Enrollment", response="MCOPER"),
    _up("PCPA", "PCP-ACOC Interface File", response="PCPE"),
    _up("PPRQ", "Pre-Payment Review Request", response="PPRS"),
    _up("HHIN", "Home Health - Inbound"),
    _up("EHRQ", "Enrollment History Request", in_use=False, response="EHRS"),
    _up("RIRQ", "Request to Initiate Recovery", in_use=False, response="RIRS"),
    _up("TPLHQ", "TPL Historic Claims Request", in_use=False, response="TPLHS"),
    _up("TPLR", "TPL Recovery Data", in_use=False),
    # X12 downloads
    _down("TA1", "TA1 Interchange Acknowledgment", x12_version="00501"),
    _down("999", "999 Implementation Acknowledgment", x12_version="005010X231A1"),
    _down("271", "271 Eligibility Verification Response", x12_version="005010X279A1"),
    _down("277", "277 Claim Status Response", x12_version="005010X212"),
    _down("277CA", "277CA Claim Acknowledgment", x12_version="005010X214"),
    _down("278", "278 Health Care Services Review Response", x12_version="005010X217"),
    _down("820", "820 Payroll Deducted and Other Group Premium Payment", x12_version="005010X218"),
    _down("824", "824 Application Advice", x12_version="005010X186A1"),
    _down("834", "834 Benefit Enrollment and Maintenance", x12_version="005010X220A1"),
    _down("834D", "834 Benefit Enrollment and Maintenance - Daily", x12_version="005010X220A1"),
    _down("834M", "834 Benefit Enrollment and Maintenance - Monthly", x12_version="005010X220A1"),
    _down("835", "835 Health Care Claim Payment/Advice", x12_version="005010X221A1"),
    # other downloads
    _down("COPAYD", "Health Plan Daily Copay"),
    _down("MMQR", "MMQ Summary Response"),
    _down("MIDR", "Member ID Card Response"),
    _down("MCOPUR", "MCO Profile Update Response"),
    _down("MCOPER", "MCO Provider Enrollment Response"),
    _down("PCPE", "PCP ACOC Error File"),
    _down("PPRS", "Pre-Payment Review Response"),
    _down("CARRIER", "Carrier Code File"),
    _down("FEW", "Daily FEW File"),
    _down("SCO", "Daily SCO File"),
    _down("MISC", "Miscellaneous Reports"),
    _down("EHRS", "Enrollment History Response", in_use=False),
    _down("RIRS", "Initiate Recovery Response", in_use=False),
    _down("TPLHS", "TPL Historic Claims Response", in_use=False),
    _down("FFSW", "FFS Wrap File", in_use=False),
    _down("HHOUT", "Home Health Outbound", in_use=False),
    _down("MCOPES", "MCO Provider Enrollment Summary", in_use=False),
    _down("OPCC", "Open PCC File", in_use=False),
)

_BY_DIRECTION = {
    direction: {t.code: t for t in TRANSACTION_TYPES if t.direction == direction}
    for direction in (UPLOAD, DOWNLOAD)
}


def upload_type(code: str, channel: str | None = None) -> TransactionType:
    """The upload type ``code``, if it exists, MassHealth uses it, and ``channel`` (the way
    in it arrives through, if given) takes it."""
    found = _BY_DIRECTION[UPLOAD].get(code)
    if not code:
        raise UnknownTransactionTypeError("Select the type of transaction you are uploading.")
    if found is None:
        raise UnknownTransactionTypeError(
            f"{code!r} is not a transaction type that can be uploaded. "
            "Choose one from the list of transaction types."
        )
    if channel is not None and not found.offered_through(channel):
        ways = " or ".join(WAYS_IN[way] for way in sorted(found.channels or ()))
        raise UnknownTransactionTypeError(
            f"{found.description} is taken only through {ways}. "
            "Choose one from the list of transaction types."
        )
    if not found.in_use:
        raise TransactionTypeNotInUseError(
            f"{found.description} is not currently used by MassHealth."
        )
    return found


def download_type(code: str) -> TransactionType:
    found = _BY_DIRECTION[DOWNLOAD].get(code)
    if found is None:
        raise UnknownTransactionTypeError(
            f"{code!r} is not a transaction type of downloadable files."
        )
    return found


def upload_types(channel: str | None = None) -> list[TransactionType]:
    """Every upload type, or those ``channel`` takes (``web`` for the upload page's list)."""
    return [
        t
        for t in TRANSACTION_TYPES
        if t.direction == UPLOAD and (channel is None or t.offered_through(channel))
    ]


def download_types() -> list[TransactionType]:
    return [t for t in TRANSACTION_TYPES if t.direction == DOWNLOAD]
