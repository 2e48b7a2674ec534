"""Every TA1 and 999 written for a mutated inbound file is itself well-formed X12.

A seeded corpus of mutations of valid files (hypothesis, derandomized, so CI runs the same
examples every time) goes through the structure check; the answers written from its report
must pass our own structure check and, for the 999, pyx12's 005010X231A1 map.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posc_sim_fixtures.x12_builders import Submitter, build_270, build_837p
from simulator.x12.acks import ack_999, submitter, ta1
from simulator.x12.validate import Expectation, validate_structure
from simulator.x12.writer import MASSHEALTH, ControlNumbers, Envelope, Party

AT = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
EXPECTED = Expectation("837", "005010X222A1", "T", "DMA7384")
SEEDS = (build_837p(Submitter("SUB123456"), claims=2), build_270(Submitter("SUB123456")))
FALLBACK = Party("ZZ", "SUB123456", "SUB123456")
ISA_LENGTH = 106
NOISE = st.binary(min_size=1, max_size=12) | st.sampled_from(
    [b"*", b"~", b":", b"^", b"\xe9\xff", b"\n", b"", b"          ", b"ISA", b"GS*", b"X"]
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["replace", "insert", "delete", "truncate", "isa"]))
        if action == "isa":  # the fixed-width header is where the answers copy from
            at = draw(st.integers(0, 105))
        if action == "delete":
            del data[at : at + draw(st.integers(1, 20))]
        elif action == "truncate":
            del data[at:]
        elif action == "insert":
            data[at:at] = draw(NOISE)
        else:
            piece = draw(NOISE)
            data[at : at + len(piece)] = piece
    return bytes(data)


def envelope(receiver: Party, numbers: Callable[[], int]) -> Envelope:
    number = numbers()
    return Envelope(MASSHEALTH, receiver, "T", "", "", AT, ControlNumbers(number, number))


def answers(data: bytes) -> list[tuple[str, bytes]]:
    """The TA1s and 999s the processing writes for ``data`` (see its response writer)."""
    report = validate_structure(io.BytesIO(data), EXPECTED)
    counter = itertools.count(1)
    numbers = lambda: next(counter)  # noqa: E731
    if report.unreadable_note is not None:
        return []  # answered from the account alone, nothing of the file is copied
    written = []
    for interchange in report.interchanges:
        if not interchange.accepted or interchange.acknowledgment_requested:
            written.append(
                ("TA1", ta1(interchange, envelope(submitter(interchange, FALLBACK), numbers)))
            )
        if interchange.accepted and interchange.groups:
            receiver = submitter(interchange, FALLBACK, interchange.groups[0])
            written.append(
                ("999", ack_999(interchange, envelope(receiver, numbers), numbers, "837"))
            )
    return written


def check_answer(
    kind: str, answer: bytes, pyx12_accepts: Callable[[bytes], tuple[bool, str]]
) -> None:
    assert answer.isascii(), answer[:120]
    assert answer.index(b"~") + 1 == ISA_LENGTH, answer[:120]
    if kind == "TA1":
        ta1_fields = answer.split(b"~")[1].strip().split(b"*")
        assert ta1_fields[0] == b"TA1"
        digits = [(len(value), value.isdigit()) for value in ta1_fields[1:4]]
        assert digits == [(9, True), (6, True), (4, True)], ta1_fields
        return
    receiver = answer[54:69].decode().strip()
    report = validate_structure(
        io.BytesIO(answer), Expectation("999", "005010X231A1", "T", receiver)
    )
    assert report.status == "accepted", (answer.decode(), report)
    valid, objections = pyx12_accepts(answer)
    assert valid, (answer.decode(), objections)
    for group in answer.split(b"\nAK1")[1:]:
        ik5_accepts = group.count(b"IK5*A")
        ak9 = group.split(b"AK9*")[1].split(b"~")[0].split(b"*")
        assert int(ak9[3]) == ik5_accepts, group.decode()


@settings(
    derandomize=True,
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutated())
def test_every_answer_to_a_mutated_file_is_well_formed(
    pyx12_accepts: Callable[[bytes], tuple[bool, str]], data: bytes
) -> None:
    for kind, answer in answers(data):
        check_answer(kind, answer, pyx12_accepts)
