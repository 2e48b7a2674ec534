"""One journal entry per account request of a site, written after the answer is decided.

The operation comes from the endpoint (one table, here); the outcome is the refusal's error
code when there was one, else ``ok``. A failed credential check on an API call is journaled
as ``login``, since that is what failed.
"""

from __future__ import annotations

import logging
import time

from flask import Response, g, request, session

from simulator.faults.service import fired_rule
from simulator.portal.journal import JournalEvent
from simulator.web.context import runtime, site

LOG = logging.getLogger(__name__)
OUTCOME_KEY = "journal_outcome"
PROVIDER_KEY = "journal_provider_id"
TRACKING_KEY = "journal_tracking_number"
STARTED_KEY = "request_started"
CREDENTIAL_REFUSALS = frozenset({"invalid_credentials", "account_locked"})

OPERATIONS: dict[tuple[str, str], str] = {
    ("auth.login", "POST"): "login",
    ("auth.logout", "POST"): "logout",
    ("account.change_password", "POST"): "password_change",
    ("api.change_password", "POST"): "password_change",
    ("auth.forgot_password", "POST"): "password_reset",
    ("auth.forgot_answers", "POST"): "password_reset",
    ("auth.forgot_reset", "POST"): "password_reset",
    ("account.profile", "GET"): "profile",
    ("account.profile", "POST"): "profile",
    ("account.security", "POST"): "profile",
    ("api.me", "GET"): "profile",
    ("batch.upload", "POST"): "upload",
    ("api.upload", "POST"): "upload",
    ("api.batch_status", "GET"): "status",
    ("batch.download", "GET"): "search",
    ("api.files", "GET"): "search",
    ("batch.file", "GET"): "download",
    ("api.file", "GET"): "download",
}


def note_outcome(code: str) -> None:
    """Remember why this request was refused, for its journal entry."""
    setattr(g, OUTCOME_KEY, code)


def note_subject(provider_id: str | None = None, tracking_number: str | None = None) -> None:
    """Name the provider and the upload a request was about, for its journal entry."""
    if provider_id is not None:
        setattr(g, PROVIDER_KEY, provider_id)
    if tracking_number is not None:
        setattr(g, TRACKING_KEY, tracking_number)


def note_start() -> None:
    """``before_request``: when the request reached the site, for its latency."""
    setattr(g, STARTED_KEY, time.perf_counter())


def record_request(response: Response) -> Response:
    """``after_request``: journal the request if its endpoint has an operation."""
    operation = OPERATIONS.get((request.endpoint or "", request.method))
    if operation is None:
        return response
    outcome = g.get(OUTCOME_KEY) or ("ok" if response.status_code < 400 else "error")
    if request.blueprint == "api" and outcome in CREDENTIAL_REFUSALS:
        operation = "login"
    services = runtime()
    started = g.get(STARTED_KEY)
    if started is not None:
        labels = {"site": site().code, "operation": operation}
        services.meter.observe("posc_sim_request_seconds", labels, time.perf_counter() - started)
    try:
        services.journal.record(
            JournalEvent(
                site=site().code,
                operation=operation,
                outcome=outcome,
                status=response.status_code,
                user_id=_user_id(),
                provider_id=g.get(PROVIDER_KEY),
                tracking_number=g.get(TRACKING_KEY),
                fault_id=fired_rule.get(),
            )
        )
    except Exception:  # the journal must never turn an answer into an error
        LOG.exception("could not journal %s %s", request.method, request.path)
    return response


def _user_id() -> str | None:
    account = g.get("account")
    if account is not None:
        return str(account.user_id)
    if request.authorization is not None and request.authorization.username:
        return request.authorization.username
    form = request.__dict__.get("form")  # only a body already parsed: never parse here
    named = (form.get("user_id") if form is not None else None) or session.get("reset_user_id")
    return str(named)[:32] if named else None
