"""The public X12 samples in ../shared, and a way to address them to MassHealth.

Most samples come from other payers; a test that needs an accepted file rewrites the envelope
(receiver DMA7384 with qualifier ZZ, the site's ISA15, MassHealth's guide versions) and leaves
the body alone, so whatever is broken in the body stays broken.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from simulator.x12.reader import SegmentReader
from simulator.x12.writer import segment_text

SAMPLES = Path(
    os.environ.get("POSC_SIM_X12_SAMPLES")
    or Path(__file__).resolve().parents[2] / "shared" / "x12-samples"
)
MASSHEALTH_VERSIONS = {
    "005010X222A2": "005010X222A1",
    "005010X223A3": "005010X223A2",
}


def sample(relative: str) -> bytes:
    """A public sample; the test is skipped, saying why, where the samples are not beside us."""
    if not SAMPLES.is_dir():
        pytest.skip(f"the public X12 samples are not at {SAMPLES} (set POSC_SIM_X12_SAMPLES)")
    return (SAMPLES / relative).read_bytes()


def masshealth_shaped(data: bytes, usage_indicator: str = "T") -> bytes:
    """The same interchange(s), addressed to MassHealth on the given site."""
    reader = SegmentReader.open(io.BytesIO(data))
    out = []
    for segment in reader:
        fields = list(segment)
        tag = fields[0]
        if tag == "ISA":
            fields[7], fields[8], fields[15] = "ZZ", "DMA7384".ljust(15), usage_indicator
            fields[11] = "^"
            fields[16] = reader.separators.component
        elif tag == "GS":
            fields[3] = "DMA7384"
            fields[8] = MASSHEALTH_VERSIONS.get(fields[8], fields[8])
        elif tag == "ST" and len(fields) > 3:
            fields[3] = MASSHEALTH_VERSIONS.get(fields[3], fields[3])
        out.append(segment_text([f.replace(reader.separators.component, ":") for f in fields]))
    return "".join(out).encode("latin-1")
