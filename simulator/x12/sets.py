"""The transaction sets the simulator reads and writes, one entry per set ID.

Each entry says under which functional identifier (GS01) the set travels and, for sets that
are checked on the way in, the header it must start with and what it must contain. The
structure checks, the GS01 code list and the real-time type sniffing all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SetShape:
    """The header a transaction set must start with, and what it must contain."""

    first: str
    second: str | None = None
    bht_purpose: str | None = None
    entities: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()


@dataclass(frozen=True)
class SetKind:
    set_id: str
    functional_id: str
    shape: SetShape | None = None  # None: not checked beyond the envelope and the header


SET_KINDS: dict[str, SetKind] = {
    kind.set_id: kind
    for kind in (
        SetKind(
            "837",
            "HC",
            SetShape(
                "BHT",
                bht_purpose="0019",
                entities=("41", "40"),
                levels=("20", "22"),
                segments=("CLM",),
            ),
        ),
        SetKind("270", "HS", SetShape("BHT", bht_purpose="0022", levels=("20", "21", "22"))),
        SetKind("271", "HB"),
        SetKind(
            "276",
            "HR",
            SetShape("BHT", bht_purpose="0010", levels=("20", "21", "19", "22"), segments=("TRN",)),
        ),
        SetKind("277", "HN"),
        SetKind("278", "HI", SetShape("BHT", bht_purpose="0007", levels=("20", "21", "22"))),
        SetKind("834", "BE", SetShape("BGN", segments=("INS",))),
        SetKind("835", "HP", SetShape("BPR", second="TRN", segments=("CLP",))),
        SetKind("820", "RA", SetShape("BPR", second="TRN")),
        SetKind("824", "AG", SetShape("BGN", segments=("OTI",))),
        SetKind("999", "FA"),
    )
}
# The functional identifier (GS01) each transaction set (ST01) belongs under, and back.
FUNCTIONAL_IDS = {kind.set_id: kind.functional_id for kind in SET_KINDS.values()}
SET_IDS = {kind.functional_id: kind.set_id for kind in SET_KINDS.values()}


def shape_of(set_id: str) -> SetShape | None:
    kind = SET_KINDS.get(set_id)
    return kind.shape if kind is not None else None
