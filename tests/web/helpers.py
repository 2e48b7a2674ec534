"""What a screen-driving client does: GET the form, send its hidden token back with the fields."""

from __future__ import annotations

import base64
import io
import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

PASSWORD = "Secret#123"
QUESTIONS = [
    {"question": "What was the name of your elementary school?", "answer": "Lincoln"},
    {"question": "In what city were you born?", "answer": "Worcester"},
]
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


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


def logout(client: FlaskClient, site: str) -> TestResponse:
    """The Logout button: a POST with the page's CSRF token."""
    return submit(client, f"/{site}/logout", {})


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


def upload(
    client: FlaskClient,
    site: str,
    user_id: str,
    files: list[tuple[bytes, str]],
    *,
    provider_id: str = "110048577A",
    transaction_type: str = "837P",
    password: str = PASSWORD,
) -> TestResponse:
    """``POST S/api/v1/batches`` with the given (content, file name) parts."""
    fields = MultiDict([("provider_id", provider_id), ("transaction_type", transaction_type)])
    for content, name in files:
        fields.add("files", FileStorage(io.BytesIO(content), filename=name))
    boundary, body = encode_multipart(fields)
    return client.post(
        f"/{site}/api/v1/batches",
        headers=basic(user_id, password),
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def place_file(
    client: FlaskClient, site: str, content: str = "ISA*00*placed~", **fields: Any
) -> dict[str, Any]:
    body = {
        "site": site,
        "provider_id": "110048577A",
        "transaction_type": "835",
        "content": content,
        **fields,
    }
    response = client.post("/_sim/v1/files", json=body)
    assert response.status_code == 201, response.get_json()
    placed: dict[str, Any] = response.get_json()
    return placed
