"""Every fault action, in-process: what the client sees, what is kept, what the journal says."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from posc_sim_fixtures.x12_builders import Submitter, build_834
from simulator.runtime import Runtime
from tests.web.helpers import basic, create_user, login, upload
from tests.web.test_upload import kept


def add_fault(client: FlaskClient, **rule: Any) -> dict[str, Any]:
    response = client.post("/_sim/v1/faults", json=rule)
    assert response.status_code == 201, response.get_json()
    created: dict[str, Any] = response.get_json()
    return created


@pytest.fixture
def alice(client: FlaskClient) -> str:
    for site in ("test", "prod"):
        create_user(client, site, "ALICE01", providers=["110048577A"])
    return "ALICE01"


def test_rules_are_listed_and_removed(client: FlaskClient) -> None:
    rule = add_fault(client, site="test", operation="login", action={"type": "lockout"}, times=2)
    assert rule["id"]
    assert rule["times"] == 2
    assert [r["id"] for r in client.get("/_sim/v1/faults").get_json()["faults"]] == [rule["id"]]
    assert client.delete(f"/_sim/v1/faults/{rule['id']}").status_code == 204
    assert client.get("/_sim/v1/faults").get_json() == {"faults": []}
    assert client.delete("/_sim/v1/faults/nope").status_code == 404


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"operation": "fly", "action": {"type": "lockout"}}, "operation"),
        ({"operation": "login", "action": {"type": "explode"}}, "action.type"),
        ({"operation": "login", "action": {"type": "delay"}}, "action.ms"),
        ({"operation": "login", "action": {"type": "error", "status": 418}}, "action.status"),
        ({"operation": "login", "action": {"type": "lockout"}, "probability": 1.5}, "probability"),
        ({"operation": "login", "action": {"type": "lockout"}, "times": 0}, "times"),
        ({"operation": "login", "action": {"type": "lockout"}, "site": "dev"}, "site"),
        (
            {"operation": "login", "action": {"type": "ta1_reject", "note_code": "x"}},
            "action.note_code",
        ),
        ({"operation": "login", "action": {"type": "lockout"}, "match": {"npi": "1"}}, "match.npi"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(
    client: FlaskClient, rule: dict[str, Any], field: str
) -> None:
    response = client.post("/_sim/v1/faults", json=rule)
    assert response.status_code == 422
    assert response.get_json()["error"]["message"].startswith(f"{field}:")


def test_lockout_and_the_journal_names_the_rule(client: FlaskClient, alice: str) -> None:
    rule = add_fault(client, site="test", operation="login", action={"type": "lockout"})
    response = client.get("/test/api/v1/me", headers=basic(alice))
    assert response.get_json()["error"]["code"] == "account_locked"
    entries = client.get("/_sim/v1/journal?site=test&operation=login").get_json()["entries"]
    assert entries[-1]["fault_id"] == rule["id"]
    assert client.get("/prod/api/v1/me", headers=basic(alice)).status_code == 200  # other site


def test_force_password_change(client: FlaskClient, alice: str) -> None:
    add_fault(client, operation="login", action={"type": "force_password_change"}, times=1)
    response = client.get("/prod/api/v1/me", headers=basic(alice))
    assert response.get_json()["error"]["code"] == "password_change_required"


def test_session_expired_on_pages_and_api(client: FlaskClient, alice: str) -> None:
    login(client, "test", alice)
    add_fault(client, site="test", operation="profile", action={"type": "session_expired"}, times=2)
    assert client.get("/test/profile").headers["Location"].endswith("/test/login")
    expired = client.get("/test/api/v1/me", headers=basic(alice))
    assert (expired.status_code, expired.get_json()["error"]["code"]) == (401, "session_expired")
    assert client.get("/test/api/v1/me", headers=basic(alice)).status_code == 200  # times: 2


def test_reject_oversize_and_omit_tracking_number_keep_nothing(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    add_fault(client, operation="upload", action={"type": "reject_oversize"}, times=1)
    refused = upload(client, "test", alice, [(b"ISA*tiny~", "tiny.txt")])
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (413, "upload_too_large")
    add_fault(client, operation="upload", action={"type": "omit_tracking_number"}, times=1)
    silent = upload(client, "test", alice, [(b"ISA*tiny~", "tiny.txt")])
    assert silent.status_code == 201
    assert silent.get_json()["tracking_number"] is None
    assert kept(runtime)[3] == []
    later = upload(client, "test", alice, [(b"ISA*tiny~", "tiny.txt")])
    assert later.get_json()["tracking_number"] == "100000000001"  # nothing was used before


def test_duplicate_tracking_number(client: FlaskClient, alice: str) -> None:
    first = upload(client, "prod", alice, [(b"ISA*one~", "one.txt")]).get_json()
    add_fault(
        client,
        site="prod",
        operation="upload",
        action={"type": "duplicate_tracking_number"},
        times=1,
    )
    second = upload(client, "prod", alice, [(b"ISA*two~", "two.txt")]).get_json()
    assert second["tracking_number"] == first["tracking_number"]


def test_error_with_retry_after_and_maintenance(client: FlaskClient, alice: str) -> None:
    add_fault(
        client,
        site="test",
        operation="search",
        action={"type": "error", "status": 503, "retry_after": 30},
        times=1,
    )
    response = client.get("/test/api/v1/files", headers=basic(alice))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.get_json()["error"]["code"] == "site_unavailable"
    assert response.headers["X-POSC-Site"] == "test"
    add_fault(client, site="test", operation="any", action={"type": "maintenance"}, times=1)
    page = client.get("/test/login")
    assert page.status_code == 503
    assert "maintenance" in page.get_data(as_text=True)
    assert client.get("/test/login").status_code == 200


def test_reset_connection_gives_no_answer(client: FlaskClient, alice: str) -> None:
    add_fault(client, operation="status", action={"type": "reset_connection"}, times=1)
    with pytest.raises(ConnectionResetError):
        client.get("/test/api/v1/batches/100000000001", headers=basic(alice))


def test_truncated_download(client: FlaskClient, alice: str) -> None:
    placed = client.post(
        "/_sim/v1/files",
        json={
            "site": "test",
            "provider_id": "110048577A",
            "transaction_type": "835",
            "content": "ISA*" + "X" * 500,
        },
    ).get_json()
    add_fault(client, operation="download", action={"type": "truncate_body", "bytes": 100}, times=1)
    response = client.get(f"/test/api/v1/files/{placed['file_id']}", headers=basic(alice))
    assert len(response.data) == 100
    assert response.headers["Connection"] == "close"
    assert int(response.headers["Content-Length"]) == 504


def test_after_times_and_match(client: FlaskClient, alice: str) -> None:
    create_user(client, "test", "BOB0001")
    add_fault(
        client,
        site="test",
        operation="profile",
        match={"user_id": alice},
        action={"type": "error", "status": 500},
        after=2,
        times=1,
    )
    codes = [client.get("/test/api/v1/me", headers=basic(alice)).status_code for _ in range(5)]
    assert codes == [200, 200, 500, 200, 200]
    assert client.get("/test/api/v1/me", headers=basic("BOB0001")).status_code == 200
    rule = client.get("/_sim/v1/faults").get_json()["faults"][0]
    assert (rule["matched"], rule["fired"]) == (3, 1)


@pytest.mark.parametrize("rule_id", ["coin", None])  # without an id, one derived from the rule
def test_probability_repeats_after_a_reset_with_the_same_seed(
    client: FlaskClient, rule_id: str | None
) -> None:
    named = {"id": rule_id} if rule_id else {}

    def run() -> list[int]:
        client.post("/_sim/v1/reset", json={"seed": 77, "dataset": "empty"})
        create_user(client, "test", "ALICE01")
        add_fault(
            client,
            **named,
            site="test",
            operation="profile",
            action={"type": "error", "status": 502},
            probability=0.5,
        )
        return [
            client.get("/test/api/v1/me", headers=basic("ALICE01")).status_code for _ in range(20)
        ]

    first, second = run(), run()
    assert first == second
    assert 502 in first
    assert 200 in first


def process(client: FlaskClient, runtime: Runtime, alice: str) -> dict[str, Any]:
    enrollment = build_834(Submitter("SUB000001"))
    tracking = upload(client, "test", alice, [(enrollment, "e.834")], transaction_type="834")
    runtime.processor.run_pending()
    number = tracking.get_json()["tracking_number"]
    status: dict[str, Any] = client.get(
        f"/test/api/v1/batches/{number}", headers=basic(alice)
    ).get_json()
    return status


def content(client: FlaskClient, alice: str, status: dict[str, Any], kind: str) -> str:
    file_id = next(f["file_id"] for f in status["response_files"] if f["transaction_type"] == kind)
    return client.get(f"/test/api/v1/files/{file_id}", headers=basic(alice)).data.decode()


def test_reject_999(client: FlaskClient, runtime: Runtime, alice: str) -> None:
    add_fault(client, operation="process", action={"type": "reject_999"})
    status = process(client, runtime, alice)
    assert status["status"] == "rejected"
    assert "AK9*R*1*1*0~" in content(client, alice, status, "999")


def test_ta1_reject(client: FlaskClient, runtime: Runtime, alice: str) -> None:
    add_fault(client, operation="process", action={"type": "ta1_reject", "note_code": "006"})
    status = process(client, runtime, alice)
    assert [f["transaction_type"] for f in status["response_files"]] == ["TA1"]
    assert "*R*006~" in content(client, alice, status, "TA1")


def test_delay_drop_and_corrupt_response(client: FlaskClient, runtime: Runtime, alice: str) -> None:
    add_fault(
        client, operation="process", action={"type": "delay_response", "seconds": 3600}, times=1
    )
    delayed = process(client, runtime, alice)
    assert delayed["response_files"] == []
    runtime.clock.advance(timedelta(hours=1, seconds=1))
    number = delayed["tracking_number"]
    later = client.get(f"/test/api/v1/batches/{number}", headers=basic(alice)).get_json()
    assert [f["transaction_type"] for f in later["response_files"]] == ["999"]
    add_fault(client, operation="process", action={"type": "drop_response"}, times=1)
    dropped = process(client, runtime, alice)
    assert (dropped["status"], dropped["response_files"]) == ("processing", [])
    add_fault(client, operation="process", action={"type": "corrupt_response"}, times=1)
    corrupt = process(client, runtime, alice)
    assert "~" not in content(client, alice, corrupt, "999")
    journal = client.get("/_sim/v1/journal?operation=process").get_json()["entries"]
    assert [e["fault_id"] is not None for e in journal] == [True, True, True]
