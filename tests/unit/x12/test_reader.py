from __future__ import annotations

import io

import pytest

from simulator.x12 import reader as reader_module
from simulator.x12.reader import NotX12Error, SegmentReader
from tests.samples import sample

ISA = (
    "ISA*00*          *00*          *ZZ*SUBMITTER01    *ZZ*DMA7384        *260101*1200*^*00501"
    "*000000001*0*T*:~"
)


def segments(data: bytes) -> list[list[str]]:
    return list(SegmentReader.open(io.BytesIO(data)))


def test_separators_are_learned_from_the_isa() -> None:
    standard = segments(sample("imsweb/837_5010_x12_valid.txt"))
    other = SegmentReader.open(
        io.BytesIO(sample("imsweb/837_5010_x12_valid_different_separators.txt"))
    )
    assert (other.separators.element, other.separators.component, other.separators.segment) == (
        "~",
        "^",
        "_",
    )
    normalized = [[field.replace("^", ":") for field in segment] for segment in other]
    assert normalized[1:] == standard[1:]
    assert normalized[0][:16] == standard[0][:16]


def test_line_breaks_byte_order_mark_and_a_missing_last_terminator() -> None:
    data = b"\xef\xbb\xbf\r\n" + ISA.encode() + b"\r\nGS*HC*A*B~\r\n\r\nIEA*0*000000001"
    tags = [segment[0] for segment in segments(data)]
    assert tags == ["ISA", "GS", "IEA"]


def test_segments_split_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader_module, "CHUNK_SIZE", 7)
    body = "".join(f"REF*EJ*{n:05d}~" for n in range(50))
    found = segments((ISA + body).encode())
    assert [segment[2] for segment in found[1:]] == [f"{n:05d}" for n in range(50)]


@pytest.mark.parametrize(
    ("data", "note"),
    [
        (b"GS*HC*SENDER*RECEIVER~", "024"),
        (b"", "024"),
        (b"ISA*00*short", "024"),
        (b"ISA*00*" + b"x" * 120, "022"),
    ],
)
def test_what_is_not_x12_says_why(data: bytes, note: str) -> None:
    with pytest.raises(NotX12Error) as caught:
        SegmentReader.open(io.BytesIO(data))
    assert caught.value.note_code == note
