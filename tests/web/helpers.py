"""What a screen-driving client does: GET the form, send its hidden token back with the fields."""

from __future__ import annotations

import base64
import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

PASSWORD = "Secret#123"
QUESTIONS = [
    {"question": "What was the name of your elementary school?", "answer": "Lincoln"},
    {"question": "In what city were you born?", "answer": "Worcester"},
]
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the form carries no CSRF token"
    return found.group(1)


def submit(client: FlaskClient, path: str, fields: dict[str, str], **kwargs: Any) -> TestResponse:
    form = client.get(path)
    assert form.status_code == 200, form.get_data(as_text=True)
    token = csrf_token(form.get_data(as_text=True))
    return client.post(path, data={**fields, "csrf_token": token}, **kwargs)


def login(client: FlaskClient, site: str, user_id: str, password: str = PASSWORD) -> TestResponse:
    return submit(client, f"/{site}/login", {"user_id": user_id, "password": password})


def create_user(client: FlaskClient, site: str, user_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "site": site,
        "user_id": user_id,
        "password": PASSWORD,
        "providers": ["110048577A"],
        "security_questions": QUESTIONS,
        **fields,
    }
    response = client.post("/_sim/v1/users", json=body)
    assert response.status_code == 201, response.get_json()
    created: dict[str, Any] = response.get_json()
    return created


def basic(user_id: str, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{user_id}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def error_text(response: TestResponse) -> str:
    found = re.search(r'id="error"[^>]*>([^<]*)<', response.get_data(as_text=True))
    return found.group(1) if found else ""
