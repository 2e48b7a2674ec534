"""A body shorter than its Content-Length is refused over a real socket, and nothing is kept."""

from __future__ import annotations

import base64
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from posc_sim_fixtures.x12_builders import Submitter, build_837p
from tests.e2e.conftest import LiveServer, add_user

MISSING = 10_000


def complete_multipart(boundary: str) -> bytes:
    parts = [
        ("provider_id", None, b"110048577A"),
        ("transaction_type", None, b"837P"),
        ("files", "claim.txt", build_837p(Submitter("SHORT01"))),
    ]
    body = b""
    for name, filename, value in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += value + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


def stored_uploads(server: LiveServer) -> list[Path]:
    metrics = requests.get(f"{server.control_url}/metrics", timeout=10).text
    assert 'posc_sim_uploads_total{site="test"}' not in metrics
    return [p for p in (server.data_dir / "files").rglob("*") if p.is_file()]


@pytest.mark.parametrize("half_close", [True, False], ids=["client-ends", "client-waits"])
def test_a_body_shorter_than_its_content_length_keeps_nothing(
    live_server: Callable[..., LiveServer], half_close: bool
) -> None:
    server = live_server(env={"POSC_SIM_REQUEST_TIMEOUT_SECONDS": "2"})
    user_id, password = add_user(server, "test", "SHORT01")
    before = stored_uploads(server)
    body = complete_multipart("short")
    token = base64.b64encode(f"{user_id}:{password}".encode()).decode()
    head = (
        "POST /test/api/v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Basic {token}\r\n"
        "Content-Type: multipart/form-data; boundary=short\r\n"
        f"Content-Length: {len(body) + MISSING}\r\n\r\n"
    ).encode()
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as client:
        client.sendall(head + body)
        if half_close:
            client.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b'"invalid_request"' in answer
    assert stored_uploads(server) == before
