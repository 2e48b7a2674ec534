from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient


def test_landing_page_links_both_sites(client: FlaskClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Web-Based MassHealth Transactions" in html
    assert re.search(r'<a [^>]*href="/test/"[^>]*>Test Transactions</a>', html)
    assert re.search(r'<a [^>]*href="/prod/"[^>]*>Production Transactions</a>', html)


@pytest.mark.parametrize("path", ["/test/login", "/test/", "/test/no-such-page"])
def test_every_test_site_page_shows_the_banner(client: FlaskClient, path: str) -> None:
    response = client.get(path, follow_redirects=True)
    assert response.headers["X-POSC-Site"] == "test"
    assert re.search(r'id="site-banner"[^>]*>TEST<', response.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/prod/login", "/prod/", "/prod/no-such-page"])
def test_production_pages_carry_their_header_and_no_test_banner(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path, follow_redirects=True)
    assert response.headers["X-POSC-Site"] == "prod"
    assert 'id="site-banner"' not in response.get_data(as_text=True)


def test_login_page_has_the_contract_fields_and_a_csrf_token(client: FlaskClient) -> None:
    html = client.get("/prod/login").get_data(as_text=True)
    for field in ("user_id", "password", "csrf_token"):
        assert f'name="{field}"' in html


def test_api_errors_are_json_with_the_site_header(client: FlaskClient) -> None:
    response = client.get("/test/api/v1/no-such-call")
    assert response.status_code == 404
    assert response.headers["X-POSC-Site"] == "test"
    assert response.get_json()["error"]["code"] == "not_found"


def test_site_cookies_are_scoped_to_their_site(client: FlaskClient) -> None:
    client.get("/test/login")
    cookie = client.get_cookie("posc_test_session", path="/test")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert client.get_cookie("posc_test_session", path="/prod") is None
