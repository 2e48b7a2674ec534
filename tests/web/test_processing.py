"""Uploads end in a final status with their TA1 and 999 in the provider's download list."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from simulator.runtime import Runtime
from tests.samples import masshealth_shaped, sample
from tests.web.helpers import basic, create_user, upload


@pytest.fixture
def alice(client: FlaskClient) -> str:
    for site in ("test", "prod"):
        create_user(client, site, "ALICE01", providers=["110048577A"])
    return "ALICE01"


def processed(client: FlaskClient, runtime: Runtime, site: str, tracking: str) -> dict[str, Any]:
    runtime.processor.run_pending()
    response = client.get(f"/{site}/api/v1/batches/{tracking}", headers=basic("ALICE01"))
    assert response.status_code == 200
    status: dict[str, Any] = response.get_json()
    return status


def download(client: FlaskClient, site: str, file_id: str) -> str:
    return client.get(f"/{site}/api/v1/files/{file_id}", headers=basic("ALICE01")).data.decode()


def test_an_accepted_file_gets_an_accepting_999(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    data = masshealth_shaped(sample("pyx12/example834_5010.txt"), "T")
    tracking = upload(client, "test", alice, [(data, "enroll.834")], transaction_type="834")
    status = processed(client, runtime, "test", tracking.get_json()["tracking_number"])
    assert status["status"] == "accepted"
    kinds = [f["transaction_type"] for f in status["response_files"]]
    assert "999" in kinds
    ack = download(
        client,
        "test",
        next(f["file_id"] for f in status["response_files"] if f["transaction_type"] == "999"),
    )
    assert "AK9*A*1*1*1~" in ack
    assert "IK5*A~" in ack
    assert "*ZZ*DMA7384        *" in ack
    assert "*T*:~" in ack


def test_a_production_file_on_the_test_site_gets_ta1_020(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    data = masshealth_shaped(sample("pyx12/example834_5010.txt"), "P")
    tracking = upload(client, "test", alice, [(data, "enroll.834")], transaction_type="834")
    status = processed(client, runtime, "test", tracking.get_json()["tracking_number"])
    assert status["status"] == "rejected"
    assert [f["transaction_type"] for f in status["response_files"]] == ["TA1"]
    ta1 = download(client, "test", status["response_files"][0]["file_id"])
    assert "*R*020~" in ta1


def test_a_file_that_is_not_x12_gets_ta1_024(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    tracking = upload(client, "prod", alice, [(b"hello, this is a letter", "letter.txt")])
    status = processed(client, runtime, "prod", tracking.get_json()["tracking_number"])
    assert status["status"] == "rejected"
    ta1 = download(client, "prod", status["response_files"][0]["file_id"])
    assert "TA1*000000000*" in ta1
    assert "*R*024~" in ta1
    assert "*P*:~" in ta1
