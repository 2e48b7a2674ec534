"""Every login, failure, lockout, change and reset leaves a journal entry."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.web.helpers import PASSWORD, basic, create_user, login, submit


def journal(client: FlaskClient, **filters: str) -> list[dict[str, Any]]:
    response = client.get("/_sim/v1/journal", query_string=filters)
    assert response.status_code == 200
    entries: list[dict[str, Any]] = response.get_json()["entries"]
    return entries


def test_logins_failures_and_lockout_are_journaled(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    login(client, "test", "ALICE01")
    for _ in range(5):
        login(client, "test", "ALICE01", "Wrong#1234")
    client.get("/test/api/v1/me", headers=basic("ALICE01"))
    entries = journal(client, site="test", user_id="ALICE01", operation="login")
    assert [(e["outcome"], e["status"]) for e in entries] == [
        ("ok", 302),
        *[("invalid_credentials", 401)] * 4,
        ("account_locked", 423),
        ("account_locked", 423),
    ]
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    assert all(e["at"].endswith("+00:00") for e in entries)
    assert journal(client, site="prod", user_id="ALICE01") == []


def test_password_changes_and_resets_are_journaled(client: FlaskClient) -> None:
    create_user(client, "prod", "ALICE01")
    client.post(
        "/prod/api/v1/password",
        headers=basic("ALICE01"),
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    client.post(
        "/prod/api/v1/password",
        headers=basic("ALICE01"),
        json={"current_password": PASSWORD, "new_password": "Chosen#2027"},
    )
    submit(client, "/prod/password/forgot", {"user_id": "ALICE01"})
    submit(client, "/prod/password/forgot/answers", {"answer_1": "x", "answer_2": "y"})
    changes = journal(client, site="prod", operation="password_change")
    assert [e["outcome"] for e in changes] == ["password_policy", "ok"]
    resets = journal(client, site="prod", operation="password_reset")
    assert [(e["user_id"], e["outcome"]) for e in resets] == [
        ("ALICE01", "ok"),
        ("ALICE01", "invalid_credentials"),
    ]


def test_journal_since_limit_and_clear(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    for _ in range(3):
        client.get("/test/api/v1/me", headers=basic("ALICE01"))
    everything = journal(client, operation="profile")
    assert len(everything) == 3
    later = journal(client, operation="profile", since=str(everything[0]["seq"]), limit="1")
    assert [e["seq"] for e in later] == [everything[1]["seq"]]
    assert client.get("/_sim/v1/journal?limit=zero").status_code == 400
    assert client.delete("/_sim/v1/journal").status_code == 204
    assert journal(client) == []
