"""Certification through the pages, the JSON API and the control API (CONTRACT §9).

Production requires certification here; test files are processed by running the job queue.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient

from posc_sim_fixtures.factories import DEFAULT_PASSWORD
from posc_sim_fixtures.members import DOCUMENTED_MEMBERS, NOT_ON_ROSTER_EXAMPLE
from posc_sim_fixtures.x12_builders import Member, Submitter, build_837p
from simulator.runtime import Runtime
from simulator.settings import Settings, SiteSettings
from tests.web.core.helpers import fields, soap_call
from tests.web.helpers import basic, create_user, csrf_token, error_text, login, upload

ORGANIZATION = "Newco Billing"
USER = "NEWCO01"
MARY = DOCUMENTED_MEMBERS[0]
ACTIVE = Member(MARY.member_id, MARY.first_name, MARY.last_name, MARY.birth_date, MARY.gender)
UNKNOWN = Member(NOT_ON_ROSTER_EXAMPLE, "NOBODY", "KNOWN", date(1970, 1, 1), "F")


@pytest.fixture
def settings(make_settings: Any) -> Settings:
    sites = {"test": SiteSettings(), "prod": SiteSettings(certification="required")}
    made: Settings = make_settings(sites=sites)
    return made


@pytest.fixture
def newco(client: FlaskClient) -> str:
    for site in ("test", "prod"):
        create_user(client, site, USER, organization=ORGANIZATION, security_level="master")
    return USER


def claims(site: str = "test", member: Member = ACTIVE) -> bytes:
    usage = "T" if site == "test" else "P"
    return build_837p(Submitter("SUB000001", usage_indicator=usage), claims=1, members=[member])


def partially_accepted() -> bytes:
    """Two claim sets in one group, the second without its BHT: the 999 says P."""
    segments = [s.strip() for s in claims().decode().split("~") if s.strip()]
    start = next(i for i, s in enumerate(segments) if s.startswith("ST*"))
    end = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    second = [s for s in segments[start : end + 1] if not s.startswith("BHT*")]
    second[0] = second[0].replace("*0001*", "*0002*")
    second[-1] = f"SE*{len(second)}*0002"
    trailer = next(i for i, s in enumerate(segments) if s.startswith("GE*"))
    control = segments[trailer].split("*")[2]
    whole = [*segments[: end + 1], *second, f"GE*2*{control}", *segments[trailer + 1 :]]
    return ("~\n".join(whole) + "~\n").encode()


def send(client: FlaskClient, runtime: Runtime, data: bytes, site: str = "test") -> str:
    response = upload(client, site, USER, [(data, "claims.837")])
    assert response.status_code == 201, response.get_json()
    runtime.processor.run_pending()
    number: str = response.get_json()["tracking_number"]
    return number


def own_status(client: FlaskClient, transaction_type: str = "837P") -> dict[str, Any]:
    response = client.get("/test/api/v1/certification", headers=basic(USER))
    assert response.status_code == 200
    body = response.get_json()
    assert body["organization"] == ORGANIZATION
    found: dict[str, Any] = next(
        t for t in body["types"] if t["transaction_type"] == transaction_type
    )
    return found


def page_upload(client: FlaskClient, site: str, data: bytes) -> Any:
    """The Upload Batch File page, as a person signed in as the organization's user uses it."""
    form = client.get(f"/{site}/batch/upload").get_data(as_text=True)
    return client.post(
        f"/{site}/batch/upload",
        data={
            "csrf_token": csrf_token(form),
            "provider_id": "110048577A",
            "transaction_type": "837P",
            "files": [(io.BytesIO(data), "claims.837")],
        },
        content_type="multipart/form-data",
    )


def control_status(client: FlaskClient, organization: str = ORGANIZATION) -> list[dict[str, Any]]:
    response = client.get(f"/_sim/v1/certification?site=test&organization={organization}")
    assert response.status_code == 200
    organizations: list[dict[str, Any]] = response.get_json()["organizations"]
    return organizations


def test_production_refuses_an_uncertified_type_on_the_api_and_the_page(
    client: FlaskClient, newco: str
) -> None:
    refused = upload(client, "prod", newco, [(claims("prod"), "claims.837")])
    assert refused.status_code == 403
    error = refused.get_json()["error"]
    assert error["code"] == "certification_required"
    assert "837P" in error["message"]
    assert "2 more accepted test file(s) of 837P" in error["message"]

    login(client, "prod", newco)
    page = page_upload(client, "prod", claims("prod"))
    assert page.status_code == 403
    assert "837P" in error_text(page)
    assert "2 more accepted test file(s)" in error_text(page)
    assert 'id="tracking-number"' not in page.get_data(as_text=True)


def test_production_refuses_an_uncertified_type_through_core(
    client: FlaskClient, newco: str
) -> None:
    payload = claims("prod")
    values = fields("X12_837_Request_005010X222A1", payload=payload)
    answer = soap_call(
        client, "prod", "BatchSubmitTransaction", values, user_id=newco, payload=payload
    )
    assert (answer.status, answer.error_code) == (403, "UnAuthorized"), answer.raw
    assert "837P" in answer.error_message
    assert "2 more accepted test file(s) of 837P" in answer.error_message


def test_two_accepted_test_files_certify_and_open_production(
    client: FlaskClient, runtime: Runtime, newco: str
) -> None:
    assert own_status(client)["status"] == "not_started"
    first = send(client, runtime, claims())
    status = own_status(client)
    assert (status["status"], status["passes"], status["needed"]) == ("in_progress", 1, 1)
    assert status["evidence"][0]["tracking_number"] == first
    assert status["evidence"][0]["outcome"] == "accepted"

    refused = upload(client, "prod", newco, [(claims("prod"), "claims.837")])
    assert "1 more accepted test file(s)" in refused.get_json()["error"]["message"]

    send(client, runtime, claims())
    status = own_status(client)
    assert (status["status"], status["passes"], status["needed"]) == ("certified", 2, 0)
    assert upload(client, "prod", newco, [(claims("prod"), "claims.837")]).status_code == 201
    other = upload(client, "prod", newco, [(b"ISA", "x.270")], transaction_type="270")
    assert other.get_json()["error"]["code"] == "certification_required"  # per type


def test_the_testing_status_page_shows_the_run_and_is_in_the_test_menu(
    client: FlaskClient, runtime: Runtime, newco: str
) -> None:
    send(client, runtime, claims())
    login(client, "test", newco)
    welcome = client.get("/test/welcome").get_data(as_text=True)
    assert 'id="testing-status"' in welcome
    assert "Testing Status" in welcome
    page = client.get("/test/certification")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert ORGANIZATION in html
    assert 'data-transaction-type="837P" data-status="in_progress"' in html
    assert 'data-counted="yes"' in html

    login(client, "prod", newco)
    assert 'id="testing-status"' not in client.get("/prod/welcome").get_data(as_text=True)


def test_a_rejected_file_starts_the_count_again_but_never_undoes_certification(
    client: FlaskClient, runtime: Runtime, newco: str
) -> None:
    send(client, runtime, claims())
    rejected = send(client, runtime, claims("prod"))  # ISA15 P on the test site: TA1 020
    status = own_status(client)
    assert (status["status"], status["passes"]) == ("in_progress", 0)
    last = status["evidence"][-1]
    assert (last["tracking_number"], last["outcome"], last["counted"]) == (
        rejected,
        "rejected",
        False,
    )
    assert last["finding"] == {
        "segment": "TA1",
        "code": "020",
        "words": "Invalid Test Indicator Value",
    }
    assert "did not count" in status["missing"]

    send(client, runtime, claims())
    assert own_status(client)["passes"] == 1
    send(client, runtime, claims())
    send(client, runtime, claims("prod"))
    status = own_status(client)
    assert (status["status"], len(status["evidence"])) == ("certified", 5)


def test_a_claim_rejected_in_the_277ca_does_not_count(
    client: FlaskClient, runtime: Runtime, newco: str
) -> None:
    send(client, runtime, claims(member=UNKNOWN))
    status = own_status(client)
    assert (status["status"], status["passes"]) == ("in_progress", 0)
    evidence = status["evidence"][0]
    assert evidence["outcome"] == "claims_rejected"
    assert evidence["finding"]["segment"] == "STC"
    assert evidence["finding"]["code"] == "A3:33"
    assert NOT_ON_ROSTER_EXAMPLE in evidence["finding"]["words"]

    login(client, "test", newco)
    html = client.get("/test/certification").get_data(as_text=True)
    assert "STC A3:33" in html
    assert "did not count" in html


def test_a_file_accepted_with_errors_does_not_count_and_says_which_finding(
    client: FlaskClient, runtime: Runtime, newco: str
) -> None:
    number = send(client, runtime, partially_accepted())
    batch = client.get(f"/test/api/v1/batches/{number}", headers=basic(USER)).get_json()
    assert batch["status"] == "partially_accepted"
    evidence = own_status(client)["evidence"][0]
    assert evidence["outcome"] == "accepted_with_errors"
    assert evidence["finding"] == {
        "segment": "BHT",
        "code": "3",
        "words": "Required Segment Missing",
    }


def test_customer_services_sets_a_status_by_hand_and_it_survives_uploads(
    client: FlaskClient, runtime: Runtime, newco: str
) -> None:
    body = {"organization": ORGANIZATION, "transaction_type": "837P", "certified": True}
    answer = client.post("/_sim/v1/certification", json=body)
    assert answer.status_code == 200
    assert answer.get_json()["types"][0]["set_by"] == "customer_services"
    assert upload(client, "prod", newco, [(claims("prod"), "c.837")]).status_code == 201
    send(client, runtime, claims("prod"))  # a rejected test file after a hand-set certification
    assert own_status(client)["status"] == "certified"

    client.post("/_sim/v1/certification", json={**body, "certified": False})
    [organization] = control_status(client)
    [standing] = organization["types"]
    assert (standing["status"], standing["passes"]) == ("not_started", 0)
    assert len(standing["evidence"]) == 1  # the record stays; the run starts over
    refused = upload(client, "prod", newco, [(claims("prod"), "c.837")])
    assert refused.get_json()["error"]["code"] == "certification_required"
    send(client, runtime, claims())
    assert own_status(client)["passes"] == 1  # earlier files do not come back


def test_a_reset_of_the_test_site_resets_the_status(
    client: FlaskClient, runtime: Runtime, newco: str
) -> None:
    send(client, runtime, claims())
    send(client, runtime, claims())
    assert client.post("/_sim/v1/reset", json={"site": "prod"}).status_code == 200
    assert control_status(client)[0]["types"][0]["status"] == "certified"
    assert client.post("/_sim/v1/reset", json={"site": "test"}).status_code == 200
    assert control_status(client) == []


def test_demo_organizations_start_certified_and_upload_on_production(
    client: FlaskClient,
) -> None:
    users = client.get("/_sim/v1/users?site=prod").get_json()["users"]
    demo = next(user for user in users if user["user_id"] == "DEMOMASTER")
    answer = upload(
        client,
        "prod",
        "DEMOMASTER",
        [(claims("prod"), "c.837")],
        provider_id=demo["providers"][0],
        password=DEFAULT_PASSWORD,
    )
    assert answer.status_code == 201, answer.get_json()
    everyone = client.get("/_sim/v1/certification").get_json()["organizations"]
    assert len(everyone) == 2
    assert all(t["status"] == "certified" for o in everyone for t in o["types"])
    assert {"837P", "270", "276", "278", "834"} <= {
        t["transaction_type"] for t in everyone[0]["types"]
    }


@pytest.mark.parametrize(
    ("query", "body", "status", "code"),
    [
        ("site=prod", None, 400, "invalid_request"),
        ("site=nowhere", None, 400, "invalid_request"),
        (
            None,
            {"organization": "X", "transaction_type": "999", "certified": True},
            422,
            "unknown_transaction_type",
        ),
        (None, {"organization": "X", "transaction_type": "837P"}, 400, "invalid_request"),
        (
            None,
            {"organization": "X" * 121, "transaction_type": "837P", "certified": True},
            400,
            "invalid_request",
        ),
        (
            None,
            {"organization": " ", "transaction_type": "837P", "certified": True},
            400,
            "invalid_request",
        ),
        (
            None,
            {"organization": "X", "transaction_type": "837P", "certified": "yes"},
            400,
            "invalid_request",
        ),
    ],
)
def test_the_control_calls_refuse_bad_input_by_name(
    client: FlaskClient, query: str | None, body: dict[str, Any] | None, status: int, code: str
) -> None:
    if body is None:
        answer = client.get(f"/_sim/v1/certification?{query}")
    else:
        answer = client.post("/_sim/v1/certification", json=body)
    assert answer.status_code == status
    assert answer.get_json()["error"]["code"] == code
