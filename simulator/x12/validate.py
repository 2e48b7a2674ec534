"""``structure`` validation: envelopes, counts, control numbers, header syntax, HL links.

One pass over the segments, keeping only what the acknowledgements need. Every finding maps to
the code that reports it: a TA1 note code for the interchange, AK9 codes for a functional
group, IK5 codes for a transaction set, IK3/IK4 codes for a segment and its elements.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from simulator.x12.reader import NotX12Error, SegmentReader
from simulator.x12.report import (
    ElementError,
    GroupResult,
    InterchangeResult,
    SegmentError,
    SetResult,
    ValidationReport,
)
from simulator.x12.sets import FUNCTIONAL_IDS, shape_of
from simulator.x12.syntax import (
    HEADER_RULES,
    INTERCHANGE_QUALIFIERS,
    KNOWN_TAGS,
    ElementRule,
    element_errors,
    valid_date,
    valid_time,
)


@dataclass(frozen=True)
class Expectation:
    """What the upload said it is, and whom it must be addressed to."""

    set_id: str
    version: str
    usage_indicator: str
    receiver_id: str

    @property
    def functional_id(self) -> str:
        return FUNCTIONAL_IDS.get(self.set_id, "")


@dataclass
class _OpenSet:
    result: SetResult
    count: int = 1
    tags: set[str] = field(default_factory=set)
    hl_ids: set[str] = field(default_factory=set)
    hl_levels: set[str] = field(default_factory=set)
    entities: set[str] = field(default_factory=set)
    hl_seen: bool = False


def validate_structure(stream: IO[bytes], expectation: Expectation) -> ValidationReport:
    """Check one uploaded file; never raises for bad input, the report says what is wrong."""
    report = ValidationReport(mode="structure")
    try:
        reader = SegmentReader.open(stream)
    except NotX12Error as error:
        report.unreadable_note = error.note_code
        report.notes.append(str(error))
        return report
    _Walker(report, expectation).walk(reader)
    return report


class _Walker:
    """The state of one pass: the interchange, group and set currently open."""

    def __init__(self, report: ValidationReport, expectation: Expectation) -> None:
        self.report = report
        self.expect = expectation
        self.interchange: InterchangeResult | None = None
        self.group: GroupResult | None = None
        self.open_set: _OpenSet | None = None
        self.groups_in_interchange = 0
        self.sets_in_group = 0
        self.interchange_numbers: set[str] = set()
        self.group_numbers: set[str] = set()
        self.set_numbers: set[str] = set()
        self.envelope = {
            "ISA": self._on_isa,
            "IEA": self._on_iea,
            "GS": self._on_gs,
            "GE": self._on_ge,
            "ST": self._on_st,
            "SE": self._on_se,
        }

    def walk(self, segments: Iterable[list[str]]) -> None:
        number = 0
        for number, segment in enumerate(segments, start=1):
            tag = segment[0]
            handler = self.envelope.get(tag)
            if handler is not None:
                handler(segment, number)
            elif self.open_set is not None:
                self._in_set(tag, segment)
            elif tag == "TA1" and self.interchange is not None and not self.interchange.groups:
                self._on_ta1(segment)
            elif self.interchange is not None:
                self.interchange.refuse("024")  # content outside any transaction set
        if self.interchange is not None:  # the file ended inside an interchange
            self._close_group()
            self.interchange.refuse("023")
        if number == 0:
            self.report.unreadable_note = "023"

    # -- interchange --------------------------------------------------------------------------

    def _on_isa(self, isa: list[str], _number: int) -> None:
        if self.interchange is not None:
            self._close_group()
            self.interchange.refuse("023")  # a new ISA before the IEA of the last one
        fields = isa + [""] * (17 - len(isa))
        interchange = InterchangeResult(
            sender_qualifier=fields[5],
            sender_id=fields[6].strip(),
            receiver_qualifier=fields[7],
            receiver_id=fields[8].strip(),
            date=fields[9],
            time=fields[10],
            control_number=fields[13],
            version=fields[12],
            usage_indicator=fields[15],
            acknowledgment_requested=fields[14] == "1",
        )
        note = self._isa_note(fields)
        if note:
            interchange.refuse(note)
        if fields[13] in self.interchange_numbers:
            interchange.refuse("025")
        self.interchange_numbers.add(fields[13])
        self.report.interchanges.append(interchange)
        self.interchange = interchange
        self.groups_in_interchange = 0
        self.group_numbers = set()

    def _isa_note(self, f: list[str]) -> str | None:
        """The TA1 note code of the first fault in the ISA, checked in element order."""
        checks = (
            (len(f) == 17, "022"),
            (f[1] in ("00", "03"), "010"),
            (len(f[2]) == 10, "011"),
            (f[3] in ("00", "01"), "012"),
            (len(f[4]) == 10, "013"),
            (f[5] in INTERCHANGE_QUALIFIERS, "005"),
            (len(f[6]) == 15 and bool(f[6].strip()), "006"),
            (f[7] == "ZZ", "007"),
            (len(f[8]) == 15, "008"),
            (f[8].strip() == self.expect.receiver_id, "008"),
            (len(f[9]) == 6 and f[9].isdigit() and valid_date(f[9]), "014"),
            (len(f[10]) == 4 and valid_time(f[10]), "015"),
            (len(f[11]) == 1, "016"),
            (f[12] == "00501", "017"),
            (len(f[13]) == 9 and f[13].isdigit(), "018"),
            (f[14] in ("0", "1"), "019"),
            (f[15] == self.expect.usage_indicator, "020"),
            (len(f[16]) == 1, "027"),
        )
        for passed, note in checks:
            if not passed:
                return note
        return None

    def _on_ta1(self, ta1: list[str]) -> None:
        """TA1s answering other interchanges stand between the ISA and the first GS."""
        assert self.interchange is not None
        if element_errors(ta1, HEADER_RULES["TA1"]):
            self.interchange.refuse("024")

    def _on_iea(self, iea: list[str], _number: int) -> None:
        interchange = self.interchange
        if interchange is None:
            self._orphan_trailer()
            return
        self._close_group()
        errors = element_errors(iea, HEADER_RULES["IEA"])
        if errors or iea[2:3] != [interchange.control_number]:
            interchange.refuse("001")
        elif iea[1] != str(self.groups_in_interchange):
            interchange.refuse("021")
        self.interchange = None

    def _orphan_trailer(self) -> None:
        if self.report.interchanges:
            self.report.interchanges[-1].refuse("024")
        else:
            self.report.unreadable_note = "024"

    # -- functional group ---------------------------------------------------------------------

    def _on_gs(self, gs: list[str], _number: int) -> None:
        if self.interchange is None:
            self._orphan_trailer()
            return
        self._close_group()
        fields = gs + [""] * (9 - len(gs))
        group = GroupResult(
            functional_id=fields[1],
            control_number=fields[6],
            version=fields[8],
            sender=fields[2],
            receiver=fields[3],
        )
        self.interchange.groups.append(group)
        self.groups_in_interchange += 1
        self.group = group
        self.sets_in_group = 0
        self.set_numbers = set()
        errors = element_errors(gs, HEADER_RULES["GS"])
        if any(error.position == "6" for error in errors):
            group.reject("6")
        if fields[6] in self.group_numbers:
            group.reject("19")
        self.group_numbers.add(fields[6])
        if fields[1] != self.expect.functional_id or fields[3] != self.expect.receiver_id:
            group.reject("1")
        elif fields[8] != self.expect.version:
            group.reject("2")
        elif errors:
            group.reject("1")

    def _on_ge(self, ge: list[str], _number: int) -> None:
        group = self.group
        if group is None:
            self._orphan_trailer()
            return
        self._close_set(missing_trailer=True)
        group.declared_sets = int(ge[1]) if ge[1:2] and ge[1].isdigit() else None
        if ge[2:3] != [group.control_number]:
            group.reject("4")
        if group.declared_sets != self.sets_in_group:
            group.reject("5")
        self.group = None

    def _close_group(self) -> None:
        if self.group is not None:
            self._close_set(missing_trailer=True)
            self.group.reject("3")  # functional group trailer missing
            self.group = None

    # -- transaction set ----------------------------------------------------------------------

    def _on_st(self, st: list[str], number: int) -> None:
        group = self.group
        if group is None:
            self._orphan_trailer()
            return
        self._close_set(missing_trailer=True)
        fields = st + [""] * (4 - len(st))
        result = SetResult(
            set_id=fields[1], control_number=fields[2], version=fields[3], first_segment=number
        )
        group.sets.append(result)
        self.sets_in_group += 1
        self.open_set = _OpenSet(result)
        errors = element_errors(st, HEADER_RULES["ST"])
        if (
            any(error.position == "1" for error in errors)
            or fields[1] not in FUNCTIONAL_IDS
            or FUNCTIONAL_IDS[fields[1]] != group.functional_id
            or fields[1] != self.expect.set_id
        ):
            result.reject("6")
        if any(error.position == "2" for error in errors):
            result.reject("7")
        if fields[2] in self.set_numbers:
            result.reject("23")
        self.set_numbers.add(fields[2])
        if fields[3] and fields[3] != self.expect.version:
            result.reject("I6")

    def _on_se(self, se: list[str], _number: int) -> None:
        current = self.open_set
        if current is None:
            self._orphan_trailer()
            return
        current.count += 1
        result = current.result
        if se[2:3] != [result.control_number]:
            result.reject("3")
        if se[1:2] != [str(current.count)]:
            result.reject("4")
        self._close_set(missing_trailer=False)

    def _close_set(self, missing_trailer: bool) -> None:
        current = self.open_set
        if current is None:
            return
        if missing_trailer:
            current.result.reject("2")
        self._check_contents(current)
        if current.result.segment_errors:
            current.result.reject("5")
        self.open_set = None

    def _in_set(self, tag: str, segment: list[str]) -> None:
        current = self.open_set
        assert current is not None
        current.count += 1
        current.tags.add(tag)
        if tag not in KNOWN_TAGS:
            current.result.segment_errors.append(
                SegmentError(tag=(tag or "UNK")[:3], position=current.count, code="1")
            )
            return
        if current.count == 2:
            self._check_first(current, tag)
        rules = HEADER_RULES.get(tag)
        if rules is not None:
            self._check_elements(current, segment, rules)
        if tag == "HL":
            self._check_hl(current, segment)
        elif tag == "NM1" and not current.hl_seen:
            current.entities.add(segment[1] if len(segment) > 1 else "")

    def _check_first(self, current: _OpenSet, tag: str) -> None:
        shape = shape_of(current.result.set_id)
        if shape is not None and tag != shape.first:
            current.result.segment_errors.append(
                SegmentError(tag=shape.first, position=2, code="3")
            )

    def _check_elements(
        self, current: _OpenSet, segment: list[str], rules: tuple[ElementRule, ...]
    ) -> None:
        errors = element_errors(segment, rules)
        shape = shape_of(current.result.set_id)
        if (
            segment[0] == "BHT"
            and shape
            and shape.bht_purpose
            and segment[1:2] != [shape.bht_purpose]
        ):
            value = segment[1] if len(segment) > 1 else ""
            errors.append(ElementError("1", "1005", "7", value))
        if errors:
            current.result.segment_errors.append(
                SegmentError(tag=segment[0], position=current.count, code="8", elements=errors)
            )

    def _check_hl(self, current: _OpenSet, hl: list[str]) -> None:
        current.hl_seen = True
        fields = hl + [""] * (5 - len(hl))
        errors = []
        if fields[1] != str(len(current.hl_ids) + 1):
            errors.append(ElementError("1", "628", "7", fields[1]))
        if fields[2] and fields[2] not in current.hl_ids:
            errors.append(ElementError("2", "734", "7", fields[2]))
        current.hl_ids.add(fields[1])
        current.hl_levels.add(fields[3])
        if errors:
            current.result.segment_errors.append(
                SegmentError(tag="HL", position=current.count, code="8", elements=errors)
            )

    def _check_contents(self, current: _OpenSet) -> None:
        shape = shape_of(current.result.set_id)
        if shape is None or current.result.codes:
            return
        missing = [
            *(("NM1", e) for e in shape.entities if e not in current.entities),
            *(("HL", level) for level in shape.levels if level not in current.hl_levels),
            *((tag, "") for tag in shape.segments if tag not in current.tags),
        ]
        if shape.second and shape.second not in current.tags:
            missing.append((shape.second, ""))
        for tag, _detail in missing:
            current.result.segment_errors.append(
                SegmentError(tag=tag, position=current.count, code="3")
            )
