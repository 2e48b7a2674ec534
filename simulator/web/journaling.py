"""One journal entry per account request of a site, written after the answer is decided.

The operation and the channel (the door: ``web``, ``api`` or ``core``) come from the site's
operation table (:mod:`simulator.web.operations`), the operation from the door that declared
it where the body names it (CORE); the outcome is the refusal's error code when there was one,
else ``ok``. A failed credential check on an API or CORE call is journaled as ``login``, since
that is what failed.
"""

from __future__ import annotations

import logging
import time

from flask import Response, g, request, session

from simulator.faults.service import fired_rule
from simulator.portal.journal import JournalEvent
from simulator.web.context import runtime, site
from simulator.web.operations import request_entry

LOG = logging.getLogger(__name__)
JOURNALED_KEY = "posc_sim.fault_journaled"  # set by the transport faults: one entry a request
OUTCOME_KEY = "journal_outcome"
PROVIDER_KEY = "journal_provider_id"
TRACKING_KEY = "journal_tracking_number"
USER_KEY = "journal_user_id"
STARTED_KEY = "request_started"
CREDENTIAL_REFUSALS = frozenset({"invalid_credentials", "account_locked"})
CALL_CHANNELS = frozenset({"api", "core"})  # every call carries its credentials


def note_outcome(code: str) -> None:
    """Remember why this request was refused, for its journal entry."""
    setattr(g, OUTCOME_KEY, code)


def note_subject(
    provider_id: str | None = None,
    tracking_number: str | None = None,
    user_id: str | None = None,
) -> None:
    """Name the user, provider and upload a request was about, for its journal entry."""
    if user_id is not None:
        setattr(g, USER_KEY, user_id[:32])
    if provider_id is not None:
        setattr(g, PROVIDER_KEY, provider_id)
    if tracking_number is not None:
        setattr(g, TRACKING_KEY, tracking_number)


def note_start() -> None:
    """``before_request``: when the request reached the site, for its latency."""
    setattr(g, STARTED_KEY, time.perf_counter())


def record_request(response: Response) -> Response:
    """``after_request``: journal the request if its endpoint has an operation."""
    entry = request_entry()
    operation = entry.journaled_operation(request.method)
    if operation is None or request.environ.get(JOURNALED_KEY):
        return response
    outcome = g.get(OUTCOME_KEY) or ("ok" if response.status_code < 400 else "error")
    if entry.channel in CALL_CHANNELS and outcome in CREDENTIAL_REFUSALS:
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
                channel=entry.channel,
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
    if g.get(USER_KEY):
        return str(g.get(USER_KEY))
    if request.authorization is not None and request.authorization.username:
        return request.authorization.username
    form = request.__dict__.get("form")  # only a body already parsed: never parse here
    named = (form.get("user_id") if form is not None else None) or session.get("reset_user_id")
    return str(named)[:32] if named else None
