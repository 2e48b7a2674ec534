"""Clients that stall mid-request are dropped, and do not keep others from being served."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.e2e.conftest import LiveServer, add_user

STALL_SECONDS = 2
STALLED_CLIENTS = 100


def stalled_upload(server: LiveServer, user_id: str, password: str) -> socket.socket:
    """A client that announces a 100 KB upload, sends 8 bytes of it, and then nothing."""
    token = base64.b64encode(f"{user_id}:{password}".encode()).decode()
    head = (
        "POST /test/api/v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Basic {token}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n"
        "--b\r\nCon"
    ).encode()
    host, port = server.url.removeprefix("http://").split(":")
    client = socket.create_connection((host, int(port)), timeout=30)
    client.sendall(head)
    return client


def answer_of(client: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    with client:
        while chunk := client.recv(65536):
            received += chunk
    return received


def test_stalled_clients_are_dropped_and_others_are_served_meanwhile(
    live_server: Callable[..., LiveServer],
) -> None:
    server = live_server(
        "--workers", "2", env={"POSC_SIM_REQUEST_TIMEOUT_SECONDS": str(STALL_SECONDS)}
    )
    user_id, password = add_user(server, "test", "STALL01")
    stalled_at = time.monotonic()
    stalled = [stalled_upload(server, user_id, password) for _ in range(STALLED_CLIENTS)]
    for _ in range(10):  # served while every stalled client still holds its connection
        answer = requests.get(
            f"{server.test_url}/api/v1/me", auth=(user_id, password), timeout=STALL_SECONDS
        )
        assert answer.status_code == 200
    assert time.monotonic() - stalled_at < STALL_SECONDS
    with ThreadPoolExecutor(max_workers=STALLED_CLIENTS) as pool:
        answers = list(pool.map(answer_of, stalled))
    assert time.monotonic() - stalled_at < 6 * STALL_SECONDS
    assert all(a == b"" or a.startswith(b"HTTP/1.1 400") for a in answers), answers[:3]
    batches = requests.get(f"{server.control_url}/metrics", timeout=10).text
    assert 'posc_sim_uploads_total{site="test"}' not in batches
