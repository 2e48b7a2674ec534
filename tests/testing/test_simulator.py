"""The ``posc_sim`` fixture: a whole simulator in the test process, driven by its helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from posc_sim_fixtures.members import DOCUMENTED_REQUEST_MEMBERS
from posc_sim_fixtures.x12_builders import Submitter, build_270
from simulator.faults.rules import FaultRuleError
from simulator.testing.simulator import ControlError, Simulator
from tests.web.helpers import PASSWORD, QUESTIONS, basic, login, upload

PROVIDER = "110048577A"
MARY = DOCUMENTED_REQUEST_MEMBERS[0]  # active coverage


def test_a_user_logs_in_uploads_and_gets_a_999_once_jobs_run(posc_sim: Simulator) -> None:
    posc_sim.create_user(
        "test", "ALICE01", PASSWORD, providers=[PROVIDER], security_questions=QUESTIONS
    )
    signed_in = login(posc_sim.client, "test", "ALICE01")
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"].endswith("/test/welcome")

    inquiry = build_270(Submitter("SUB000001", usage_indicator="T"), members=[MARY])
    sent = upload(
        posc_sim.client, "test", "ALICE01", [(inquiry, "inquiry.270")], transaction_type="270"
    )
    assert sent.status_code == 201, sent.get_json()
    number = sent.get_json()["tracking_number"]
    status_path = f"/test/api/v1/batches/{number}"
    assert posc_sim.client.get(status_path, headers=basic("ALICE01")).get_json()["status"] == (
        "received"
    )

    assert posc_sim.process_jobs() == 1
    assert posc_sim.client.get(status_path, headers=basic("ALICE01")).get_json()["status"] == (
        "accepted"
    )
    listed = posc_sim.client.get("/test/api/v1/files", headers=basic("ALICE01")).get_json()
    assert {f["transaction_type"] for f in listed["files"]} == {"999", "271"}
    uploads = posc_sim.journal(site="test", operation="upload", user_id="ALICE01")
    assert [entry["tracking_number"] for entry in uploads] == [number]


def test_the_clock_helpers_move_the_simulated_time(posc_sim: Simulator) -> None:
    start = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    posc_sim.freeze_clock()
    assert posc_sim.set_clock(start) == start
    assert posc_sim.advance_clock(timedelta(days=90)) == start + timedelta(days=90)
    assert posc_sim.advance_clock(30) == start + timedelta(days=90, seconds=30)
    reading = posc_sim.control("GET", "/clock")
    assert reading == {"now": (start + timedelta(days=90, seconds=30)).isoformat(), "frozen": True}


def test_a_placed_file_is_in_the_providers_download_list(posc_sim: Simulator) -> None:
    posc_sim.create_user("prod", "BOB01", PASSWORD, providers=[PROVIDER])
    placed = posc_sim.place_file("prod", PROVIDER, "835", "ISA*00*placed~")
    listed = posc_sim.client.get("/prod/api/v1/files", headers=basic("BOB01")).get_json()
    assert [f["file_id"] for f in listed["files"]] == [placed["file_id"]]


def test_a_fault_added_in_process_fires_on_the_next_request(posc_sim: Simulator) -> None:
    posc_sim.create_user("test", "ALICE01", PASSWORD, providers=[PROVIDER])
    rule = posc_sim.add_fault(
        {"site": "test", "operation": "profile", "action": {"type": "maintenance"}, "times": 1}
    )
    first = posc_sim.client.get("/test/api/v1/me", headers=basic("ALICE01"))
    second = posc_sim.client.get("/test/api/v1/me", headers=basic("ALICE01"))
    assert (first.status_code, second.status_code) == (503, 200)
    fired = [e for e in posc_sim.journal(site="test") if e["fault_id"] == rule["id"]]
    assert [e["outcome"] for e in fired] == ["fault:maintenance"]


def test_set_up_mistakes_are_refused_with_the_field_named(posc_sim: Simulator) -> None:
    with pytest.raises(FaultRuleError, match="operation"):
        posc_sim.add_fault({"operation": "teleport", "action": {"type": "lockout"}})
    with pytest.raises(ControlError, match="site") as refused:
        posc_sim.create_user("staging", "ALICE01", PASSWORD)
    assert (refused.value.status, refused.value.code) == (400, "invalid_request")


def test_reset_starts_one_site_over_and_leaves_the_other(posc_sim: Simulator) -> None:
    for site in ("test", "prod"):
        posc_sim.create_user(site, "ALICE01", PASSWORD, providers=[PROVIDER])
    posc_sim.reset(site="test", dataset="empty")
    users = posc_sim.control("GET", "/users")["users"]
    assert [(u["site"], u["user_id"]) for u in users if u["user_id"] == "ALICE01"] == [
        ("prod", "ALICE01")
    ]
    assert not [u for u in users if u["site"] == "test"]


def test_a_simulator_of_its_own_removes_its_folder_when_closed() -> None:
    with Simulator(dataset="empty", seed=7) as simulator:
        folder = simulator.settings.data_dir
        assert (folder / "posc-sim.db").exists()
        assert simulator.control("GET", "/users") == {"users": []}
    assert not folder.exists()


def test_a_setting_that_does_not_exist_is_refused_and_leaves_nothing_open() -> None:
    with pytest.raises(TypeError, match="response_delay"):
        Simulator(response_delay=5)
