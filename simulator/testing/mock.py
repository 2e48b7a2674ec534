"""``mock_posc``: a client's ``requests`` calls answered by an in-process simulator.

Like moto's ``mock_aws``: inside ``with mock_posc() as posc:`` (or under ``@mock_posc()``),
every ``requests`` call whose URL starts with the base URL is handed to a fresh
:class:`~simulator.testing.simulator.Simulator` as a WSGI request, and its answer comes back
as the HTTP response, so the client under test runs unchanged with no server and no network.
Any other URL passes through to the real network untouched.

By default the jobs that make response files run after every answered request
(``auto_process=True``), so a client that polls a batch sees it final at its next poll; with
``auto_process=False`` they wait for ``posc.process_jobs()``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import ContextDecorator, ExitStack
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests
import responses
from urllib3 import HTTPHeaderDict
from werkzeug.test import EnvironBuilder, run_wsgi_app

from simulator.testing.simulator import Simulator

DEFAULT_BASE_URL = "https://posc.example.test"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# How the client framed its body on the wire; the body is handed to the app whole instead.
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})
ANY_URL = re.compile(".*")

Answer = tuple[int, HTTPHeaderDict, bytes]


class PoscMock(ContextDecorator):
    """What :func:`mock_posc` returns: a context manager (yielding the simulator) and a
    decorator; ``simulator`` is the active one, for a decorated test that needs set-up."""

    def __init__(self, base_url: str, *, auto_process: bool, options: dict[str, Any]) -> None:
        self.base_url = _origin(base_url)
        self.auto_process = auto_process
        self._options = options
        self._active: Simulator | None = None
        self._stack = ExitStack()

    @property
    def simulator(self) -> Simulator:
        if self._active is None:
            raise RuntimeError("mock_posc is not active: use it in a with block or as a decorator")
        return self._active

    def __enter__(self) -> Simulator:
        if self._active is not None:
            raise RuntimeError("this mock_posc is active already; make another for a second one")
        with ExitStack() as stack:
            simulator = stack.enter_context(Simulator(**self._options))
            stack.enter_context(self._requests_mock())
            self._stack = stack.pop_all()
        self._active = simulator
        return simulator

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._active = None
        self._stack.__exit__(kind, error, traceback)

    def _requests_mock(self) -> responses.RequestsMock:
        """Our URLs to the simulator, whatever the method; every other URL to the network."""
        mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        ours = re.compile(re.escape(self.base_url) + r"(?:[/?#]|$)", re.IGNORECASE)
        for method in METHODS:
            mock.add_callback(method, ours, self._answer, content_type=None)
        mock.add_passthru(ANY_URL)
        return mock

    def _answer(self, request: requests.PreparedRequest) -> Answer:
        """Run the request through the app; a ``reset_connection`` fault is a connection error
        for the client, as a real server's RST would be."""
        try:
            body, status, headers = run_wsgi_app(
                self.simulator.app, _environ(request), buffered=True
            )
        except ConnectionResetError as reset:
            raise requests.ConnectionError(reset, request=request) from reset
        if self.auto_process:
            self.simulator.process_jobs()
        answer_headers = HTTPHeaderDict()
        for name, value in headers.to_wsgi_list():
            answer_headers.add(name, value)
        return int(status.split(" ", 1)[0]), answer_headers, b"".join(body)


def mock_posc(
    base_url: str = DEFAULT_BASE_URL, *, auto_process: bool = True, **options: Any
) -> PoscMock:
    """Answer ``requests`` calls to ``base_url`` (scheme and host only) from a fresh simulator.

    ``options`` go to :class:`~simulator.testing.simulator.Simulator` (``dataset``, ``seed``,
    settings). ``auto_process`` runs the due jobs after every request the simulator answered.
    """
    return PoscMock(base_url, auto_process=auto_process, options=options)


def _origin(base_url: str) -> str:
    """``scheme://host[:port]``: the simulator serves from the root, where its cookies live."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ValueError(f"base_url: expected http(s)://host[:port], got {base_url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"base_url: expected no query or fragment, got {base_url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _environ(request: requests.PreparedRequest) -> dict[str, Any]:
    """The WSGI environ of the request: method, path, query, headers and the whole body."""
    url = urlsplit(str(request.url))
    headers = [
        (name, value)
        for name, value in request.headers.items()
        if name.lower() not in FRAMING_HEADERS
    ]
    builder = EnvironBuilder(
        path=request.path_url,
        base_url=f"{url.scheme}://{url.netloc}",
        method=request.method or "GET",
        headers=headers,
        data=_body_bytes(request.body),
    )
    return builder.get_environ()


def _body_bytes(body: object) -> bytes:
    """All of the body: ``requests`` may hold bytes, text, a file or a generator of chunks."""
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    read = getattr(body, "read", None)
    if callable(read):
        return _body_bytes(read())
    if isinstance(body, Iterable):
        return b"".join(_body_bytes(chunk) for chunk in body)
    raise TypeError(f"cannot send a request body of type {type(body).__name__}")
