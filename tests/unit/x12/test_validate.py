"""Our structure check on real public files: each broken one earns the code it deserves."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.x12.report import ValidationReport
from simulator.x12.validate import Expectation, validate_structure
from tests.samples import masshealth_shaped, sample

CLAIMS = Expectation("837", "005010X222A1", "T", "DMA7384")
ENROLLMENT = Expectation("834", "005010X220A1", "T", "DMA7384")


def check(data: bytes, expectation: Expectation = CLAIMS) -> ValidationReport:
    return validate_structure(io.BytesIO(data), expectation)


def codes(report: ValidationReport) -> dict[str, list[str]]:
    """Every code the report holds, by the acknowledgement element that would carry it."""
    found: dict[str, list[str]] = {"TA1": [], "AK9": [], "IK5": [], "IK3": [], "IK4": []}
    for interchange in report.interchanges:
        if interchange.note_code:
            found["TA1"].append(interchange.note_code)
        for group in interchange.groups:
            found["AK9"] += group.codes
            for result in group.sets:
                found["IK5"] += result.codes
                for error in result.segment_errors:
                    found["IK3"].append(f"{error.tag}:{error.code}")
                    found["IK4"] += [f"{error.tag}{e.position}:{e.code}" for e in error.elements]
    return found


def test_a_clean_file_is_accepted() -> None:
    report = check(masshealth_shaped(sample("pyx12/example834_5010.txt")), ENROLLMENT)
    assert report.status == "accepted"
    assert codes(report) == {"TA1": [], "AK9": [], "IK5": [], "IK3": [], "IK4": []}


@pytest.mark.parametrize(
    ("relative", "element", "expected"),
    [
        ("imsweb/837_5010_x12_bad_first_line.txt", "TA1", "011"),  # ISA02 is 9 characters
        ("imsweb/837_5010_x12_bad_segment_identifier.txt", "IK3", "UNK:1"),  # no segment ID
        ("imsweb/837_5010_x12_bad_segment_identifier.txt", "IK3", "Nd4:1"),
        ("imsweb/837_5010_x12_valid.txt", "IK5", "4"),  # SE01 counts 25 of 34 segments
        ("imsweb/837_5010_x12_multiple_st.txt", "IK5", "23"),  # ST02 used twice in the group
        ("imsweb/837_5010_x12_multiple_gs.txt", "AK9", "19"),  # GS06 used twice
        ("imsweb/837_5010_x12_multiple_gs.txt", "TA1", "021"),  # IEA01 says 1 of 3 groups
        ("imsweb/837_5010_x12_multiple_transactions.txt", "TA1", "025"),  # ISA13 again
        ("imsweb/837_5010_x12_many_claims.txt", "IK4", "HL1:7"),  # HL01 skips a number
        ("imsweb/837_5010_x12_missing_required_loop_in_one_repeat.txt", "IK4", "HL2:7"),
    ],
)
def test_deliberately_broken_files_get_their_codes(
    relative: str, element: str, expected: str
) -> None:
    report = check(masshealth_shaped(sample(relative)))
    assert expected in codes(report)[element]
    assert report.status in {"rejected", "partially_accepted"}


def test_a_file_with_no_isa_is_unreadable_with_024() -> None:
    report = check(sample("imsweb/837_5010_x12_no_isa_line.txt"))
    assert report.unreadable_note == "024"
    assert report.status == "rejected"


@pytest.mark.parametrize(
    ("usage", "expectation", "note"),
    [
        ("P", ENROLLMENT, "020"),  # a production file sent to the test site
        ("T", Expectation("834", "005010X220A1", "P", "DMA7384"), "020"),
        ("T", Expectation("834", "005010X220A1", "T", "OTHERPAYER"), "008"),
    ],
)
def test_interchange_refusals(usage: str, expectation: Expectation, note: str) -> None:
    report = check(masshealth_shaped(sample("pyx12/example834_5010.txt"), usage), expectation)
    assert codes(report)["TA1"] == [note]
    assert report.status == "rejected"


def test_a_file_of_another_type_than_chosen_is_refused_as_a_group() -> None:
    report = check(masshealth_shaped(sample("pyx12/example834_5010.txt")), CLAIMS)
    assert codes(report)["AK9"] == ["1"]
    assert report.status == "rejected"


def test_an_unsupported_guide_version_is_refused_as_a_group() -> None:
    original = sample("linuxforhealth/837_005010X222A2/demo.example1.837")
    report = check(masshealth_shaped(original).replace(b"005010X222A1", b"005010X222A2"))
    assert codes(report)["AK9"] == ["2"]


def test_isa_from_an_older_version_of_the_standard() -> None:
    report = check(
        masshealth_shaped(sample("tigershark/TEST_276_TXNs.txt")),
        Expectation("276", "005010X212", "T", "DMA7384"),
    )
    assert "017" in codes(report)["TA1"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    position=st.integers(min_value=0, max_value=2000),
    replacement=st.binary(min_size=0, max_size=3),
    cut=st.booleans(),
)
def test_mutated_files_always_get_a_verdict(position: int, replacement: bytes, cut: bool) -> None:
    """Whatever is broken, the check answers with a status and never raises."""
    original = masshealth_shaped(sample("pyx12/example834_5010.txt"))
    at = position % len(original)
    mutated = original[:at] if cut else original[:at] + replacement + original[at + 1 :]
    report = check(mutated, ENROLLMENT)
    assert report.status in {"accepted", "partially_accepted", "rejected"}
    if report.status == "accepted":
        assert report.accepted_sets()


TA1_ONLY = (
    b"ISA*00*          *00*          *ZZ*DMA7384        *ZZ*SUB123456      *260115*0930*^*00501"
    b"*000000007*0*T*:~\nTA1*531969375*260115*0930*%s~\nIEA*0*000000007~\n"
)
ANSWER = Expectation("", "00501", "T", "SUB123456")


def test_an_interchange_of_ta1s_alone_is_well_formed() -> None:
    report = check(TA1_ONLY % b"A*000", ANSWER)
    assert [interchange.note_code for interchange in report.interchanges] == [None]


@pytest.mark.parametrize("answer", [b"X*000", b"A*0", b"A*000*EXTRA", b"A"])
def test_a_malformed_ta1_refuses_its_interchange(answer: bytes) -> None:
    report = check(TA1_ONLY % answer, ANSWER)
    assert [interchange.note_code for interchange in report.interchanges] == ["024"]


def test_a_ta1_after_a_functional_group_is_content_outside_any_set() -> None:
    data = masshealth_shaped(sample("pyx12/example834_5010.txt"))
    moved = data.replace(b"IEA*", b"TA1*531969375*260115*0930*A*000~\nIEA*", 1)
    assert codes(check(moved, ENROLLMENT))["TA1"] == ["024"]
