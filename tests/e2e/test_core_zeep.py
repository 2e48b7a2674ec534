"""zeep, a generic SOAP client, loads the served WSDL and calls every CORE operation."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from zeep import Client
from zeep.exceptions import Fault
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from posc_sim_fixtures.x12_builders import Submitter, build, build_270, build_837p
from tests.e2e.conftest import LiveServer, add_user
from tests.web.helpers import PASSWORD
from tests.web.test_business import ACTIVE

pytestmark = pytest.mark.server
PROVIDER = "110048577A"
WAIT_SECONDS = 30


def zeep_client(server: LiveServer, site: str, user_id: str, password: str = PASSWORD) -> Client:
    session = requests.Session()
    session.trust_env = False  # loopback only, never a proxy
    return Client(
        f"{server.url}/{site}/core/soap?wsdl",
        transport=Transport(session=session, timeout=30),
        wsse=UsernameToken(user_id, password),
    )


def envelope(
    payload_type: str, mode: str = "Batch", payload_id: str | None = None
) -> dict[str, Any]:
    return {
        "PayloadType": payload_type,
        "ProcessingMode": mode,
        "PayloadID": payload_id or str(uuid.uuid4()),
        "TimeStamp": datetime.now(UTC),
        "SenderID": PROVIDER,
        "ReceiverID": "DMA7384",
        "CORERuleVersion": "2.2.0",
    }


def test_zeep_calls_every_operation(live_server: Callable[..., LiveServer]) -> None:
    server = live_server()
    add_user(server, "test", "ZEEP001")
    service = zeep_client(server, "test", "ZEEP001").service

    inquiry = build_270(Submitter("SUB000001"), members=[ACTIVE]).decode()
    real_time = service.RealTimeTransaction(
        **envelope("X12_270_Request_005010X279A1", "RealTime"), Payload=inquiry
    )
    assert real_time.ErrorCode == "Success", real_time.ErrorMessage
    assert real_time.PayloadType == "X12_271_Response_005010X279A1"
    assert "*271*" in real_time.Payload

    claims = build_837p(Submitter("SUB000001"))
    submitted_ids = []
    for operation in (service.BatchSubmitTransaction, service.GenericBatchSubmissionTransaction):
        fields = envelope("X12_837_Request_005010X222A1")
        answer = operation(**fields, PayloadLength=len(claims), Payload=claims)
        assert answer.ErrorCode == "Success", answer.ErrorMessage
        assert answer.PayloadID == fields["PayloadID"]
        assert answer.ErrorMessage.isdigit()
        submitted_ids.append(fields["PayloadID"])

    premium = build("820", Submitter("SUB000001"))
    fields = envelope("X12_820_Request_005010X218")
    answer = service.BatchSubmitTransaction(**fields, PayloadLength=len(premium), Payload=premium)
    assert answer.ErrorCode == "Success", answer.ErrorMessage
    submitted_ids.append(fields["PayloadID"])

    for payload_id in (submitted_ids[0], submitted_ids[-1]):
        ack = _acknowledgment(service, payload_id)
        assert ack.PayloadType == "X12_999_Response_005010X231A1"
        assert b"AK9*A*1*1*1~" in ack.Payload

    for operation in (
        service.BatchResultsRetrievalTransaction,
        service.GenericBatchRetrievalTransaction,
    ):
        listing = operation(**envelope("FILELIST", payload_id="FILELIST"))
        assert listing.ErrorCode == "Success", listing.ErrorMessage
        files = ElementTree.fromstring(listing.Payload).findall("File")
        assert files
    first = files[0]
    retrieved = service.BatchResultsRetrievalTransaction(
        **envelope(first.findtext("PayloadType"), payload_id=first.findtext("PayloadID"))
    )
    assert retrieved.ErrorCode == "Success", retrieved.ErrorMessage
    assert retrieved.Payload.startswith(b"ISA")

    receipt = b"ISA*00*          *00*          *ZZ*SUB000001      *ZZ*DMA7384        *~"
    for operation in (
        service.BatchResultsAckSubmitTransaction,
        service.GenericBatchReceiptConfirmationTransaction,
    ):
        confirmed = operation(**envelope("X12_999_SubmissionRequest_005010X231A1"), Payload=receipt)
        assert confirmed.ErrorCode == "Success", confirmed.ErrorMessage

    journal = requests.get(
        f"{server.url}/_sim/v1/journal", params={"site": "test", "user_id": "ZEEP001"}, timeout=10
    ).json()["entries"]
    calls = [entry for entry in journal if entry["operation"] != "process"]
    assert {entry["channel"] for entry in calls} == {"core"}
    assert [e["operation"] for e in calls].count("upload") == 3


def _acknowledgment(service: Any, payload_id: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        answer = service.BatchSubmitAckRetrievalTransaction(
            **envelope("X12_999_RetrievalRequest_005010X231A1", payload_id=payload_id)
        )
        assert answer.ErrorCode == "Success", answer.ErrorMessage
        if answer.Payload is not None:
            return answer
        time.sleep(0.2)
    raise AssertionError(f"no acknowledgment for {payload_id} in {WAIT_SECONDS}s")


def test_zeep_sees_a_refusal_as_a_fault_with_the_core_code(
    live_server: Callable[..., LiveServer],
) -> None:
    server = live_server()
    add_user(server, "prod", "ZEEP002")
    service = zeep_client(server, "prod", "ZEEP002", password="Wrong#1234").service
    with pytest.raises(Fault) as refused:
        service.BatchResultsRetrievalTransaction(**envelope("FILELIST", payload_id="FILELIST"))
    assert "not correct" in refused.value.message
    detail = refused.value.detail
    assert detail is not None
    assert [element.text for element in detail if element.tag.endswith("ErrorCode")] == [
        "UnAuthorized"
    ]
