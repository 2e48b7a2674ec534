"""The JSON API's account calls and every refusal they can give."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from simulator.runtime import Runtime
from tests.web.helpers import PASSWORD, basic, create_user, login


def error_code(response: object) -> str:
    body = response.get_json()  # type: ignore[attr-defined]
    return str(body["error"]["code"])


@pytest.mark.parametrize("site", ["test", "prod"])
def test_me_describes_the_account_and_its_providers(client: FlaskClient, site: str) -> None:
    create_user(
        client,
        site,
        "ALICE01",
        providers=["110048577A", "220000001B"],
        first_name="Alice",
        email="alice@example.org",
    )
    response = client.get(f"/{site}/api/v1/me", headers=basic("ALICE01"))
    assert response.status_code == 200
    assert response.headers["X-POSC-Site"] == site
    me = response.get_json()
    assert me["user_id"] == "ALICE01"
    assert me["security_level"] == "user"
    assert me["first_name"] == "Alice"
    assert me["email"] == "alice@example.org"
    assert [p["provider_id"] for p in me["providers"]] == ["110048577A", "220000001B"]
    assert all(len(p["npi"]) == 10 for p in me["providers"])
    assert me["password_expires_at"].endswith("+00:00")
    for key in ("last_name", "company_name", "phone"):
        assert key in me


def test_missing_or_wrong_credentials(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    missing = client.get("/test/api/v1/me")
    assert missing.status_code == 401
    assert error_code(missing) == "invalid_credentials"
    assert missing.headers["WWW-Authenticate"].startswith("Basic")
    wrong = client.get("/test/api/v1/me", headers=basic("ALICE01", "Wrong#1234"))
    assert (wrong.status_code, error_code(wrong)) == (401, "invalid_credentials")
    other_site = client.get("/prod/api/v1/me", headers=basic("ALICE01"))
    assert (other_site.status_code, error_code(other_site)) == (401, "invalid_credentials")


def test_lockout_counts_web_and_api_together(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    for _ in range(2):
        assert login(client, "test", "ALICE01", "Wrong#1234").status_code == 401
    for _ in range(2):
        response = client.get("/test/api/v1/me", headers=basic("ALICE01", "Wrong#1234"))
        assert error_code(response) == "invalid_credentials"
    assert login(client, "test", "ALICE01", "Wrong#1234").status_code == 423  # the fifth
    locked = client.get("/test/api/v1/me", headers=basic("ALICE01"))
    assert (locked.status_code, error_code(locked)) == (423, "account_locked")
    listed = client.get("/_sim/v1/users?site=test").get_json()["users"]
    assert {u["user_id"]: u["locked"] for u in listed}["ALICE01"] is True


def test_a_right_password_resets_the_count(client: FlaskClient) -> None:
    create_user(client, "prod", "ALICE01")
    for _ in range(4):
        client.get("/prod/api/v1/me", headers=basic("ALICE01", "Wrong#1234"))
    assert client.get("/prod/api/v1/me", headers=basic("ALICE01")).status_code == 200
    for _ in range(4):
        client.get("/prod/api/v1/me", headers=basic("ALICE01", "Wrong#1234"))
    assert client.get("/prod/api/v1/me", headers=basic("ALICE01")).status_code == 200


def test_must_change_password_until_changed(client: FlaskClient) -> None:
    create_user(client, "test", "NEWBIE1", must_change_password=True)
    refused = client.get("/test/api/v1/me", headers=basic("NEWBIE1"))
    assert (refused.status_code, error_code(refused)) == (403, "password_change_required")
    changed = client.post(
        "/test/api/v1/password",
        headers=basic("NEWBIE1"),
        json={"current_password": PASSWORD, "new_password": "Chosen#2027"},
    )
    assert changed.status_code == 204
    assert client.get("/test/api/v1/me", headers=basic("NEWBIE1")).status_code == 401
    assert client.get("/test/api/v1/me", headers=basic("NEWBIE1", "Chosen#2027")).status_code == 200


def test_expired_password_until_changed(client: FlaskClient, runtime: Runtime) -> None:
    create_user(client, "prod", "ALICE01")
    runtime.clock.advance(timedelta(days=91))
    refused = client.get("/prod/api/v1/me", headers=basic("ALICE01"))
    assert (refused.status_code, error_code(refused)) == (403, "password_expired")
    changed = client.post(
        "/prod/api/v1/password",
        headers=basic("ALICE01"),
        json={"current_password": PASSWORD, "new_password": "Renewed#2027"},
    )
    assert changed.status_code == 204
    assert (
        client.get("/prod/api/v1/me", headers=basic("ALICE01", "Renewed#2027")).status_code == 200
    )


@pytest.mark.parametrize("new_password", ["short#1", "onlylowercase", PASSWORD])
def test_password_policy(client: FlaskClient, new_password: str) -> None:
    create_user(client, "test", "ALICE01")
    response = client.post(
        "/test/api/v1/password",
        headers=basic("ALICE01"),
        json={"current_password": PASSWORD, "new_password": new_password},
    )
    assert (response.status_code, error_code(response)) == (422, "password_policy")
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize("body", [None, [], {"current_password": PASSWORD}, {"new_password": 5}])
def test_malformed_password_bodies(client: FlaskClient, body: object) -> None:
    create_user(client, "test", "ALICE01")
    response = client.post("/test/api/v1/password", headers=basic("ALICE01"), json=body)
    assert (response.status_code, error_code(response)) == (400, "invalid_request")


def test_a_changed_password_is_not_accepted_from_the_cache(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    assert client.get("/test/api/v1/me", headers=basic("ALICE01")).status_code == 200
    client.post("/_sim/v1/users/test/ALICE01/password", json={"password": "Assigned#1"})
    stale = client.get("/test/api/v1/me", headers=basic("ALICE01"))
    assert error_code(stale) == "invalid_credentials"


def test_master_sees_organization_providers(client: FlaskClient) -> None:
    client.post(
        "/_sim/v1/providers",
        json={
            "site": "test",
            "provider_id": "300000001A",
            "name": "North Clinic",
            "npi": "1234567893",
            "organization": "Acme Billing",
        },
    )
    create_user(
        client,
        "test",
        "BOSS01",
        security_level="master",
        organization="Acme Billing",
        providers=["300000002A"],
    )
    create_user(client, "test", "CLERK1", organization="Acme Billing", providers=["300000002A"])
    boss = client.get("/test/api/v1/me", headers=basic("BOSS01")).get_json()
    clerk = client.get("/test/api/v1/me", headers=basic("CLERK1")).get_json()
    assert [p["provider_id"] for p in boss["providers"]] == ["300000001A", "300000002A"]
    assert [p["provider_id"] for p in clerk["providers"]] == ["300000002A"]
