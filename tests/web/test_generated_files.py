"""``POST /_sim/v1/files`` with ``generate: true``: outbound X12 that pyx12 accepts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.web.helpers import basic, create_user


def generate(client: FlaskClient, transaction_type: str) -> TestResponse:
    """A user of provider 110048577A, then a generated file of ``transaction_type`` for it."""
    create_user(client, "test", "MCO0001")
    return client.post(
        "/_sim/v1/files",
        json={
            "site": "test",
            "provider_id": "110048577A",
            "transaction_type": transaction_type,
            "generate": True,
        },
    )


@pytest.mark.parametrize(
    ("transaction_type", "set_id"),
    [("834D", "834"), ("834M", "834"), ("834", "834"), ("820", "820")],
)
def test_generated_outbound_x12_comes_from_masshealth_and_passes_pyx12(
    client: FlaskClient,
    pyx12_accepts: Callable[[bytes], tuple[bool, str]],
    transaction_type: str,
    set_id: str,
) -> None:
    placed = generate(client, transaction_type)
    assert placed.status_code == 201, placed.get_json()
    assert placed.get_json()["transaction_type"] == transaction_type
    file_id = placed.get_json()["file_id"]
    data = client.get(f"/test/api/v1/files/{file_id}", headers=basic("MCO0001")).data
    assert data[:3] == b"ISA"
    assert data[35:50].rstrip() == b"DMA7384"  # ISA06: MassHealth sends it
    assert data[51:53] == b"ZZ"
    assert data[102:103] == b"T"  # ISA15 of the test site
    assert f"\nST*{set_id}*".encode() in data
    valid, objections = pyx12_accepts(data)
    assert valid, objections


def test_outbound_x12_not_generated_says_what_is(client: FlaskClient) -> None:
    refused = generate(client, "824")
    assert refused.status_code == 400
    message = refused.get_json()["error"]["message"]
    assert "834D" in message
    assert "820" in message
