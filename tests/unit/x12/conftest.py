"""pyx12 as an outside judge of what our writers produce."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest
import pyx12.params
import pyx12.x12n_document


@pytest.fixture
def pyx12_accepts() -> Iterator[Callable[[bytes], tuple[bool, str]]]:
    """Validates X12 bytes with pyx12; answers (valid, pyx12's findings as JSON)."""
    logging.disable(logging.CRITICAL)

    def judge(data: bytes) -> tuple[bool, str]:
        findings = io.StringIO()
        valid = pyx12.x12n_document.x12n_document(
            pyx12.params.params(),
            io.StringIO(data.decode("latin-1")),
            None,
            None,
            fd_json=findings,
        )
        return bool(valid), findings.getvalue()

    yield judge
    logging.disable(logging.NOTSET)
