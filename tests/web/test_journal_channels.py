"""Every journal entry names the way in its request came through: ``web``, ``api`` or ``core``."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from posc_sim_fixtures.x12_builders import Submitter, build_837p
from simulator.runtime import Runtime
from tests.web.core.helpers import PROVIDER, file_list, soap_call
from tests.web.helpers import basic, create_user, login, upload
from tests.web.test_faults import add_fault


def journal(client: FlaskClient, **filters: str) -> list[dict[str, Any]]:
    response = client.get("/_sim/v1/journal", query_string=filters)
    assert response.status_code == 200, response.get_json()
    entries: list[dict[str, Any]] = response.get_json()["entries"]
    return entries


def test_a_page_an_api_and_a_core_call_are_journaled_with_their_channel(
    client: FlaskClient, runtime: Runtime
) -> None:
    create_user(client, "test", "ALICE01", providers=[PROVIDER])
    login(client, "test", "ALICE01")
    client.get("/test/api/v1/me", headers=basic("ALICE01"))
    listing = soap_call(
        client, "test", "BatchResultsRetrievalTransaction", file_list(), user_id="ALICE01"
    )
    assert listing.error_code == "Success"
    claims = build_837p(Submitter("SUB000001"))
    assert upload(client, "test", "ALICE01", [(claims, "claims.x12")]).status_code == 201
    runtime.processor.run_pending()

    entries = journal(client, site="test", user_id="ALICE01")
    assert [(e["channel"], e["operation"], e["outcome"]) for e in entries] == [
        ("web", "login", "ok"),
        ("api", "profile", "ok"),
        ("core", "search", "ok"),
        ("api", "upload", "ok"),
        (None, "process", "accepted"),  # made after the answer: no way in
    ]


def test_the_journal_is_read_by_channel(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01", providers=[PROVIDER])
    login(client, "test", "ALICE01", "Wrong#1234")
    client.get("/test/api/v1/me", headers=basic("ALICE01"))
    soap_call(client, "test", "BatchResultsRetrievalTransaction", file_list(), user_id="ALICE01")
    soap_call(client, "test", "BatchResultsRetrievalTransaction", file_list(), user_id="ALICE01")
    core = journal(client, site="test", channel="core")
    assert [(e["operation"], e["channel"]) for e in core] == [("search", "core")] * 2
    assert [e["outcome"] for e in journal(client, channel="web")] == ["invalid_credentials"]
    assert [e["operation"] for e in journal(client, channel="api")] == ["profile"]


def test_a_channel_that_is_no_way_in_is_refused(client: FlaskClient) -> None:
    response = client.get("/_sim/v1/journal?channel=soap")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_request"
    assert "web, api, core" in error["message"]


def test_a_transport_fault_is_journaled_with_the_channel_it_hit(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01", providers=[PROVIDER])
    add_fault(client, operation="search", action={"type": "error", "status": 503})
    add_fault(client, operation="profile", action={"type": "error", "status": 502})
    refused = soap_call(
        client, "test", "BatchResultsRetrievalTransaction", file_list(), user_id="ALICE01"
    )
    assert refused.status == 503
    assert client.get("/test/api/v1/me", headers=basic("ALICE01")).status_code == 502
    faulted = [e for e in journal(client, site="test") if e["fault_id"]]
    assert [(e["channel"], e["operation"], e["outcome"]) for e in faulted] == [
        ("core", "search", "fault:error"),
        ("api", "profile", "fault:error"),
    ]
