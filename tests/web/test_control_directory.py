from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from simulator.portal.identifiers import is_valid_npi
from tests.web.helpers import PASSWORD, create_user


def test_created_users_and_generated_providers_are_listed(client: FlaskClient) -> None:
    created = create_user(client, "prod", "ALICE01", providers=["123456789B"])
    assert created == {
        "site": "prod",
        "user_id": "ALICE01",
        "security_level": "user",
        "locked": False,
        "must_change_password": False,
        "providers": ["123456789B"],
    }
    users = client.get("/_sim/v1/users?site=prod").get_json()["users"]
    assert "ALICE01" in {user["user_id"] for user in users}
    assert "ALICE01" not in {
        u["user_id"] for u in client.get("/_sim/v1/users?site=test").get_json()["users"]
    }
    providers = client.get("/_sim/v1/providers?site=prod").get_json()["providers"]
    generated = next(p for p in providers if p["provider_id"] == "123456789B")
    assert generated["name"]
    assert is_valid_npi(generated["npi"])


def test_a_generated_provider_is_the_same_in_every_run(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01", providers=["123456789B"])
    create_user(client, "prod", "ALICE01", providers=["123456789B"])
    listed = {
        site: next(
            p
            for p in client.get(f"/_sim/v1/providers?site={site}").get_json()["providers"]
            if p["provider_id"] == "123456789B"
        )
        for site in ("test", "prod")
    }
    assert listed["test"]["name"] == listed["prod"]["name"]
    assert listed["test"]["npi"] == listed["prod"]["npi"]


def test_providers_are_created_with_their_own_name_and_npi(client: FlaskClient) -> None:
    body = {
        "site": "test",
        "provider_id": "110048577A",
        "name": "Mercy Clinic",
        "npi": "1234567893",
    }
    assert client.post("/_sim/v1/providers", json=body).status_code == 201
    again = client.post("/_sim/v1/providers", json=body)
    assert again.status_code == 409
    bad_npi = client.post(
        "/_sim/v1/providers", json={**body, "provider_id": "110048578A", "npi": "1234567890"}
    )
    assert bad_npi.status_code == 400
    assert "NPI" in bad_npi.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"user_id": "X12345", "password": PASSWORD}, "site"),
        ({"site": "staging", "user_id": "X12345", "password": PASSWORD}, "site"),
        ({"site": "test", "password": PASSWORD}, "user_id"),
        (
            {"site": "test", "user_id": "X12345", "password": PASSWORD, "providers": "110048577A"},
            "providers",
        ),
        (
            {
                "site": "test",
                "user_id": "X12345",
                "password": PASSWORD,
                "must_change_password": "yes",
            },
            "must_change_password",
        ),
        (
            {
                "site": "test",
                "user_id": "X12345",
                "password": PASSWORD,
                "security_questions": [{"question": "Q?"}],
            },
            "answer",
        ),
    ],
)
def test_bad_user_bodies_name_the_field(
    client: FlaskClient, body: dict[str, object], named: str
) -> None:
    response = client.post("/_sim/v1/users", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith(named)


def test_weak_passwords_and_duplicates_are_refused(client: FlaskClient) -> None:
    weak = client.post(
        "/_sim/v1/users", json={"site": "test", "user_id": "X12345", "password": "weak"}
    )
    assert (weak.status_code, weak.get_json()["error"]["code"]) == (422, "password_policy")
    create_user(client, "test", "X12345")
    duplicate = client.post(
        "/_sim/v1/users", json={"site": "test", "user_id": "X12345", "password": PASSWORD}
    )
    assert duplicate.status_code == 409


def test_customer_services_calls_on_unknown_users(client: FlaskClient) -> None:
    assert client.post("/_sim/v1/users/test/NOBODY1/unlock").status_code == 404
    missing = client.post("/_sim/v1/users/prod/NOBODY1/password", json={"password": PASSWORD})
    assert missing.status_code == 404
    assert client.post("/_sim/v1/users/nowhere/NOBODY1/unlock").status_code == 400
