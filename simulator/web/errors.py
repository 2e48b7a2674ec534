"""The one place where refusals become HTTP: JSON under ``/api/``, a page everywhere else."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from simulator.portal.errors import PortalError
from simulator.web.journaling import note_outcome

LOG = logging.getLogger(__name__)

HTTP_ERROR_CODES = {
    400: "invalid_request",
    404: "not_found",
    405: "invalid_request",
    413: "upload_too_large",
    503: "site_unavailable",
}


JSON_ONLY = "POSC_SIM_JSON_ONLY"


def wants_json() -> bool:
    """The JSON API and the control app answer in JSON; pages answer with a page."""
    return bool(current_app.config.get(JSON_ONLY)) or request.path.startswith("/api/")


def error_response(code: str, message: str, status: int) -> tuple[Response | str, int]:
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message}})
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Basic realm="MassHealth POSC"'
        return response, status
    return render_template("error.html", code=code, message=message, status=status), status


def portal_error_response(error: PortalError) -> tuple[Response | str, int]:
    note_outcome(error.code)
    return error_response(error.code, error.message, error.http_status)


def _http_error(error: HTTPException) -> tuple[Response | str, int]:
    status = error.code or 500
    code = HTTP_ERROR_CODES.get(status, "internal_error" if status >= 500 else "invalid_request")
    return error_response(code, error.description or "", status)


def _unexpected_error(error: Exception) -> tuple[Response | str, int]:
    LOG.exception("unexpected error on %s %s", request.method, request.path, exc_info=error)
    message = "Something went wrong on our side; nothing you sent was lost. Please try again."
    return error_response("internal_error", message, InternalServerError.code)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(PortalError, portal_error_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
