"""Clock, reset, journal cap and metrics through the control API."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask.testing import FlaskClient

from simulator.app import create_app
from simulator.control.seeding import reset_sites
from simulator.runtime import Runtime
from simulator.settings import Settings
from simulator.sites import SITE_CODES
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
            reset_sites(runtime, SITE_CODES, "empty", 1)  # one database serves both rounds
            client = create_app(settings, runtime).test_client()
            create_user(client, "test", "ALICE01")
            for _ in range(6):
                client.get("/test/api/v1/me", headers=basic("ALICE01"))
            entries = client.get("/_sim/v1/journal").get_json()["entries"]
            assert len(entries) == expected
        finally:
            runtime.close()


def test_metrics_in_prometheus_text(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    client.get("/test/api/v1/me", headers=basic("ALICE01"))
    upload(client, "test", "ALICE01", [(b"ISA*x~", "x.txt")])
    client.post(
        "/_sim/v1/faults", json={"operation": "login", "action": {"type": "lockout"}, "times": 1}
    )
    client.get("/test/api/v1/me", headers=basic("ALICE01"))
    text = client.get("/_sim/v1/metrics").get_data(as_text=True)
    assert 'posc_sim_requests_total{operation="profile",site="test",status="200"} 1.0' in text
    assert 'posc_sim_uploads_total{site="test"} 1.0' in text
    assert 'posc_sim_upload_bytes_total{site="test"} 6.0' in text
    assert 'posc_sim_faults_fired_total{type="lockout"} 1.0' in text
    assert 'posc_sim_jobs{state="queued"} 1.0' in text
    assert "posc_sim_journal_entries" in text


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
