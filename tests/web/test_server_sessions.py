"""Sessions end on the server: a saved copy of the cookie opens nothing afterwards."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.web.helpers import PASSWORD, basic, create_user, login, logout

WELCOME = "/test/welcome"


def signed_in(app: Flask, user_id: str = "ALICE01") -> tuple[FlaskClient, str]:
    """A browser signed in as ``user_id``, and a copy of its session cookie."""
    browser = app.test_client()
    assert login(browser, "test", user_id).status_code == 302
    assert browser.get(WELCOME).status_code == 200
    cookie = browser.get_cookie("posc_test_session", path="/test")
    assert cookie is not None
    return browser, cookie.value


def replay(app: Flask, cookie: str, path: str = WELCOME) -> int:
    """What a saved cookie opens from another client."""
    thief = app.test_client()
    thief.set_cookie("posc_test_session", cookie, path="/test")
    return thief.get(path).status_code


def test_a_cookie_saved_before_logout_opens_nothing_after_it(
    app: Flask, client: FlaskClient
) -> None:
    create_user(client, "test", "ALICE01")
    browser, cookie = signed_in(app)
    assert replay(app, cookie) == 200
    assert logout(browser, "test").status_code == 302
    assert replay(app, cookie) == 302
    assert replay(app, cookie, "/test/batch/download") == 302


def test_logout_needs_a_post_with_the_csrf_token(app: Flask, client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    browser, cookie = signed_in(app)
    page = browser.get("/test/logout")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.get_data(as_text=True)
    assert browser.post("/test/logout").status_code == 400  # no token: refused, still signed in
    assert replay(app, cookie) == 200


def test_a_lockout_ends_the_session(app: Flask, client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    _, cookie = signed_in(app)
    for _ in range(5):
        client.get("/test/api/v1/me", headers=basic("ALICE01", "Wrong#123"))
    assert replay(app, cookie) == 302
    client.post("/_sim/v1/users/test/ALICE01/unlock")
    assert replay(app, cookie) == 302  # ended, not suspended


def test_a_password_change_ends_the_other_sessions(app: Flask, client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    _, cookie = signed_in(app)
    changed = client.post(
        "/test/api/v1/password",
        headers=basic("ALICE01"),
        json={"current_password": PASSWORD, "new_password": "Changed#456"},
    )
    assert changed.status_code == 204
    assert replay(app, cookie) == 302


def test_a_reset_ends_every_session(app: Flask, client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    _, cookie = signed_in(app)
    assert (
        client.post("/_sim/v1/reset", json={"site": "test", "dataset": "empty"}).status_code == 200
    )
    create_user(client, "test", "ALICE01")  # the same ID again, a new account
    assert replay(app, cookie) == 302


def test_an_idle_session_ends_on_the_server(app: Flask, client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    _, cookie = signed_in(app)
    client.post("/_sim/v1/clock", json={"advance": 21 * 60})
    assert replay(app, cookie) == 302
    client.post("/_sim/v1/clock", json={"advance": -21 * 60})
    assert replay(app, cookie) == 302  # the clock going back does not revive it
