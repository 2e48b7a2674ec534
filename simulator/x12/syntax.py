"""The X12 syntax our own structure check knows: segment tags, and element rules for the
envelope and header segments (the body of a transaction is pyx12's business in ``full`` mode).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simulator.x12.report import ElementError
from simulator.x12.sets import FUNCTIONAL_IDS

# Segment tags that appear in the HIPAA 5010 implementation guides MassHealth exchanges.
KNOWN_TAGS = frozenset(
    [
        "ISA",
        "IEA",
        "GS",
        "GE",
        "ST",
        "SE",
        "TA1",
        "AK1",
        "AK2",
        "AK9",
        "IK3",
        "IK4",
        "IK5",
        "CTX",
        "BHT",
        "BGN",
        "BPR",
        "TRN",
        "HL",
        "NM1",
        "N1",
        "N2",
        "N3",
        "N4",
        "PER",
        "REF",
        "DTP",
        "DMG",
        "INS",
        "HD",
        "AMT",
        "QTY",
        "CLM",
        "CL1",
        "PWK",
        "CN1",
        "K3",
        "NTE",
        "CR1",
        "CR2",
        "CR3",
        "CR4",
        "CR5",
        "CR6",
        "CR7",
        "CR8",
        "CRC",
        "HI",
        "HCP",
        "SBR",
        "PAT",
        "OI",
        "MIA",
        "MOA",
        "LX",
        "SV1",
        "SV2",
        "SV3",
        "SV4",
        "SV5",
        "SV6",
        "SV7",
        "TOO",
        "DN1",
        "DN2",
        "LIN",
        "CTP",
        "CAS",
        "SVD",
        "LQ",
        "FRM",
        "PRV",
        "CUR",
        "EQ",
        "EB",
        "III",
        "MSG",
        "AAA",
        "INS",
        "SE",
        "LS",
        "LE",
        "TS3",
        "TS2",
        "CLP",
        "SVC",
        "PLB",
        "RDM",
        "N9",
        "ENT",
        "RMR",
        "IT1",
        "ADX",
        "TXP",
        "DED",
        "STC",
        "QTY",
        "UM",
        "HSD",
        "CRC",
        "SVC",
        "ACT",
        "COB",
        "LUI",
        "IDC",
        "OTI",
        "TED",
        "EC",
        "ICM",
        "DSB",
        "HLH",
        "MPI",
        "N5",
        "DTM",
        "RDM",
        "REF",
        "PS1",
        "HCR",
        "K1",
        "BIG",
    ]
)

INTERCHANGE_QUALIFIERS = frozenset({"01", "14", "20", "27", "28", "29", "30", "33", "ZZ"})


@dataclass(frozen=True)
class ElementRule:
    """``kind``: AN text, ID code, N0 digits, R decimal, DT date, TM time."""

    reference: str
    kind: str
    low: int
    high: int
    required: bool = True
    codes: frozenset[str] | None = None


def _rule(
    reference: str, kind: str, low: int, high: int, *codes: str, required: bool = True
) -> ElementRule:
    return ElementRule(reference, kind, low, high, required, frozenset(codes) if codes else None)


HEADER_RULES: dict[str, tuple[ElementRule, ...]] = {
    "GS": (
        _rule("479", "ID", 2, 2, *FUNCTIONAL_IDS.values()),
        _rule("142", "AN", 2, 15),
        _rule("124", "AN", 2, 15),
        _rule("373", "DT", 8, 8),
        _rule("337", "TM", 4, 8),
        _rule("28", "N0", 1, 9),
        _rule("455", "ID", 1, 2, "X"),
        _rule("480", "AN", 1, 12),
    ),
    "ST": (
        _rule("143", "ID", 3, 3),
        _rule("329", "AN", 4, 9),
        _rule("1705", "AN", 1, 35, required=False),
    ),
    "SE": (_rule("96", "N0", 1, 10), _rule("329", "AN", 4, 9)),
    "GE": (_rule("97", "N0", 1, 6), _rule("28", "N0", 1, 9)),
    "IEA": (_rule("I16", "N0", 1, 5), _rule("I12", "N0", 9, 9)),
    # An interchange acknowledgment: the control number, date and time of the interchange it
    # answers, A (accepted), E (accepted with errors) or R (rejected), and the note code.
    "TA1": (
        _rule("I12", "N0", 9, 9),
        _rule("I08", "DT", 6, 6),
        _rule("I09", "TM", 4, 4),
        _rule("I17", "ID", 1, 1, "A", "E", "R"),
        _rule("I18", "N0", 3, 3),
    ),
    "BHT": (
        _rule("1005", "ID", 4, 4, "0007", "0010", "0019", "0022", "0085"),
        _rule("353", "ID", 2, 2, "00", "01", "08", "11", "13", "18", "36"),
        _rule("127", "AN", 1, 50),
        _rule("373", "DT", 8, 8),
        _rule("337", "TM", 4, 8),
        _rule("640", "ID", 2, 2, required=False),
    ),
    "BGN": (
        _rule("353", "ID", 2, 2, "00", "11", "15", "22"),
        _rule("127", "AN", 1, 50),
        _rule("373", "DT", 8, 8),
        _rule("337", "TM", 4, 8),
    ),
    "BPR": (
        _rule("305", "ID", 1, 2, "C", "D", "H", "I", "P", "U", "X"),
        _rule("782", "R", 1, 18),
        _rule("478", "ID", 1, 1, "C", "D"),
        _rule("591", "ID", 3, 3),
    ),
    "TRN": (
        _rule("481", "ID", 1, 2, "1", "2", "3"),
        _rule("127", "AN", 1, 50),
        _rule("509", "AN", 10, 10, required=False),
        _rule("127", "AN", 1, 50, required=False),
    ),
    "HL": (
        _rule("628", "AN", 1, 12),
        _rule("734", "AN", 1, 12, required=False),
        _rule("735", "ID", 1, 2),
        _rule("736", "ID", 1, 1, "0", "1", required=False),
    ),
}

DIGITS = re.compile(r"^\d+$")
DECIMAL = re.compile(r"^-?(\d+\.?\d*|\.\d+)$")
TIME = re.compile(r"^([01]\d|2[0-3])[0-5]\d([0-5]\d(\d{1,2})?)?$")


def valid_date(text: str) -> bool:
    """CCYYMMDD (or YYMMDD for the ISA) that is a real calendar day."""
    from datetime import datetime

    pattern = "%Y%m%d" if len(text) == 8 else "%y%m%d"
    try:
        datetime.strptime(text, pattern)
    except ValueError:
        return False
    return True


def valid_time(text: str) -> bool:
    return bool(TIME.match(text))


# How many elements each checked segment may carry; rules cover the leading ones only.
MAX_ELEMENTS = {
    "GS": 8,
    "ST": 3,
    "SE": 2,
    "GE": 2,
    "IEA": 2,
    "TA1": 5,
    "BHT": 6,
    "BGN": 9,
    "BPR": 21,
    "TRN": 4,
    "HL": 4,
}


def element_errors(segment: list[str], rules: tuple[ElementRule, ...]) -> list[ElementError]:
    """The IK4 errors of one segment against its element rules."""
    errors = []
    limit = MAX_ELEMENTS.get(segment[0], len(rules))
    if len(segment) - 1 > limit:
        errors.append(ElementError(str(limit + 1), "", "3"))
    for index, rule in enumerate(rules, start=1):
        value = segment[index] if index < len(segment) else ""
        code = _element_code(value, rule)
        if code is not None:
            errors.append(ElementError(str(index), rule.reference, code, value[:99]))
    return errors


def _element_code(value: str, rule: ElementRule) -> str | None:
    if not value:
        return "1" if rule.required else None
    if len(value) < rule.low:
        return "4"
    if len(value) > rule.high:
        return "5"
    if rule.kind == "N0" and not DIGITS.match(value):
        return "6"
    if rule.kind == "R" and not DECIMAL.match(value):
        return "6"
    if rule.kind == "DT" and not valid_date(value):
        return "8"
    if rule.kind == "TM" and not valid_time(value):
        return "9"
    if rule.codes is not None and value not in rule.codes:
        return "7"
    return None
