"""The JSON API (``S/api/v1``): HTTP Basic on every call, errors as ``{"error": {...}}``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from simulator.portal.access import AccountView
from simulator.portal.errors import InvalidCredentialsError, InvalidRequestError
from simulator.web.context import runtime, site

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
PASSWORD_CHANGE_ENDPOINT = "api.change_password"


@blueprint.before_request
def _authenticate() -> None:
    """Check the Basic credentials; a wrong password counts toward the lockout as on the page."""
    credentials = request.authorization
    if credentials is None or credentials.type != "basic" or not credentials.username:
        raise InvalidCredentialsError(
            "Every API call needs HTTP Basic credentials: your submitter ID and password."
        )
    account = runtime().accounts.authenticate(
        site().code, credentials.username, credentials.password or ""
    )
    g.account = account
    if request.endpoint != PASSWORD_CHANGE_ENDPOINT:
        account.require_usable_password()


def _account() -> AccountView:
    account: AccountView = g.account
    return account


def _json_body(*required: str) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidRequestError("The request body must be a JSON object.")
    for name in required:
        if not isinstance(body.get(name), str) or not body[name]:
            raise InvalidRequestError(f"The field {name!r} is required and must be text.")
    return body


@blueprint.get("/me")
def me() -> Response:
    account = _account()
    return jsonify(
        {
            "user_id": account.user_id,
            "security_level": account.security_level,
            "first_name": account.first_name,
            "last_name": account.last_name,
            "company_name": account.company_name,
            "email": account.email,
            "phone": account.phone,
            "password_expires_at": account.password_expires_at.isoformat(),
            "providers": [
                {"provider_id": p.provider_id, "name": p.name, "npi": p.npi}
                for p in account.providers
            ],
        }
    )


@blueprint.post("/password")
def change_password() -> tuple[str, int]:
    body = _json_body("current_password", "new_password")
    runtime().accounts.change_password(
        site().code, _account().user_id, body["current_password"], body["new_password"]
    )
    return "", 204
