"""Transport faults, in one WSGI middleware around each site app.

``error`` and ``maintenance`` answer instead of the app; ``delay`` holds the answer back;
``truncate_body`` cuts the body short and closes the connection, so the client sees an
incomplete read; ``reset_connection`` closes the socket with no answer at all (an RST), so
the client sees a connection error, not an HTTP status.
"""

from __future__ import annotations

import base64
import errno
import json
import socket
import struct
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs

from simulator.faults.rules import TRANSPORT_ACTIONS
from simulator.faults.service import FaultService, FiredFault, fired_rule
from simulator.portal.journal import Journal, JournalEvent
from simulator.sites import SiteProfile
from simulator.web.wsgi import StartResponse, WSGIApplication
from simulator.work import unit_of_work

Environ = dict[str, Any]

# (method or "*", path prefix) -> operation; the first that matches names the request.
ROUTES: tuple[tuple[str, str, str], ...] = (
    ("*", "/login", "login"),
    ("*", "/password/change", "password_change"),
    ("*", "/api/v1/password", "password_change"),
    ("*", "/password/forgot", "password_reset"),
    ("*", "/profile", "profile"),
    ("*", "/api/v1/me", "profile"),
    ("*", "/batch/upload", "upload"),
    ("POST", "/api/v1/batches", "upload"),
    ("GET", "/api/v1/batches/", "status"),
    ("*", "/batch/download", "search"),
    ("GET", "/api/v1/files/", "download"),
    ("GET", "/api/v1/files", "search"),
    ("*", "/batch/files/", "download"),
)
MAINTENANCE_PAGE = (
    "<title>Scheduled maintenance</title><h1>Scheduled maintenance</h1>"
    '<p id="error">The MassHealth transactions site is down for scheduled maintenance. '
    "Please try again later.</p>"
)


def operation_for(method: str, path: str) -> str | None:
    for wanted, prefix, operation in ROUTES:
        if (wanted in ("*", method)) and path.startswith(prefix):
            return operation
    return None


class FaultMiddleware:
    """Wraps one site app; asks the fault service before each request."""

    def __init__(
        self, app: WSGIApplication, profile: SiteProfile, faults: FaultService, journal: Journal
    ) -> None:
        self.app = app
        self.site = profile.code
        self.banner = profile.banner
        self.faults = faults
        self.journal = journal

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        with unit_of_work():
            return self._serve(environ, start_response)

    def _serve(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        fired_rule.set(None)
        operation = operation_for(
            environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        )
        query = parse_qs(environ.get("QUERY_STRING", ""))
        user_id = _basic_user(environ)
        fault = self.faults.fire(
            self.site,
            operation,
            TRANSPORT_ACTIONS,
            user_id=user_id,
            provider_id=(query.get("provider_id") or [None])[0],
            transaction_type=(query.get("transaction_type") or [None])[0],
        )
        if fault is None:
            return self.app(environ, start_response)
        return self._carry_out(fault, operation, user_id, environ, start_response)

    def _carry_out(
        self,
        fault: FiredFault,
        operation: str | None,
        user_id: str | None,
        environ: Environ,
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        action = fault.action
        if fault.kind == "delay":
            jitter = action.get("jitter_ms", 0) * fault.draw
            time.sleep((action["ms"] + jitter) / 1000)
            return self.app(environ, start_response)
        if fault.kind == "truncate_body":
            return self._truncated(action["bytes"], environ, start_response)
        self._journal(fault, operation, user_id)
        if fault.kind == "reset_connection":
            return _reset(environ)
        if fault.kind == "maintenance":
            return self._answer(
                environ,
                start_response,
                503,
                "site_unavailable",
                "The site is down for scheduled maintenance.",
                retry_after=None,
                page=MAINTENANCE_PAGE,
            )
        status = action["status"]
        code = "site_unavailable" if status == 503 else "internal_error"
        return self._answer(
            environ,
            start_response,
            status,
            code,
            "The site could not answer; try again later.",
            retry_after=action.get("retry_after"),
        )

    def _journal(self, fault: FiredFault, operation: str | None, user_id: str | None) -> None:
        status = {"maintenance": 503, "reset_connection": None}.get(
            fault.kind, fault.action.get("status")
        )
        self.journal.record(
            JournalEvent(
                site=self.site,
                operation=operation or "any",
                outcome=f"fault:{fault.kind}",
                status=status,
                user_id=user_id,
                fault_id=fault.rule_id,
            )
        )

    def _answer(
        self,
        environ: Environ,
        start_response: StartResponse,
        status: int,
        code: str,
        message: str,
        retry_after: int | None,
        page: str | None = None,
    ) -> Iterable[bytes]:
        wants_page = "/api/" not in environ.get("PATH_INFO", "")
        if wants_page:
            label = f'<span id="site-banner">{self.banner}</span>' if self.banner else ""
            body = (label + (page or f'<!doctype html><p id="error">{message}</p>')).encode()
            content_type = "text/html; charset=utf-8"
        else:
            body = json.dumps({"error": {"code": code, "message": message}}).encode()
            content_type = "application/json"
        headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("X-POSC-Site", self.site),
        ]
        if retry_after is not None:
            headers.append(("Retry-After", str(retry_after)))
        reasons = {
            500: "INTERNAL SERVER ERROR",
            502: "BAD GATEWAY",
            503: "SERVICE UNAVAILABLE",
            504: "GATEWAY TIMEOUT",
        }
        start_response(f"{status} {reasons[status]}", headers)
        return [body]

    def _truncated(
        self, limit: int, environ: Environ, start_response: StartResponse
    ) -> Iterable[bytes]:
        def closing_start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            kept = [(k, v) for k, v in headers if k.lower() != "connection"]
            return start_response(status, [*kept, ("Connection", "close")], *rest)

        return _cut(self.app(environ, closing_start), limit)


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
        close: Callable[[], None] | None = getattr(body, "close", None)
        if close is not None:
            close()


def _reset(environ: Environ) -> Iterable[bytes]:
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
