"""The ``posc_sim_scenario`` marker: ``posc_sim`` starts from a scenario file's given block."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from simulator.testing.given import GivenError, apply_given, read_given
from simulator.testing.simulator import Simulator
from tests.web.helpers import PASSWORD, basic


@pytest.mark.posc_sim_scenario("scenarios/partner.yaml")
def test_a_yaml_given_block_sets_clock_providers_users_and_faults(posc_sim: Simulator) -> None:
    clock = posc_sim.control("GET", "/clock")
    assert datetime.fromisoformat(clock["now"]) == datetime.fromisoformat("2026-03-02T09:00-05:00")
    assert clock["frozen"]
    me = posc_sim.client.get("/test/api/v1/me", headers=basic("ALICE01", PASSWORD)).get_json()
    assert {p["provider_id"]: p["name"] for p in me["providers"]}["220011122B"] == (
        "Example Clinic"
    )
    rules = posc_sim.control("GET", "/faults")["faults"]
    assert [(r["id"], r["action"]["type"]) for r in rules] == [
        ("first-upload-unavailable", "error")
    ]


@pytest.mark.posc_sim_scenario(Path(__file__).parent / "scenarios" / "prod-user.json")
def test_a_json_given_block_may_stand_alone(posc_sim: Simulator) -> None:
    answer = posc_sim.client.get("/prod/api/v1/me", headers=basic("BOB01", PASSWORD))
    assert answer.status_code == 200
    assert posc_sim.client.get("/test/api/v1/me", headers=basic("BOB01")).status_code == 401


def test_without_the_marker_the_simulator_holds_only_the_seeded_data(
    posc_sim: Simulator,
) -> None:
    assert posc_sim.control("GET", "/faults") == {"faults": []}
    assert posc_sim.client.get("/test/api/v1/me", headers=basic("ALICE01")).status_code == 401


@pytest.mark.parametrize(
    ("text", "complaint"),
    [('{"given": {"users": [], "steps": []}}', "steps: expected only"), ("[1, 2]", "mapping")],
)
def test_a_file_with_other_parts_is_refused(tmp_path: Path, text: str, complaint: str) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(text)
    with pytest.raises(GivenError, match=complaint):
        read_given(path)


def test_a_part_that_is_not_a_list_of_mappings_is_refused(posc_sim: Simulator) -> None:
    with pytest.raises(GivenError, match="faults: expected a list"):
        apply_given(posc_sim, {"faults": {"operation": "upload"}})
