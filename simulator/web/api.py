"""The JSON API (``S/api/v1``): HTTP Basic on every call, errors as ``{"error": {...}}``."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, request

from simulator.portal.access import AccountView
from simulator.portal.errors import InvalidCredentialsError, InvalidRequestError
from simulator.portal.files import FileView
from simulator.portal.transactions import TRANSACTION_TYPES
from simulator.web.certification import organization_json
from simulator.web.context import runtime, site
from simulator.web.criteria import file_search
from simulator.web.downloads import file_response
from simulator.web.journaling import note_subject
from simulator.web.operations import Door
from simulator.web.uploads import form_and_files

blueprint = Door("api", __name__, channel="api", url_prefix="/api/v1")
PASSWORD_CHANGE_ENDPOINT = "api.change_password"


@blueprint.before_request
def _authenticate() -> None:
    """Check the Basic credentials; a wrong password counts toward the lockout as on the page."""
    credentials = request.authorization
    if credentials is None or credentials.type != "basic" or not credentials.username:
        raise InvalidCredentialsError(
            "Every API call needs HTTP Basic credentials: your submitter ID and password."
        )
    account = runtime().accounts.authenticate_call(
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


def _file_json(view: FileView) -> dict[str, Any]:
    return {
        "file_id": view.file_id,
        "file_name": view.file_name,
        "transaction_type": view.transaction_type,
        "tracking_number": view.tracking_number,
        "size": view.size,
        "date_available": view.date_available.isoformat(),
        "date_last_downloaded": (
            view.date_last_downloaded.isoformat() if view.date_last_downloaded else None
        ),
    }


@blueprint.get("/me", operation="profile")
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


@blueprint.post("/password", operation="password_change")
def change_password() -> tuple[str, int]:
    body = _json_body("current_password", "new_password")
    runtime().accounts.change_password(
        site().code, _account().user_id, body["current_password"], body["new_password"]
    )
    return "", 204


@blueprint.get("/certification")
def certification() -> Response:
    """The signed-in organization's testing status, for every type it may test."""
    return jsonify(organization_json(runtime().certification.of_account(_account())))


@blueprint.get("/transaction-types")
def transaction_types() -> Response:
    return jsonify(
        [
            {
                "code": t.code,
                "description": t.description,
                "direction": t.direction,
                "in_use": t.in_use,
            }
            for t in TRANSACTION_TYPES
            if t.offered_through("api")
        ]
    )


@blueprint.post("/batches", operation="upload")
def upload() -> tuple[Response, int]:
    limit = runtime().settings.site(site().code).max_upload_bytes
    form, files = form_and_files(request, limit)
    provider_id = form.get("provider_id", "")
    note_subject(provider_id=provider_id)
    receipt = runtime().batches.receive(
        _account(), provider_id, form.get("transaction_type", ""), files, channel="api"
    )
    note_subject(tracking_number=receipt.tracking_number)
    body = {
        "tracking_number": receipt.tracking_number,
        "site": receipt.site,
        "provider_id": receipt.provider_id,
        "transaction_type": receipt.transaction_type,
        "received_at": receipt.received_at.isoformat(),
        "files": [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in receipt.files],
    }
    return jsonify(body), 201


@blueprint.get("/batches/<tracking_number>", operation="status")
def batch_status(tracking_number: str) -> Response:
    note_subject(tracking_number=tracking_number)
    status = runtime().batches.status(_account(), tracking_number)
    return jsonify(
        {
            "tracking_number": status.tracking_number,
            "status": status.status,
            "response_files": [_file_json(view) for view in status.response_files],
        }
    )


@blueprint.get("/files", operation="search")
def files() -> Response:
    provider_id, found = runtime().files.search(_account(), file_search(request.args))
    note_subject(provider_id=provider_id)
    return jsonify({"files": [_file_json(view) for view in found]})


@blueprint.get("/files/<file_id>", operation="download")
def file(file_id: str) -> Response:
    as_zip = request.args.get("format", "dat") == "zip"
    return file_response(_account(), file_id, as_zip)
