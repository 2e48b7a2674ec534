"""Judging one test upload, and the scenario expectation that reads the standings."""

from __future__ import annotations

import io
from typing import Any

import pytest

from posc_sim_fixtures.x12_builders import Submitter, build_837p
from simulator.portal.business import RefusedClaim
from simulator.portal.certification import judge
from simulator.scenarios.certified import certification_verdict
from simulator.x12.validate import Expectation, validate_structure

CLAIMS = Expectation("837", "005010X222A1", "T", "DMA7384")


def checked(data: bytes) -> Any:
    return validate_structure(io.BytesIO(data), CLAIMS)


def test_a_file_accepted_in_full_counts_and_non_x12_files_do_not_stand_in_the_way() -> None:
    verdict = judge([checked(build_837p(Submitter("SUB000001"))), None], [], dropped=False)
    assert (verdict.outcome, verdict.counted, verdict.finding) == ("accepted", True, None)


@pytest.mark.parametrize(
    ("data", "finding"),
    [
        (b"this is a letter", {"segment": "TA1", "code": "024"}),
        (
            build_837p(Submitter("SUB000001")).replace(b"*DMA7384        *", b"*SOMEONE        *"),
            {"segment": "TA1", "code": "008", "words": "Invalid Interchange Receiver ID"},
        ),
        (
            build_837p(Submitter("SUB000001")).replace(b"GE*1*", b"GE*3*"),
            {"segment": "AK9", "code": "5"},
        ),
    ],
)
def test_a_refused_file_names_its_finding_in_the_acknowledgement_s_words(
    data: bytes, finding: dict[str, str]
) -> None:
    verdict = judge([checked(data)], [], dropped=False)
    assert not verdict.counted
    assert verdict.finding is not None
    assert finding.items() <= verdict.finding.items()
    assert verdict.finding["words"]


def test_refused_claims_and_dropped_responses_do_not_count() -> None:
    report = checked(build_837p(Submitter("SUB000001")))
    refused = [RefusedClaim("PCN1", "100000000099", "33"), RefusedClaim("PCN2", "X", "33")]
    verdict = judge([report], refused, dropped=False)
    assert verdict.outcome == "claims_rejected"
    assert verdict.finding is not None
    assert verdict.finding["code"] == "A3:33"
    assert "PCN1" in verdict.finding["words"]
    assert "1 more claim(s) rejected" in verdict.finding["words"]
    assert judge([report], [], dropped=True).outcome == "no_response"


def standing(status: str, passes: int, files: int) -> Any:
    evidence = [{"tracking_number": str(n), "outcome": "accepted"} for n in range(files)]
    types = [{"transaction_type": "837P", "status": status, "passes": passes, "evidence": evidence}]
    return {"organizations": [{"organization": "Acme", "types": types}]}


@pytest.mark.parametrize(
    ("answer", "wanted", "passed"),
    [
        (standing("certified", 2, 2), {}, True),
        (standing("certified", 2, 2), {"passes": 2, "test_files": 2}, True),
        (standing("in_progress", 1, 1), {}, False),
        (standing("certified", 2, 4), {"test_files": 2}, False),
        (standing("in_progress", 1, 3), {"status": "in_progress", "passes": 1}, True),
        ({"organizations": []}, {}, False),
    ],
)
def test_the_scenario_expectation_compares_what_it_names(
    answer: Any, wanted: dict[str, Any], passed: bool
) -> None:
    asked: list[str] = []

    def read(path: str) -> Any:
        asked.append(path)
        return answer

    verdict = certification_verdict(
        read, {"organization": "Acme", "transaction_type": "837P", **wanted}
    )
    assert verdict[0] is passed, verdict[1]
    assert asked == ["/certification?site=test&organization=Acme"]
