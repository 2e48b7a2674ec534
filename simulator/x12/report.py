"""What validation found, shaped like the acknowledgements that report it (TA1 and 999)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from simulator.x12.writer import CONTROL_VERSION, MASSHEALTH_ID


@dataclass(frozen=True)
class ElementError:
    """An IK4: ``position`` is ``n``, or ``n:m`` for a component; ``code`` is IK403."""

    position: str
    reference: str
    code: str
    value: str = ""


@dataclass
class SegmentError:
    """An IK3: the segment's tag, its position in the set (ST is 1), and IK304."""

    tag: str
    position: int
    code: str
    loop: str = ""
    elements: list[ElementError] = field(default_factory=list)


@dataclass
class SetResult:
    """One transaction set: its IK5 codes and segment errors."""

    set_id: str
    control_number: str
    version: str
    codes: list[str] = field(default_factory=list)
    segment_errors: list[SegmentError] = field(default_factory=list)
    first_segment: int = 0  # segment number in the file, for a second reading pass

    @property
    def accepted(self) -> bool:
        return not self.codes and not self.segment_errors

    @property
    def ack_code(self) -> str:
        return "A" if self.accepted else "R"

    def reject(self, code: str) -> None:
        if code not in self.codes:
            self.codes.append(code)


UNSUPPORTED_GROUP_CODES = frozenset({"1", "2", "6"})


@dataclass
class GroupResult:
    functional_id: str
    control_number: str
    version: str
    sender: str
    receiver: str
    declared_sets: int | None = None
    sets: list[SetResult] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)

    @property
    def accepted_sets(self) -> int:
        """Sets accepted; none when the group itself was refused."""
        if self.codes:
            return 0
        return sum(1 for result in self.sets if result.accepted)

    @property
    def ack_code(self) -> str:
        """AK901: A all accepted, P some accepted, R none accepted or the group itself refused."""
        if self.codes or not self.sets or self.accepted_sets == 0:
            return "R"
        return "A" if self.accepted_sets == len(self.sets) else "P"

    def reject(self, code: str) -> None:
        if code not in self.codes:
            self.codes.append(code)

    @property
    def unsupported(self) -> bool:
        """Refused unread (wrong kind, version or number): its sets are not reported one by one."""
        return bool(UNSUPPORTED_GROUP_CODES.intersection(self.codes))


@dataclass
class InterchangeResult:
    """One ISA...IEA; ``note_code`` is the TA1 note when the interchange is refused."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str
    time: str
    control_number: str
    version: str
    usage_indicator: str
    acknowledgment_requested: bool
    note_code: str | None = None
    groups: list[GroupResult] = field(default_factory=list)

    @classmethod
    def unreadable(cls, sender_id: str, usage_indicator: str, note_code: str) -> InterchangeResult:
        """An interchange that could not be read at all, refused with ``note_code``.

        Its TA1 goes back to ``sender_id`` (whoever sent the file), since no ISA names one.
        """
        return cls(
            sender_qualifier="ZZ",
            sender_id=sender_id,
            receiver_qualifier="ZZ",
            receiver_id=MASSHEALTH_ID,
            date="",
            time="",
            control_number="",
            version=CONTROL_VERSION,
            usage_indicator=usage_indicator,
            acknowledgment_requested=False,
            note_code=note_code,
        )

    @property
    def accepted(self) -> bool:
        return self.note_code is None

    def refuse(self, note_code: str) -> None:
        if self.note_code is None:
            self.note_code = note_code


@dataclass
class ValidationReport:
    """All interchanges of one file; ``unreadable_note`` when it could not be read as X12."""

    mode: str
    interchanges: list[InterchangeResult] = field(default_factory=list)
    unreadable_note: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The batch status this file earns: accepted, partially_accepted or rejected."""
        accepted = total = 0
        flawed = self.unreadable_note is not None
        for interchange in self.interchanges:
            if not interchange.accepted:
                flawed = True
                continue
            for group in interchange.groups:
                total += len(group.sets)
                accepted += group.accepted_sets
                flawed = flawed or bool(group.codes)
        if accepted == 0:
            return "rejected"
        if flawed or accepted < total:
            return "partially_accepted"
        return "accepted"

    def accepted_sets(self) -> list[SetResult]:
        """The transaction sets that earn a business response."""
        return [
            result
            for interchange in self.interchanges
            if interchange.accepted
            for group in interchange.groups
            if not group.codes
            for result in group.sets
            if result.accepted
        ]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for the control API's batch view."""
        return {
            "mode": self.mode,
            "status": self.status,
            "unreadable_note": self.unreadable_note,
            "notes": self.notes,
            "interchanges": [asdict(interchange) for interchange in self.interchanges],
        }
