"""The fault catalogue's promises (CONTRACT §5): no rule is accepted that could never fire,
``lockout`` and ``force_password_change`` act wherever credentials or a session are checked,
``match.channel`` narrows a rule to one way in, and the OpenAPI document reads the catalogue."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from simulator.faults.actions import ACTIONS, OPERATIONS
from tests.web.helpers import basic, create_user, login, upload
from tests.web.test_faults import add_fault


@pytest.fixture
def alice(client: FlaskClient) -> str:
    create_user(client, "test", "ALICE01", providers=["110048577A"])
    return "ALICE01"


@pytest.mark.parametrize(
    ("rule", "named"),
    [
        ({"operation": "login", "action": {"type": "reject_999"}}, ("reject_999", "login")),
        ({"operation": "upload", "action": {"type": "drop_response"}}, ("drop_response", "upload")),
        (
            {"operation": "password_reset", "action": {"type": "lockout"}},
            ("lockout", "password_reset"),
        ),
        (
            {"operation": "login", "action": {"type": "session_expired"}},
            ("session_expired", "login"),
        ),
        ({"operation": "process", "action": {"type": "maintenance"}}, ("maintenance", "process")),
        (
            {"operation": "search", "action": {"type": "reject_oversize"}},
            ("reject_oversize", "search"),
        ),
        (
            {
                "operation": "password_reset",
                "match": {"channel": "api"},
                "action": {"type": "error", "status": 500},
            },
            ("password_reset", "'api'"),
        ),
        (
            {"operation": "process", "match": {"channel": "web"}, "action": {"type": "reject_999"}},
            ("process", "'web'"),
        ),
        (
            {
                "operation": "realtime",
                "match": {"channel": "web"},
                "action": {"type": "delay", "ms": 1},
            },
            ("realtime", "'web'"),
        ),
    ],
)
def test_a_rule_that_could_never_fire_is_refused_naming_both(
    client: FlaskClient, rule: dict[str, Any], named: tuple[str, str]
) -> None:
    response = client.post("/_sim/v1/faults", json=rule)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_request"
    message = response.get_json()["error"]["message"]
    assert all(name in message for name in named), message


def test_realtime_and_the_core_channel_are_accepted(client: FlaskClient) -> None:
    add_fault(client, operation="realtime", action={"type": "error", "status": 503})
    add_fault(client, operation="upload", match={"channel": "core"}, action={"type": "lockout"})


def test_lockout_acts_in_the_operation_of_an_api_call(client: FlaskClient, alice: str) -> None:
    add_fault(client, site="test", operation="upload", action={"type": "lockout"}, times=1)
    assert client.get("/test/api/v1/me", headers=basic(alice)).status_code == 200  # profile
    refused = upload(client, "test", alice, [(b"ISA*tiny~", "tiny.txt")])
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (423, "account_locked")
    assert client.get("/test/api/v1/me", headers=basic(alice)).status_code == 423  # it stays
    entry = client.get("/_sim/v1/journal?site=test&operation=login").get_json()["entries"][-1]
    assert entry["outcome"] == "account_locked"


def test_lockout_acts_in_the_operation_of_a_page(client: FlaskClient, alice: str) -> None:
    login(client, "test", alice)
    add_fault(client, site="test", operation="search", action={"type": "lockout"}, times=1)
    assert client.get("/test/profile").status_code == 200
    ended = client.get("/test/batch/download", follow_redirects=True)
    assert "suspended" in ended.get_data(as_text=True)
    users = client.get("/_sim/v1/users?site=test").get_json()["users"]
    assert next(user for user in users if user["user_id"] == alice)["locked"] is True


def test_force_password_change_acts_in_the_operation_of_a_call_and_a_page(
    client: FlaskClient, alice: str
) -> None:
    add_fault(client, site="test", operation="profile", action={"type": "force_password_change"})
    refused = client.get("/test/api/v1/me", headers=basic(alice))
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (
        403,
        "password_change_required",
    )
    create_user(client, "test", "BOB0001")
    login(client, "test", "BOB0001")
    page = client.get("/test/profile")
    assert page.headers["Location"].endswith("/test/password/change")


@pytest.mark.parametrize(("channel", "page", "call"), [("api", 200, 502), ("web", 502, 200)])
def test_match_channel_narrows_a_rule_to_one_way_in(
    client: FlaskClient, alice: str, channel: str, page: int, call: int
) -> None:
    add_fault(
        client,
        site="test",
        operation="profile",
        match={"channel": channel},
        action={"type": "error", "status": 502},
    )
    login(client, "test", alice)
    assert client.get("/test/profile").status_code == page
    assert client.get("/test/api/v1/me", headers=basic(alice)).status_code == call


def test_the_openapi_document_reads_the_catalogue(client: FlaskClient) -> None:
    document = client.get("/_sim/v1/openapi.json").get_json()
    rule = document["components"]["schemas"]["FaultRule"]["properties"]
    assert set(rule["operation"]["enum"]) == OPERATIONS
    assert rule["match"]["properties"]["channel"]["enum"] == ["web", "api", "core"]
    catalogue = rule["action"]["x-action-types"]
    assert set(catalogue) == set(ACTIONS)
    assert catalogue["lockout"]["operations"] == sorted(ACTIONS["lockout"].operations)
    assert catalogue["error"]["parameters"]["status"]["enum"] == [500, 502, 503, 504]
    assert catalogue["ta1_reject"]["acts_in"] == "processing"
