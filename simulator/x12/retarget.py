"""Readdressing a trading partner's existing X12 test file to MassHealth.

A file written for another payer fails at the envelope before its body is read: ISA07 must be
``ZZ`` (TA1 note 007), ISA08 ``DMA7384`` (note 008), ISA15 the site's usage indicator (note
020), GS03 ``DMA7384`` and GS08 the guide version MassHealth uses (999 rejection). This
rewrites those envelope elements, and the sender (ISA05-06, GS02) to the provider, and leaves
every other segment as it was, so whatever is wrong in the body still shows.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from simulator.x12.reader import SegmentReader

MASSHEALTH_ID = "DMA7384"
QUALIFIER = "ZZ"
ID_WIDTH = 15
PROVIDER_ID = re.compile(r"^\d{9}[A-Z]$")
# The implementation-guide version MassHealth expects for each guide (ignoring its errata).
MASSHEALTH_GUIDES = {
    guide[:10]: guide
    for guide in (
        "005010X279A1",
        "005010X212",
        "005010X217",
        "005010X220A1",
        "005010X218",
        "005010X222A1",
        "005010X223A2",
        "005010X224A2",
    )
}


@dataclass(frozen=True)
class Target:
    """Who sends the file (a PID/SL) and the site's ISA15 usage indicator (``T`` or ``P``)."""

    provider_id: str
    usage_indicator: str

    def __post_init__(self) -> None:
        if not PROVIDER_ID.match(self.provider_id):
            raise ValueError(
                f"provider: expected nine digits and a service-location letter, e.g. "
                f"110048577A, got {self.provider_id!r}"
            )
        if self.usage_indicator not in ("T", "P"):
            raise ValueError(f"usage indicator: expected T or P, got {self.usage_indicator!r}")


def retarget(data: bytes, target: Target) -> bytes:
    """``data`` with its envelopes addressed from ``target`` to MassHealth; raises
    :class:`~simulator.x12.reader.NotX12Error` for a file that is not X12."""
    reader = SegmentReader.open(io.BytesIO(data))
    separators = reader.separators
    lines = []
    for segment in reader:
        fields = _readdressed(list(segment), target)
        lines.append(separators.element.join(fields) + separators.segment + "\n")
    return "".join(lines).encode("latin-1")


def _readdressed(fields: list[str], target: Target) -> list[str]:
    tag = fields[0]
    if tag == "ISA" and len(fields) > 15:
        fields[5], fields[6] = QUALIFIER, target.provider_id.ljust(ID_WIDTH)
        fields[7], fields[8] = QUALIFIER, MASSHEALTH_ID.ljust(ID_WIDTH)
        fields[15] = target.usage_indicator
    elif tag == "GS" and len(fields) > 8:
        fields[2], fields[3] = target.provider_id, MASSHEALTH_ID
        fields[8] = _guide(fields[8])
    elif tag == "ST" and len(fields) > 3:
        fields[3] = _guide(fields[3])
    return fields


def _guide(version: str) -> str:
    return MASSHEALTH_GUIDES.get(version[:10], version)
