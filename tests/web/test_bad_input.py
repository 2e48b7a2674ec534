"""Bad input gets a clear error and loses nothing; never a 500 (cases a review found)."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.web.helpers import basic, create_user, csrf_token, login


def test_a_page_upload_over_the_limit_is_413_not_500(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    login(client, "test", "ALICE01")
    token = csrf_token(client.get("/test/batch/upload").get_data(as_text=True))
    fields = MultiDict(
        [("csrf_token", token), ("provider_id", "110048577A"), ("transaction_type", "837P")]
    )
    fields.add("files", FileStorage(io.BytesIO(b"x" * (17 * 1024 * 1024)), filename="huge.txt"))
    boundary, body = encode_multipart(fields)
    response = client.post(
        "/test/batch/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    assert "compress" in response.get_data(as_text=True)
    assert response.headers["X-POSC-Site"] == "test"


@pytest.mark.parametrize("path", ["/test/api/v1/files?max_files=²", "/_sim/v1/journal?since=²"])
def test_unicode_digits_are_refused(client: FlaskClient, path: str) -> None:
    create_user(client, "test", "ALICE01")
    response = client.get(path, headers=basic("ALICE01"))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_request"


def test_a_huge_seed_is_refused_before_anything_is_wiped(client: FlaskClient) -> None:
    response = client.post("/_sim/v1/reset", json={"site": "test", "seed": 10**30})
    assert response.status_code == 400
    assert client.get("/_sim/v1/ready").status_code == 200


@pytest.mark.parametrize(
    "rule",
    [
        {"operation": "login", "action": {"type": "lockout"}, "times": 10**30},
        {"operation": "any", "action": {"type": "delay", "ms": 10**12}},
        {"operation": "process", "action": {"type": "delay_response", "seconds": 10**30}},
    ],
)
def test_fault_rules_are_bounded(client: FlaskClient, rule: dict[str, object]) -> None:
    response = client.post("/_sim/v1/faults", json=rule)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_request"


def test_the_maintenance_page_of_the_test_site_shows_the_banner(client: FlaskClient) -> None:
    client.post(
        "/_sim/v1/faults",
        json={"site": "test", "operation": "any", "action": {"type": "maintenance"}, "times": 1},
    )
    page = client.get("/test/login")
    assert page.status_code == 503
    assert 'id="site-banner">TEST<' in page.get_data(as_text=True)
