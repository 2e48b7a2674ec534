from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from itertools import count

import pytest

from simulator.x12.acks import ack_999, submitter, ta1
from simulator.x12.reader import SegmentReader
from simulator.x12.report import InterchangeResult
from simulator.x12.validate import Expectation, validate_structure
from simulator.x12.writer import MASSHEALTH, ControlNumbers, Envelope, Party
from tests.samples import masshealth_shaped, sample

AT = datetime(2026, 3, 4, 5, 6)
CLAIMS = Expectation("837", "005010X222A1", "T", "DMA7384")
UPLOADER = Party("ZZ", "SUB0001", "SUB0001")


def first_interchange(relative: str, expectation: Expectation = CLAIMS) -> InterchangeResult:
    report = validate_structure(io.BytesIO(masshealth_shaped(sample(relative))), expectation)
    return report.interchanges[0]


def envelope(interchange: InterchangeResult) -> Envelope:
    group = interchange.groups[0] if interchange.groups else None
    receiver = submitter(interchange, UPLOADER, group)
    return Envelope(MASSHEALTH, receiver, "T", "", "", AT, ControlNumbers(42, 43))


def segments(data: bytes) -> list[list[str]]:
    return list(SegmentReader.open(io.BytesIO(data)))


@pytest.mark.parametrize(
    "relative",
    [
        "imsweb/837_5010_x12_bad_segment_identifier.txt",
        "imsweb/837_5010_x12_multiple_st.txt",
        "imsweb/837_5010_x12_many_claims.txt",
        "linuxforhealth/837_005010X222A2/demo.example1.837",
    ],
)
def test_our_999_passes_pyx12(
    relative: str, pyx12_accepts: Callable[[bytes], tuple[bool, str]]
) -> None:
    interchange = first_interchange(relative)
    numbers = count(1)
    ack = ack_999(interchange, envelope(interchange), lambda: next(numbers), "837")
    valid, findings = pyx12_accepts(ack)
    assert valid, findings


def test_999_envelope_version_and_counts() -> None:
    interchange = first_interchange("imsweb/837_5010_x12_multiple_st.txt")
    numbers = count(7)
    parsed = segments(ack_999(interchange, envelope(interchange), lambda: next(numbers), "837"))
    isa, gs, st = parsed[0], parsed[1], parsed[2]
    assert (isa[5], isa[6].strip(), isa[7], isa[8].strip()) == (
        "ZZ",
        "DMA7384",
        "ZZ",
        "SUBMITTERS.ID",
    )
    assert isa[13] == "000000042"
    assert isa[15] == "T"
    assert (gs[1], gs[2], gs[3], gs[6], gs[8]) == (
        "FA",
        "DMA7384",
        "SENDER CODE",
        "43",
        "005010X231A1",
    )
    assert st == ["ST", "999", "0007", "005010X231A1"]
    ak9 = next(s for s in parsed if s[0] == "AK9")
    assert ak9[:5] == ["AK9", "R", "1", "2", "0"]  # GE01 says 1, 2 received, none accepted
    ik5 = [s for s in parsed if s[0] == "IK5"]
    assert ["IK5", "R", "23", "4", "5"] in ik5
    se = next(s for s in parsed if s[0] == "SE")
    assert int(se[1]) == len(parsed) - 2 - 2  # everything from ST to SE, not ISA/GS/GE/IEA


def test_partial_acceptance_is_p() -> None:
    good = masshealth_shaped(sample("pyx12/example834_5010.txt")).decode()
    st_at = good.index("ST*834*")
    se_end = good.index("GE*")
    second = (
        good[st_at:se_end]
        .replace("ST*834*0001", "ST*834*0002")
        .replace("SE*", "SE*999", 1)
        .replace("0001~", "0002~")
    )
    data = (good[:se_end] + second + good[se_end:]).replace("GE*1*", "GE*2*").encode()
    report = validate_structure(
        io.BytesIO(data), Expectation("834", "005010X220A1", "T", "DMA7384")
    )
    assert report.status == "partially_accepted"
    group = report.interchanges[0].groups[0]
    assert (group.ack_code, group.accepted_sets, len(group.sets)) == ("P", 1, 2)


def test_ta1_follows_the_isa_and_names_the_refusal() -> None:
    refused = first_interchange("imsweb/837_5010_x12_bad_first_line.txt")
    parsed = segments(ta1(refused, envelope(refused)))
    assert [segment[0] for segment in parsed] == ["ISA", "TA1", "IEA"]
    assert parsed[1] == ["TA1", "000000905", "030101", "1253", "R", "011"]
    assert parsed[2] == ["IEA", "0", "000000042"]
