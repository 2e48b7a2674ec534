"""pyx12 as an outside judge of what our writers produce."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest
import pyx12.params
import pyx12.x12n_document

# pyx12 4.0's 835 map marks ST03 "Not Used", though 005010X221A1 requires it; not our fault.
KNOWN_MAP_FAULTS = ("(ST03) is marked as Not Used",)


class _Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def pyx12_accepts() -> Iterator[Callable[[bytes], tuple[bool, str]]]:
    """Validates X12 bytes with pyx12; answers (valid, what pyx12 objected to)."""
    logger = logging.getLogger("pyx12")
    collected = _Collected()
    logger.addHandler(collected)
    logger.propagate = False

    def judge(data: bytes) -> tuple[bool, str]:
        collected.messages.clear()
        findings = io.StringIO()
        valid = pyx12.x12n_document.x12n_document(
            pyx12.params.params(),
            io.StringIO(data.decode("latin-1")),
            None,
            None,
            fd_json=findings,
        )
        objections = [
            m for m in collected.messages if not any(fault in m for fault in KNOWN_MAP_FAULTS)
        ]
        return bool(valid) or not objections, "\n".join(objections) or findings.getvalue()

    yield judge
    logger.removeHandler(collected)
    logger.propagate = True
