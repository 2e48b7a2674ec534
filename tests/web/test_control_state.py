"""Clock, reset, journal cap and metrics through the control API."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask.testing import FlaskClient

from simulator.app import create_app
from simulator.control.seeding import seed_unseeded_sites
from simulator.runtime import Runtime
from simulator.settings import Settings
from tests.web.helpers import basic, create_user, upload


def test_clock_set_advance_freeze(client: FlaskClient) -> None:
    frozen = client.post(
        "/_sim/v1/clock", json={"set": "2027-01-01T09:00:00-05:00", "freeze": True}
    ).get_json()
    assert frozen["frozen"] is True
    assert datetime.fromisoformat(frozen["now"]) == datetime.fromisoformat(
        "2027-01-01T14:00:00+00:00"
    )
    advanced = client.post("/_sim/v1/clock", json={"advance": "P90DT1H"}).get_json()
    assert datetime.fromisoformat(advanced["now"]) - datetime.fromisoformat(frozen["now"]) == (
        timedelta(days=90, hours=1)
    )
    by_seconds = client.post("/_sim/v1/clock", json={"advance": 30}).get_json()
    assert datetime.fromisoformat(by_seconds["now"]) - datetime.fromisoformat(
        advanced["now"]
    ) == timedelta(seconds=30)
    assert client.get("/_sim/v1/clock").get_json() == by_seconds
    running = client.post("/_sim/v1/clock", json={"freeze": False}).get_json()
    assert running["frozen"] is False


@pytest.mark.parametrize(
    ("advance", "lands_on"),
    [
        ("P1M", "2027-02-28T12:00:00+00:00"),
        ("P1Y", "2028-01-31T12:00:00+00:00"),
        ("3600", "2027-01-31T13:00:00+00:00"),
        ("PT1.5S", "2027-01-31T12:00:01.500000+00:00"),
    ],
)
def test_the_clock_advances_by_calendar_months_years_and_seconds_as_text(
    client: FlaskClient, advance: str, lands_on: str
) -> None:
    client.post("/_sim/v1/clock", json={"set": "2027-01-31T12:00:00Z", "freeze": True})
    moved = client.post("/_sim/v1/clock", json={"advance": advance}).get_json()
    assert datetime.fromisoformat(moved["now"]) == datetime.fromisoformat(lands_on)


@pytest.mark.parametrize(
    "body",
    [
        {"set": "yesterday"},
        {"set": "2027-01-01T09:00:00"},
        {"advance": "90 days"},
        {"freeze": "yes"},
        {"rewind": 5},
    ],
)
def test_bad_clock_changes_are_refused(client: FlaskClient, body: dict[str, object]) -> None:
    response = client.post("/_sim/v1/clock", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].split(":")[0] in body


def test_expiry_follows_the_clock(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    client.post("/_sim/v1/clock", json={"advance": "P91D"})
    refused = client.get("/test/api/v1/me", headers=basic("ALICE01"))
    assert refused.get_json()["error"]["code"] == "password_expired"


def test_reset_with_the_same_seed_gives_the_same_ids(client: FlaskClient) -> None:
    demo = basic("DEMOMASTER", "Welcome#2026")

    def snapshot(seed: int) -> tuple[object, object, object]:
        reset = client.post("/_sim/v1/reset", json={"seed": seed})
        assert reset.status_code == 200
        providers = client.get("/_sim/v1/providers?site=prod").get_json()
        users = client.get("/_sim/v1/users?site=prod").get_json()
        mine = client.get("/prod/api/v1/me", headers=demo).get_json()["providers"][0]
        response = client.post(
            "/prod/api/v1/batches",
            headers=demo,
            data={
                "provider_id": mine["provider_id"],
                "transaction_type": "837P",
                "files": [(io.BytesIO(b"ISA*x~"), "x.txt")],
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.get_json()
        return providers, users, response.get_json()["tracking_number"]

    assert snapshot(5) == snapshot(5)
    assert snapshot(5)[0] != snapshot(6)[0]


def test_reset_of_one_site_keeps_the_other_and_wipes_its_journal(client: FlaskClient) -> None:
    create_user(client, "prod", "ALICE01")
    create_user(client, "test", "ALICE01")
    client.get("/test/api/v1/me", headers=basic("ALICE01"))
    client.get("/prod/api/v1/me", headers=basic("ALICE01"))
    client.post("/_sim/v1/reset", json={"site": "test", "dataset": "empty"})
    assert client.get("/_sim/v1/journal?site=test").get_json()["entries"] == []
    assert client.get("/_sim/v1/journal?site=prod").get_json()["entries"]
    assert client.get("/prod/api/v1/me", headers=basic("ALICE01")).status_code == 200
    assert client.get("/test/api/v1/me", headers=basic("ALICE01")).status_code == 401


def test_journal_cap_and_switch(make_settings: Callable[..., Settings]) -> None:
    for enabled, expected in ((True, 3), (False, 0)):
        settings = make_settings(
            journal_max_entries=3,
            journal_enabled=enabled,
            data_dir=make_settings().data_dir / str(enabled),
        )
        runtime = Runtime.open(settings)
        try:
            runtime.prepare_storage()
            seed_unseeded_sites(runtime, "empty", 1)
            client = create_app(settings, runtime).test_client()
            create_user(client, "test", "ALICE01")
            for _ in range(6):
                client.get("/test/api/v1/me", headers=basic("ALICE01"))
            entries = client.get("/_sim/v1/journal").get_json()["entries"]
            assert len(entries) == expected
        finally:
            runtime.close()


def metric_lines(client: FlaskClient, prefix: str) -> list[str]:
    text = client.get("/_sim/v1/metrics").get_data(as_text=True)
    return [line for line in text.splitlines() if line.startswith(prefix)]


def test_metrics_in_prometheus_text(client: FlaskClient, runtime: Runtime) -> None:
    create_user(client, "test", "ALICE01")
    client.get("/test/api/v1/me", headers=basic("ALICE01"))
    upload(client, "test", "ALICE01", [(b"ISA*x~", "x.txt")])
    client.post(
        "/_sim/v1/faults", json={"operation": "login", "action": {"type": "lockout"}, "times": 1}
    )
    client.get("/test/api/v1/me", headers=basic("ALICE01"))
    text = client.get("/_sim/v1/metrics").get_data(as_text=True)
    assert (
        'posc_sim_requests_total{operation="profile",outcome="ok",site="test",status="200"} 1.0'
    ) in text
    assert 'posc_sim_batches{site="test"} 1.0' in text
    assert 'posc_sim_batch_bytes{site="test"} 6.0' in text
    assert 'posc_sim_fault_rules_fired{type="lockout"} 1.0' in text
    assert 'posc_sim_jobs{state="queued"} 1.0' in text
    assert 'posc_sim_queue_depth{site="test"} 1.0' in text
    assert 'posc_sim_request_seconds_count{operation="upload",site="test"} 1.0' in text
    assert 'posc_sim_request_seconds_bucket{le="+Inf",operation="login",site="test"} 1.0' in text
    runtime.processor.run_pending()
    after = client.get("/_sim/v1/metrics").get_data(as_text=True)
    assert 'posc_sim_processing_seconds_count{result="done",site="test"} 1.0' in after
    assert 'operation="process",outcome="rejected",site="test",status=""} 1.0' in after
    assert "posc_sim_queue_depth{" not in after


def test_counters_do_not_depend_on_the_journal(
    make_settings: Callable[..., Settings], tmp_path: object
) -> None:
    runtime = Runtime.open(make_settings(journal_enabled=False))
    try:
        runtime.prepare_storage()
        seed_unseeded_sites(runtime, "demo", 1)
        client = create_app(runtime.settings, runtime).test_client()
        create_user(client, "test", "ALICE01")
        for _ in range(3):
            upload(client, "test", "ALICE01", [(b"ISA*x~", "x.txt")])
        uploads = 'posc_sim_requests_total{operation="upload",outcome="ok",site="test",'
        assert metric_lines(client, uploads) == [uploads + 'status="201"} 3.0']
        client.delete("/_sim/v1/journal")
        client.post("/_sim/v1/reset", json={"site": "test"})
        assert metric_lines(client, uploads) == [uploads + 'status="201"} 3.0']
    finally:
        runtime.close()


@pytest.mark.parametrize(
    "body",
    [
        {"advance": -1271109269269367.0},
        {"advance": 1e300},
        {"advance": "P999999999D"},
        {"set": "0001-01-01T00:00:00+00:00"},
        {"set": "2000-01-01T00:00:00+00:00", "advance": -1271109269269367.0, "freeze": False},
    ],
)
def test_the_clock_stays_in_the_calendar(client: FlaskClient, body: dict[str, object]) -> None:
    """Found by schemathesis: a huge advance once overflowed into a server error."""
    response = client.post("/_sim/v1/clock", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_request"
