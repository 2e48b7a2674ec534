"""A streaming X12 segment reader: bytes in, segments out, a chunk at a time.

The separators are learned from the ISA segment, whose fixed layout puts the element
separator at offset 3, the repetition separator at 82, the component separator at 104 and
the segment terminator at 105. Line breaks after terminators are ignored. The file is never
loaded whole: it is decoded and split a chunk at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

ISA_LENGTH = 106
CHUNK_SIZE = 1024 * 1024
WHITESPACE = "\r\n\t "
BYTE_ORDER_MARK = b"\xef\xbb\xbf"
ENCODING = "latin-1"  # one character per byte: any byte decodes, offsets stay byte offsets


class NotX12Error(Exception):
    """The stream does not start with an ISA segment that separators can be read from."""

    def __init__(self, message: str, note_code: str = "024") -> None:
        super().__init__(message)
        self.note_code = note_code


@dataclass(frozen=True)
class Separators:
    element: str
    repetition: str
    component: str
    segment: str

    def is_distinct(self) -> bool:
        values = {self.element, self.component, self.segment}
        return len(values) == 3 and not any(c.isalnum() or c == " " for c in values)


STANDARD_SEPARATORS = Separators(element="*", repetition="^", component=":", segment="~")


@dataclass
class SegmentReader:
    """Iterates the segments of one stream as lists: ``[tag, element 1, element 2, ...]``.

    ``isa`` is the raw ISA text and ``separators`` what it declares; both are known once the
    reader is made. ``count`` is the number of segments read so far.
    """

    stream: IO[bytes]
    isa: str
    separators: Separators
    _rest: str
    count: int = 0

    @classmethod
    def open(cls, stream: IO[bytes]) -> SegmentReader:
        head = stream.read(ISA_LENGTH + 16)
        if head.startswith(BYTE_ORDER_MARK):
            head = head[len(BYTE_ORDER_MARK) :]
        text = head.decode(ENCODING).lstrip(WHITESPACE)
        while len(text) < ISA_LENGTH:
            more = stream.read(ISA_LENGTH)
            if not more:
                break
            text += more.decode(ENCODING)
        if not text.startswith("ISA") or len(text) < ISA_LENGTH:
            raise NotX12Error("the file does not start with an ISA interchange header")
        isa, separators = _split_isa(text)
        return cls(stream=stream, isa=isa, separators=separators, _rest=text[len(isa) + 1 :])

    def __iter__(self) -> Iterator[list[str]]:
        separators = self.separators
        yield self.isa.split(separators.element)
        self.count = 1
        pending = self._rest
        terminator, element = separators.segment, separators.element
        while True:
            chunk = self.stream.read(CHUNK_SIZE)
            pending += chunk.decode(ENCODING)
            pieces = pending.split(terminator)
            pending = pieces.pop()
            for piece in pieces:
                text = piece.strip(WHITESPACE)
                if text:
                    self.count += 1
                    yield text.split(element)
            if not chunk:
                break
        tail = pending.strip(WHITESPACE)
        if tail:  # a last segment with no terminator: yield it, the validator will object
            self.count += 1
            yield tail.split(element)


def _split_isa(text: str) -> tuple[str, Separators]:
    """The ISA segment's text (without terminator) and its separators.

    A correct ISA is exactly 106 characters. A malformed one (wrong padding) is still split
    after its sixteenth element separator, so its field widths can be reported precisely.
    """
    element = text[3]
    position = -1
    for _ in range(16):
        position = text.find(element, position + 1)
        if position < 0:
            raise NotX12Error("the ISA segment does not have 16 elements", note_code="022")
    if position + 2 >= len(text):
        raise NotX12Error("the ISA segment is cut off", note_code="023")
    isa = text[: position + 2]
    repetition = isa.split(element)[11][:1]
    if not repetition or repetition.isalnum():
        repetition = ""  # 4010 put a standards identifier here, not a separator
    return isa, Separators(element, repetition, text[position + 1], text[position + 2])
