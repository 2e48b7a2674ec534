"""Transport faults, in one WSGI middleware around each site app.

``error`` and ``maintenance`` answer instead of the app, in the form of the request's door
(page, JSON, or the door's own); ``delay`` holds the answer back; ``truncate_body`` cuts the
body short and closes the connection, so the client sees an incomplete read;
``reset_connection`` closes the socket with no answer at all (an RST), so the client sees a
connection error, not an HTTP status.

When any rule exists, the middleware names each request from the site's operation table (its
channel and operation) before the app runs, and asks the fault service then; when none does (most
requests), it looks nothing up. A door whose operation is
only known from the body calls :func:`declare_operation` once it is; the faults it meets are
carried out the same way, the ones that need the socket (truncate, reset) by the middleware on
the way out.
"""

from __future__ import annotations

import base64
import errno
import socket
import struct
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs

from flask import Flask, Response, current_app, has_request_context, request

from simulator.errors import UnavailableError
from simulator.faults.actions import ActsIn, kinds
from simulator.faults.scope import NO_REQUEST, RequestScope, current, declare, serving
from simulator.faults.service import FaultService, FiredFault, fired_rule
from simulator.portal.journal import Journal, JournalEvent
from simulator.web.journaling import JOURNALED_KEY
from simulator.web.operations import table_of
from simulator.web.refusals import RefusalAnswer, answer, status_of
from simulator.web.wsgi import StartResponse
from simulator.work import unit_of_work

Environ = dict[str, Any]
TRANSPORT_FAULTS = kinds(ActsIn.TRANSPORT)
MIDDLEWARE_KEY = "posc_sim.transport"
TRUNCATE_KEY = "posc_sim.truncate_bytes"
RESET_KEY = "posc_sim.reset_connection"
MAINTENANCE = RefusalAnswer(
    "site_unavailable",
    "The MassHealth transactions site is down for scheduled maintenance. Please try again later.",
    503,
    heading="Scheduled maintenance",
)
UNAVAILABLE_MESSAGE = "The site could not answer; try again later."


class TransportFaults:
    """Wraps one site app; asks the fault service before each request."""

    def __init__(
        self, app: Flask, site: str, faults: FaultService, journal: Journal, site_header: str
    ) -> None:
        self.app = app
        self.site = site
        self.faults = faults
        self.journal = journal
        self.site_header = site_header
        self.operations = table_of(app)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        environ[MIDDLEWARE_KEY] = self
        with unit_of_work(), serving(NO_REQUEST):
            fired_rule.set(None)
            try:
                if not self.faults.rules_exist():  # most requests: no rule, nothing to look up
                    return self.app(environ, start_response)
                return self._serve(environ, start_response)
            except UnavailableError as error:  # the fault rules could not be read: retry later
                refusal = RefusalAnswer(error.code, error.message, status_of(error))
                return self._refusal(environ, refusal)(environ, start_response)

    def _serve(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        entry = self.operations.for_environ(environ)
        declare(entry.scope())
        if not entry.in_body:
            query = parse_qs(environ.get("QUERY_STRING", ""))
            instead = self.meet_faults(
                environ,
                user_id=_basic_user(environ),
                provider_id=(query.get("provider_id") or [None])[0],
                transaction_type=(query.get("transaction_type") or [None])[0],
            )
            if environ.get(RESET_KEY):
                _reset(environ)
            if instead is not None:
                return instead(environ, start_response)
        body = self.app(environ, _closing_if_truncated(environ, start_response))
        return self._on_the_way_out(environ, body)

    def meet_faults(
        self,
        environ: Environ,
        *,
        user_id: str | None,
        provider_id: str | None,
        transaction_type: str | None,
    ) -> Response | None:
        """Ask for a transport fault of the current request; an answer to give instead, if any."""
        scope = current()
        fault = self.faults.fire(
            self.site,
            (scope.operation,),
            TRANSPORT_FAULTS,
            user_id=user_id,
            provider_id=provider_id,
            transaction_type=transaction_type,
        )
        if fault is None:
            return None
        if fault.kind == "delay":
            jitter = fault.action.get("jitter_ms", 0) * fault.draw
            time.sleep((fault.action["ms"] + jitter) / 1000)
            return None
        if fault.kind == "truncate_body":
            environ[TRUNCATE_KEY] = fault.action["bytes"]
            return None
        self._journal(environ, fault, scope, user_id)
        if fault.kind == "reset_connection":
            environ[RESET_KEY] = True
            return Response(status=204)  # never sent: the connection is reset instead
        return self._refusal(environ, _refusal_of(fault))

    def _refusal(self, environ: Environ, refusal: RefusalAnswer) -> Response:
        if has_request_context():  # a door declared its operation: the app answers
            return answer(refusal)
        with self.app.request_context(environ):
            response = answer(refusal)
        response.headers[self.site_header] = self.site
        return response

    def _journal(
        self, environ: Environ, fault: FiredFault, scope: RequestScope, user_id: str | None
    ) -> None:
        environ[JOURNALED_KEY] = True
        status = {"maintenance": 503, "reset_connection": None}.get(
            fault.kind, fault.action.get("status")
        )
        self.journal.record(
            JournalEvent(
                site=self.site,
                channel=scope.channel,
                operation=scope.operation or "any",
                outcome=f"fault:{fault.kind}",
                status=status,
                user_id=user_id,
                fault_id=fault.rule_id,
            )
        )

    @staticmethod
    def _on_the_way_out(environ: Environ, body: Iterable[bytes]) -> Iterable[bytes]:
        if environ.get(RESET_KEY):
            _close(body)
            _reset(environ)
        limit = environ.get(TRUNCATE_KEY)
        return body if limit is None else _cut(body, limit)


def declare_operation(
    operation: str,
    *,
    user_id: str | None = None,
    provider_id: str | None = None,
    transaction_type: str | None = None,
) -> Response | None:
    """For a door whose operation is in the body: name it, and meet its transport faults.

    Call it once per request, inside the door's view, as soon as the operation is known.
    Returns ``None`` to go on, or the answer to give instead (an ``error`` or ``maintenance``
    fault, in the door's registered form). A ``delay`` has waited by then; ``truncate_body``
    and ``reset_connection`` are carried out by the middleware on the way out.
    """
    channel = table_of(current_app).for_request().channel
    declare(RequestScope(channel, operation))
    middleware: TransportFaults | None = request.environ.get(MIDDLEWARE_KEY)
    if middleware is None:
        return None
    return middleware.meet_faults(
        request.environ,
        user_id=user_id,
        provider_id=provider_id,
        transaction_type=transaction_type,
    )


def _refusal_of(fault: FiredFault) -> RefusalAnswer:
    if fault.kind == "maintenance":
        return MAINTENANCE
    status = fault.action["status"]
    code = "site_unavailable" if status == 503 else "internal_error"
    return RefusalAnswer(code, UNAVAILABLE_MESSAGE, status, fault.action.get("retry_after"))


def _closing_if_truncated(environ: Environ, start_response: StartResponse) -> StartResponse:
    def closing_start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
        if environ.get(TRUNCATE_KEY) is not None:
            kept = [(k, v) for k, v in headers if k.lower() != "connection"]
            headers = [*kept, ("Connection", "close")]
        return start_response(status, headers, *rest)

    return closing_start


def _cut(body: Iterable[bytes], limit: int) -> Iterator[bytes]:
    sent = 0
    try:
        for chunk in body:
            if sent + len(chunk) >= limit:
                yield chunk[: limit - sent]
                return
            sent += len(chunk)
            yield chunk
    finally:
        _close(body)


def _close(body: Iterable[bytes]) -> None:
    close: Callable[[], None] | None = getattr(body, "close", None)
    if close is not None:
        close()


def _reset(environ: Environ) -> None:
    """Abort the TCP connection with an RST, then let the server drop the request quietly."""
    connection = environ.get("gunicorn.socket")
    if isinstance(connection, socket.socket):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()
    raise ConnectionResetError(errno.ECONNRESET, "connection reset by a fault rule")


def _basic_user(environ: Environ) -> str | None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:]).decode("utf-8", "replace")
    except ValueError:
        return None
    return decoded.partition(":")[0] or None
