"""The ``posc_sim_scenario`` marker: ``posc_sim`` starts as a scenario file sets up."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from simulator.scenarios.schema import ScenarioError
from simulator.testing.given import set_up_scenario
from simulator.testing.simulator import Simulator
from tests.web.helpers import PASSWORD, basic


@pytest.mark.posc_sim_scenario("scenarios/partner.yaml")
def test_the_given_block_sets_providers_users_clock_and_faults(posc_sim: Simulator) -> None:
    me = posc_sim.client.get("/test/api/v1/me", headers=basic("ALICE01", PASSWORD)).get_json()
    assert {p["provider_id"]: p["name"] for p in me["providers"]}["220011122B"] == (
        "Example Clinic"
    )
    clock = posc_sim.control("GET", "/clock")
    assert datetime.fromisoformat(clock["now"]) == datetime.fromisoformat("2026-03-02T09:00-05:00")
    assert clock["frozen"]
    rules = posc_sim.control("GET", "/faults")["faults"]
    assert [(r["id"], r["site"], r["times"]) for r in rules] == [
        ("first-upload-unavailable", "test", 1)
    ]


@pytest.mark.posc_sim_scenario(Path(__file__).parent / "scenarios" / "prod-empty.json")
def test_the_scenarios_site_is_reseeded_with_its_data_set(posc_sim: Simulator) -> None:
    users = posc_sim.control("GET", "/users")["users"]
    assert [u["user_id"] for u in users if u["site"] == "prod"] == ["BOB01"]
    assert "DEMOMASTER" in [u["user_id"] for u in users if u["site"] == "test"]
    bob = posc_sim.client.get("/prod/api/v1/me", headers=basic("BOB01", PASSWORD)).get_json()
    assert [p["provider_id"] for p in bob["providers"]] == ["110048577A"]


def test_without_the_marker_the_simulator_holds_only_the_seeded_data(
    posc_sim: Simulator,
) -> None:
    assert posc_sim.control("GET", "/faults") == {"faults": []}
    assert posc_sim.client.get("/test/api/v1/me", headers=basic("ALICE01")).status_code == 401


def test_a_scenario_file_with_an_unknown_key_is_refused_by_line(
    posc_sim: Simulator, tmp_path: Path
) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("name: typo\ngiven:\n  user: []\nexpect: []\n")
    with pytest.raises(ScenarioError, match=r"scenario.yaml:3: scenario.given.user: unknown key"):
        set_up_scenario(posc_sim, path)
