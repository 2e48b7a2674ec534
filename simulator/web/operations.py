"""One operation table: which fault and journal operation each request is, and through which door.

Doors are blueprints (:class:`Door`) that name their channel (``web`` for pages, ``api`` for
the JSON API, ``core`` for CAQH CORE); each route names its operation where it is declared::

    blueprint = Door("api", __name__, channel="api", url_prefix="/api/v1")

    @blueprint.get("/me", operation="profile")
    def me() -> Response: ...

    @blueprint.route("/login", methods=["GET", "POST"], operation="login", journaled=["POST"])
    def login() -> ResponseReturnValue: ...

:class:`OperationTable` reads those declarations through the app's URL map, so nothing keeps a
second list of paths or endpoints. The transport-fault middleware looks each request up before
the app runs; the journal after it answered; the refusal renderer to choose the answer's form
(page, JSON, SOAP). ``journaled`` lists the methods that get a journal entry (default: all of
the route's methods); showing a form is not worth an entry, sending it is.

A door whose operation is only known from the body (CORE: one URL, the action inside the SOAP
envelope) declares its routes with ``operation=IN_BODY``. The middleware then leaves transport
faults to the door, which, once it has parsed the request, calls
:func:`simulator.web.transport.declare_operation`::

    answer = declare_operation("realtime", user_id=..., provider_id=..., transaction_type=...)
    if answer is not None:
        return answer  # an error or maintenance fault, rendered in the door's own form

From that call on, the request is journaled under that operation, the accounts service applies
``lockout``, ``force_password_change`` and ``session_expired`` rules of that operation (so call
it before ``accounts.authenticate_call``), and fault rules with ``match.channel`` see the
door's channel. A request refused before its operation is known (a malformed envelope) meets no
transport fault. Forms are checked for a CSRF token on ``web`` doors only.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from simulator.faults.scope import RequestScope, current

IN_BODY = "<in the body>"
TABLE_KEY = "posc_sim.operations"
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Declared:
    operation: str
    journaled: frozenset[str] | None


class Door(Blueprint):
    """A blueprint that is one way in: its routes name their operations, it names its channel."""

    def __init__(self, name: str, import_name: str, *, channel: str, **options: Any) -> None:
        super().__init__(name, import_name, **options)
        self.channel = channel
        self.declared: dict[str, Declared] = {}

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        operation = options.pop("operation", None)
        journaled = options.pop("journaled", None)
        if operation is not None:
            name = endpoint or (view_func.__name__ if view_func is not None else rule)
            methods = frozenset(journaled) if journaled is not None else None
            self.declared[name] = Declared(operation, methods)
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)


@dataclass(frozen=True)
class Entry:
    """What one endpoint is: its channel, its operation, the methods the journal records."""

    channel: str
    operation: str | None = None
    journaled: frozenset[str] = frozenset()

    @property
    def in_body(self) -> bool:
        return self.operation == IN_BODY

    def journaled_operation(self, method: str) -> str | None:
        """The operation to journal a ``method`` request under; ``None``: it gets no entry."""
        if self.in_body or method not in self.journaled:
            return None
        return self.operation

    def scope(self) -> RequestScope:
        return RequestScope(self.channel, None if self.in_body else self.operation)


class OperationTable:
    """Endpoint to :class:`Entry`, read from one Flask app's URL map and its doors."""

    def __init__(self, app: Flask, default_channel: str) -> None:
        self._app = app
        self._default = Entry(default_channel)
        self._entries: dict[str, Entry] | None = None
        self._prefixes: tuple[tuple[str, str], ...] = ()

    def _built(self) -> dict[str, Entry]:
        """Built at the first request, when every blueprint is registered."""
        if self._entries is None:
            entries = {rule.endpoint: self._entry(rule) for rule in self._app.url_map.iter_rules()}
            self._prefixes = _channel_prefixes(self._app, entries, self._default.channel)
            self._entries = entries
        return self._entries

    def _entry(self, rule: Rule) -> Entry:
        blueprint, _, name = rule.endpoint.rpartition(".")
        door = self._app.blueprints.get(blueprint)
        if not isinstance(door, Door):
            return self._default
        declared = door.declared.get(name)
        if declared is None:
            return Entry(door.channel)
        methods = frozenset(rule.methods or ()) - IGNORED_METHODS
        return Entry(door.channel, declared.operation, declared.journaled or methods)

    def for_environ(self, environ: dict[str, Any]) -> Entry:
        """The entry of a request not yet handed to the app (for the WSGI middleware)."""
        entries = self._built()
        adapter = self._app.url_map.bind_to_environ(environ)
        try:
            endpoint, _ = adapter.match()
        except HTTPException:
            return self._by_path(environ.get("PATH_INFO", ""))
        return entries.get(str(endpoint), self._default)

    def for_request(self) -> Entry:
        """The entry of the request being served by this app."""
        entries = self._built()
        if request.url_rule is not None and request.endpoint is not None:
            return entries.get(request.endpoint, self._default)
        return self._by_path(request.path)

    def _by_path(self, path: str) -> Entry:
        """A path that names no endpoint (404, 405) belongs to the door whose routes enclose it."""
        for prefix, channel in self._prefixes:
            if path.startswith(prefix):
                return Entry(channel)
        return self._default


def _channel_prefixes(
    app: Flask, entries: Mapping[str, Entry], default_channel: str
) -> tuple[tuple[str, str], ...]:
    """Each door's common path (``/api/v1/``), longest first, from the rules it registered."""
    paths: dict[str, list[str]] = {}
    for rule in app.url_map.iter_rules():
        channel = entries[rule.endpoint].channel
        if channel != default_channel:
            paths.setdefault(channel, []).append(rule.rule)
    prefixes = []
    for channel, rules in paths.items():
        common = posixpath.commonprefix(rules)
        prefix = common[: common.rfind("/") + 1]
        if prefix not in ("", "/"):
            prefixes.append((prefix, channel))
    return tuple(sorted(prefixes, key=lambda item: -len(item[0])))


def install(app: Flask, default_channel: str) -> OperationTable:
    """Give ``app`` its operation table; routes outside any door belong to ``default_channel``."""
    table = OperationTable(app, default_channel)
    app.extensions[TABLE_KEY] = table
    return table


def table_of(app: Flask) -> OperationTable:
    table: OperationTable = app.extensions[TABLE_KEY]
    return table


def request_entry() -> Entry:
    """The table's entry for the request being served, with any operation its door declared."""
    entry = table_of(current_app).for_request()
    declared = current().operation
    if entry.in_body and declared is not None:
        return Entry(entry.channel, declared, frozenset({request.method}))
    return entry
