from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from simulator.app import create_app
from simulator.control.seeding import seed_unseeded_sites
from simulator.runtime import Runtime
from simulator.settings import Settings


def test_health_and_ready_once_seeded(client: FlaskClient) -> None:
    assert client.get("/_sim/v1/health").get_json() == {"status": "ok"}
    ready = client.get("/_sim/v1/ready")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready"}


def test_not_ready_until_both_sites_are_seeded(make_settings: Callable[..., Settings]) -> None:
    runtime = Runtime.open(make_settings())
    try:
        runtime.prepare_storage()
        client = create_app(runtime.settings, runtime).test_client()
        assert client.get("/_sim/v1/health").status_code == 200
        waiting = client.get("/_sim/v1/ready")
        assert waiting.status_code == 503
        assert waiting.get_json()["sites_not_ready"] == ["test", "prod"]
        seed_unseeded_sites(runtime, "empty", 1)
        assert client.get("/_sim/v1/ready").status_code == 200
    finally:
        runtime.close()


def test_admin_token_guards_every_control_call(make_settings: Callable[..., Settings]) -> None:
    runtime = Runtime.open(make_settings(admin_token="s3cret-token"))
    try:
        runtime.prepare_storage()
        client = create_app(runtime.settings, runtime).test_client()
        refused = client.get("/_sim/v1/health")
        assert refused.status_code == 401
        assert refused.get_json()["error"]["code"] == "invalid_credentials"
        assert refused.headers["WWW-Authenticate"].startswith("Bearer ")  # no browser prompt
        dashboard = client.get("/_sim/")  # the page holds no data; its calls carry the token
        assert dashboard.status_code == 200
        assert "Admin token" in dashboard.get_data(as_text=True)
        wrong = client.get("/_sim/v1/health", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        allowed = client.get("/_sim/v1/health", headers={"Authorization": "Bearer s3cret-token"})
        assert allowed.status_code == 200
        for scheme in ("bearer", "BEARER"):  # the scheme is case-insensitive (RFC 9110 11.1)
            headers = {"Authorization": f"{scheme} s3cret-token"}
            assert client.get("/_sim/v1/health", headers=headers).status_code == 200
        other = client.get("/_sim/v1/health", headers={"Authorization": "Basic s3cret-token"})
        assert other.status_code == 401
    finally:
        runtime.close()


def test_unknown_control_calls_answer_json(client: FlaskClient) -> None:
    response = client.get("/_sim/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
