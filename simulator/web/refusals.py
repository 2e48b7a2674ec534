"""Where refusals become HTTP: one status table, and one renderer with a form per door.

The domain, the fault rules and the control API raise refusals
(:class:`~simulator.errors.RefusalError`) that carry an error code and no status. Here, and
nowhere else, a code becomes an HTTP status (:data:`HTTP_STATUS`), and a refusal becomes an
answer in the form of the door that took the request: a page for the web pages, JSON for the
API and the control API, and whatever a door registers for itself (CORE: a SOAP fault or a
MIME answer carrying its ``ErrorCode``)::

    from simulator.web.refusals import RefusalAnswer, register_form

    def core_form(refusal: RefusalAnswer) -> Response:
        ...  # refusal.code, .message, .status; Retry-After is added by the renderer

    register_form("core", core_form)

Which form a request gets is its channel in the operation table
(:mod:`simulator.web.operations`), never a guess from its path. Views that show the refusal
on their own page (a form shown again with its error) take the status from
:func:`refused`; uncaught refusals, Werkzeug's HTTP errors, unexpected exceptions and the
transport faults' answers all go through :func:`answer`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from simulator.errors import RefusalError
from simulator.web.journaling import note_outcome
from simulator.web.operations import request_entry

LOG = logging.getLogger(__name__)

# Error code (or a refusal's finer reason) -> HTTP status: CONTRACT §3, plus the control API's.
HTTP_STATUS: Mapping[str, int] = MappingProxyType(
    {
        "invalid_request": 400,
        "invalid_credentials": 401,
        "session_expired": 401,
        "password_change_required": 403,
        "password_expired": 403,
        "provider_not_authorized": 403,
        "reset_refused": 403,
        "not_found": 404,
        "conflict": 409,
        "upload_too_large": 413,
        "invalid_fault_rule": 422,
        "password_policy": 422,
        "unknown_transaction_type": 422,
        "transaction_type_not_in_use": 422,
        "too_many_files": 422,
        "empty_upload": 422,
        "account_locked": 423,
        "internal_error": 500,
        "site_unavailable": 503,
    }
)
# Werkzeug's own HTTP errors (routing, body limits) -> the error code they answer with.
HTTP_ERROR_CODES: Mapping[int, str] = MappingProxyType(
    {
        400: "invalid_request",
        404: "not_found",
        405: "invalid_request",
        413: "upload_too_large",
        503: "site_unavailable",
    }
)


@dataclass(frozen=True)
class RefusalAnswer:
    """A refusal as a door answers it; ``heading`` titles a page (a maintenance notice)."""

    code: str
    message: str
    status: int
    retry_after: int | None = None
    heading: str | None = None


# A door's form: the whole answer, status included (``refusal.status`` unless the door's own
# rules say otherwise, as CORE's do for refusals it answers 200 with an ErrorCode).
RefusalForm = Callable[[RefusalAnswer], Response]
_FORMS: dict[str, RefusalForm] = {}


def register_form(channel: str, form: RefusalForm) -> None:
    """Answer the refusals of requests that came in through ``channel`` with ``form``."""
    _FORMS[channel] = form


def status_of(refusal: RefusalError) -> int:
    return HTTP_STATUS[refusal.kind]


def refused(refusal: RefusalError) -> int:
    """Note the refusal for the request's journal entry; the HTTP status to answer it with."""
    note_outcome(refusal.code)
    return status_of(refusal)


def answer(refusal: RefusalAnswer) -> Response:
    """The refusal in the form of the request's door (inside a request context)."""
    response = _FORMS[request_entry().channel](refusal)
    if refusal.retry_after is not None:
        response.headers["Retry-After"] = str(refusal.retry_after)
    return response


def page_form(refusal: RefusalAnswer) -> Response:
    page = render_template(
        "error.html", code=refusal.code, message=refusal.message, heading=refusal.heading
    )
    return Response(page, status=refusal.status, mimetype="text/html")


def json_form(refusal: RefusalAnswer) -> Response:
    response = jsonify({"error": {"code": refusal.code, "message": refusal.message}})
    response.status_code = refusal.status
    if refusal.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="MassHealth POSC"'
    return response


register_form("web", page_form)
register_form("api", json_form)
register_form("control", json_form)


def refusal_response(error: RefusalError) -> Response:
    """Flask's handler of an uncaught refusal."""
    return answer(RefusalAnswer(error.code, error.message, refused(error)))


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    code = HTTP_ERROR_CODES.get(status, "internal_error" if status >= 500 else "invalid_request")
    return answer(RefusalAnswer(code, error.description or "", status))


def _unexpected_error(error: Exception) -> Response:
    LOG.exception("unexpected error on %s %s", request.method, request.path, exc_info=error)
    message = "Something went wrong on our side; nothing you sent was lost. Please try again."
    return answer(RefusalAnswer("internal_error", message, InternalServerError.code))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(RefusalError, refusal_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
