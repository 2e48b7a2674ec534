"""Logging in and keeping a password through the pages, with CSRF tokens, on both sites."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from simulator.runtime import Runtime
from tests.web.helpers import (
    PASSWORD,
    QUESTIONS,
    create_user,
    csrf_token,
    error_text,
    login,
    logout,
    submit,
)

SITES = ["test", "prod"]


@pytest.mark.parametrize("site", SITES)
def test_login_lands_on_welcome_with_its_menu_and_logout_ends_it(
    client: FlaskClient, site: str
) -> None:
    create_user(client, site, "ALICE01")
    response = login(client, site, "ALICE01")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/{site}/welcome")
    welcome = client.get(f"/{site}/welcome").get_data(as_text=True)
    for entry in ("Upload Batch File", "Download Batch File", "Profile", "Logout"):
        assert entry in welcome
    logout(client, site)
    assert client.get(f"/{site}/welcome").headers["Location"].endswith(f"/{site}/login")


def test_a_user_of_one_site_does_not_exist_on_the_other(client: FlaskClient) -> None:
    create_user(client, "test", "ONLYTEST")
    refused = login(client, "prod", "ONLYTEST")
    assert refused.status_code == 401
    assert "not correct" in error_text(refused)


def test_pages_need_a_login(client: FlaskClient) -> None:
    for path in ("/test/welcome", "/prod/profile", "/test/password/change"):
        assert client.get(path).headers["Location"].endswith("/login")


def test_a_post_without_the_csrf_token_is_refused(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    response = client.post("/test/login", data={"user_id": "ALICE01", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_the_session_is_renewed_at_login(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    client.get("/test/login")
    before = client.get_cookie("posc_test_session", path="/test")
    login(client, "test", "ALICE01")
    after = client.get_cookie("posc_test_session", path="/test")
    assert before is not None
    assert after is not None
    assert before.value != after.value


def test_first_login_forces_a_password_change(client: FlaskClient, app: Flask) -> None:
    create_user(client, "test", "NEWBIE1", must_change_password=True)
    elsewhere = app.test_client()
    login(elsewhere, "test", "NEWBIE1")
    response = login(client, "test", "NEWBIE1")
    assert response.headers["Location"].endswith("/test/password/change")
    assert client.get("/test/welcome").headers["Location"].endswith("/test/password/change")
    assert client.get("/test/profile").headers["Location"].endswith("/test/password/change")
    changed = submit(
        client,
        "/test/password/change",
        {
            "current_password": PASSWORD,
            "new_password": "Chosen#2027",
            "confirm_password": "Chosen#2027",
        },
    )
    assert changed.headers["Location"].endswith("/test/welcome")  # on, signed in
    welcome = client.get("/test/welcome")
    assert welcome.status_code == 200
    assert "Your password was changed." in welcome.get_data(as_text=True)
    assert elsewhere.get("/test/welcome").headers["Location"].endswith("/test/login")
    client.get("/test/logout")
    assert login(client, "test", "NEWBIE1", "Chosen#2027").headers["Location"].endswith("/welcome")


def test_password_rules_are_named_on_the_page(client: FlaskClient) -> None:
    create_user(client, "prod", "NEWBIE1", must_change_password=True)
    login(client, "prod", "NEWBIE1")
    for new, confirm, rule in [
        ("short#1", "short#1", "at least 8 characters"),
        ("alllowercase", "alllowercase", "two of these four types"),
        (PASSWORD, PASSWORD, "different from the current password"),
        ("Chosen#2027", "Chosen#2028", "do not match"),
    ]:
        response = submit(
            client,
            "/prod/password/change",
            {"current_password": PASSWORD, "new_password": new, "confirm_password": confirm},
        )
        assert response.status_code == 422
        assert rule in error_text(response)


def test_password_expires_after_90_days(client: FlaskClient, runtime: Runtime) -> None:
    create_user(client, "test", "ALICE01")
    runtime.clock.advance(timedelta(days=90))
    response = login(client, "test", "ALICE01")
    assert response.headers["Location"].endswith("/test/password/change")
    page = client.get("/test/password/change").get_data(as_text=True)
    assert "90 days" in page


def test_five_wrong_passwords_lock_the_account(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    for _ in range(4):
        assert login(client, "test", "ALICE01", "Wrong#1234").status_code == 401
    locked = login(client, "test", "ALICE01", "Wrong#1234")
    assert locked.status_code == 423
    assert "Customer Services" in error_text(locked)
    again = login(client, "test", "ALICE01")
    assert again.status_code == 423
    unlocked = client.post("/_sim/v1/users/test/ALICE01/unlock")
    assert unlocked.get_json()["locked"] is False
    assert login(client, "test", "ALICE01").status_code == 302


def test_customer_services_password_must_be_changed_at_next_login(client: FlaskClient) -> None:
    create_user(client, "prod", "ALICE01")
    assigned = client.post("/_sim/v1/users/prod/ALICE01/password", json={"password": "Assigned#1"})
    assert assigned.status_code == 200
    response = login(client, "prod", "ALICE01", "Assigned#1")
    assert response.headers["Location"].endswith("/prod/password/change")


def test_the_session_ends_after_20_idle_minutes(client: FlaskClient, runtime: Runtime) -> None:
    create_user(client, "test", "ALICE01")
    login(client, "test", "ALICE01")
    runtime.clock.advance(timedelta(minutes=19))
    assert client.get("/test/welcome").status_code == 200
    runtime.clock.advance(timedelta(minutes=21))
    expired = client.get("/test/welcome")
    assert expired.headers["Location"].endswith("/test/login")
    assert "inactivity" in client.get("/test/login").get_data(as_text=True)


def test_a_password_change_elsewhere_ends_this_session(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    login(client, "test", "ALICE01")
    client.post("/_sim/v1/users/test/ALICE01/password", json={"password": "Assigned#1"})
    assert client.get("/test/welcome").headers["Location"].endswith("/test/login")


def test_forgot_password_with_right_answers(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    start = submit(client, "/test/password/forgot", {"user_id": "ALICE01"})
    assert start.headers["Location"].endswith("/test/password/forgot/answers")
    questions = client.get("/test/password/forgot/answers").get_data(as_text=True)
    assert "elementary school" in questions
    answered = client.post(
        "/test/password/forgot/answers",
        data={
            "answer_1": " lincoln ",
            "answer_2": "WORCESTER",
            "csrf_token": csrf_token(questions),
        },
    )
    assert answered.headers["Location"].endswith("/test/password/forgot/reset")
    reset = submit(
        client,
        "/test/password/forgot/reset",
        {"new_password": "Remember#99", "confirm_password": "Remember#99"},
    )
    assert reset.headers["Location"].endswith("/test/login")
    assert login(client, "test", "ALICE01", "Remember#99").status_code == 302


def test_forgot_password_gives_two_tries(client: FlaskClient) -> None:
    create_user(client, "prod", "ALICE01")
    submit(client, "/prod/password/forgot", {"user_id": "ALICE01"})
    first = submit(client, "/prod/password/forgot/answers", {"answer_1": "x", "answer_2": "y"})
    assert "try once more" in error_text(first)
    second = submit(
        client, "/prod/password/forgot/answers", {"answer_1": "Lincoln", "answer_2": "y"}
    )
    assert "Customer" in error_text(second)
    right = submit(client, "/prod/password/forgot", {"user_id": "ALICE01"})
    assert right.status_code == 403
    assert "Customer" in error_text(right)
    assert client.get("/prod/password/forgot/reset").headers["Location"].endswith("/forgot")


def test_profile_shows_read_only_identity_and_validates_changes(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01", security_level="master", first_name="Alice")
    login(client, "test", "ALICE01")
    page = client.get("/test/profile").get_data(as_text=True)
    assert 'id="submitter-id">ALICE01<' in page
    assert 'id="security-level">Master User<' in page
    assert 'name="user_id"' not in page
    fields = {
        "first_name": "Alicia",
        "last_name": "Smith",
        "company_name": "Smith Billing",
        "email": "alicia@example.org",
        "phone": "617-555-0100",
    }
    saved = submit(client, "/test/profile", fields, follow_redirects=True)
    assert "Your profile was updated." in saved.get_data(as_text=True)
    assert 'value="alicia@example.org"' in saved.get_data(as_text=True)
    bad_email = submit(client, "/test/profile", {**fields, "email": "not-an-email"})
    assert bad_email.status_code == 400
    assert "e-mail" in error_text(bad_email)
    bad_phone = submit(client, "/test/profile", {**fields, "phone": "12345"})
    assert "US number" in error_text(bad_phone)


def test_security_information_changes_the_questions(client: FlaskClient) -> None:
    create_user(client, "test", "ALICE01")
    login(client, "test", "ALICE01")
    fields = {
        "current_password": PASSWORD,
        "new_password": "",
        "confirm_password": "",
        "question_1": "What was the name of your first pet?",
        "answer_1": "Teal",
        "question_2": "What was the make of your first car?",
        "answer_2": "Volvo",
    }
    unlisted = submit(client, "/test/profile/security", {**fields, "question_1": "Colour?"})
    assert unlisted.status_code == 400
    assert "Security question 1" in error_text(unlisted)
    response = submit(client, "/test/profile/security", fields)
    assert response.status_code == 302
    logout(client, "test")
    submit(client, "/test/password/forgot", {"user_id": "ALICE01"})
    answers = client.get("/test/password/forgot/answers").get_data(as_text=True)
    assert '<label for="answer_1" id="question_1">What was the name of your first pet?</label>' in (
        answers
    )


def test_the_security_page_offers_a_list_and_the_questions_on_file(client: FlaskClient) -> None:
    questions = [{"question": "Favourite colour?", "answer": "Teal"}, QUESTIONS[1]]
    create_user(client, "test", "ALICE01", security_questions=questions)
    login(client, "test", "ALICE01")
    page = client.get("/test/profile/security").get_data(as_text=True)
    assert '<option selected value="Favourite colour?">' in page
    assert '<option value="What is your mother&#39;s maiden name?">' in page
