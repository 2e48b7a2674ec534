"""Reading the claims of an 837: each kind of service line gives its procedure and count."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simulator.x12.requests import claims_837

CLAIM = [["HL", "2", "1", "22", "0"], ["CLM", "PCN1", "170.00", "", "", "11:B:1", "Y"]]


@pytest.mark.parametrize(
    ("line", "procedure", "units"),
    [
        pytest.param(["SV1", "HC:99213", "95.00", "UN", "2"], "99213", 2, id="professional"),
        pytest.param(
            ["SV2", "0450", "HC:99284", "650.00", "UN", "3"], "99284", 3, id="institutional"
        ),
        # SV304 is the oral cavity (10: upper right quadrant), SV306 the count of procedures
        pytest.param(["SV3", "AD:D1110", "85.00", "", "10", "", "2"], "D1110", 2, id="dental"),
        pytest.param(["SV3", "AD:D0120", "45.00"], "D0120", 1, id="dental without a count"),
    ],
)
def test_a_service_line_gives_its_procedure_and_count(
    line: list[str], procedure: str, units: int
) -> None:
    (claim,) = claims_837([*CLAIM, ["LX", "1"], line])
    (read,) = claim.lines
    assert (read.procedure, read.units) == (procedure, Decimal(units))
