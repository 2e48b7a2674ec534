"""Every batch action on both sites, through SOAP (inline and MTOM) and MIME."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient

from posc_sim_fixtures.x12_builders import Submitter, build, build_834, build_837p
from simulator.runtime import Runtime
from tests.web.core.helpers import PROVIDER, Answer, fields, file_list, mime_call, soap_call
from tests.web.helpers import basic, create_user, login, place_file, upload

WAYS = ("soap", "mtom", "mime")
SITES = ("test", "prod")
Call = Callable[..., Answer]


@pytest.fixture
def carol(client: FlaskClient) -> str:
    for site in SITES:
        create_user(client, site, "CAROL01", providers=[PROVIDER])
    return "CAROL01"


@pytest.fixture(params=WAYS)
def call(request: pytest.FixtureRequest, client: FlaskClient) -> Call:
    """``call(site, action, values, payload=...)`` through one way in."""
    way = request.param

    def send(site: str, action: str, values: dict[str, str], **kwargs: object) -> Answer:
        if way == "mime":
            return mime_call(client, site, values, user_id="CAROL01", **kwargs)  # type: ignore[arg-type]
        return soap_call(
            client,
            site,
            action,
            values,
            user_id="CAROL01",
            mtom=way == "mtom",
            **kwargs,  # type: ignore[arg-type]
        )

    return send


def claims(site: str) -> bytes:
    return build_837p(Submitter("SUB000001", usage_indicator="T" if site == "test" else "P"))


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize("action", ["BatchSubmitTransaction", "GenericBatchSubmissionTransaction"])
def test_a_batch_submission_is_an_upload_with_a_tracking_number(
    client: FlaskClient, carol: str, call: Call, site: str, action: str
) -> None:
    payload = claims(site)
    values = fields("X12_837_Request_005010X222A1", payload=payload)
    answer = call(site, action, values, payload=payload)
    assert answer.status == 200, answer.raw
    assert answer.error_code == "Success"
    assert answer.fields["PayloadID"] == values["PayloadID"]
    tracking = answer.error_message
    status = client.get(f"/{site}/api/v1/batches/{tracking}", headers=basic(carol))
    assert status.status_code == 200
    batch = client.get(f"/_sim/v1/batches/{site}/{tracking}").get_json()
    assert batch["transaction_type"] == "837P"


@pytest.mark.parametrize("site", SITES)
def test_the_acknowledgment_of_a_submission_is_its_999(
    client: FlaskClient, runtime: Runtime, carol: str, call: Call, site: str
) -> None:
    payload = claims(site)
    submitted = fields("X12_837_Request_005010X222A1", payload=payload)
    call(site, "BatchSubmitTransaction", submitted, payload=payload)
    ask = fields("X12_999_RetrievalRequest_005010X231A1", payload_id=submitted["PayloadID"])
    before = call(site, "BatchSubmitAckRetrievalTransaction", ask)
    assert before.error_code == "Success"
    assert before.payload is None
    assert "not available yet" in before.error_message
    runtime.processor.run_pending()
    answer = call(site, "BatchSubmitAckRetrievalTransaction", ask)
    assert answer.error_code == "Success", answer.fields
    assert answer.fields["PayloadType"] == "X12_999_Response_005010X231A1"
    assert answer.payload is not None
    assert b"ST*999*" in answer.payload
    assert b"AK9*A*1*1*1~" in answer.payload


@pytest.mark.parametrize("site", SITES)
def test_the_file_list_and_the_retrieval_of_a_placed_834(
    client: FlaskClient, carol: str, call: Call, site: str
) -> None:
    enrollment = build_834(Submitter("SUB000001")).decode()
    placed = place_file(client, site, enrollment, transaction_type="834")
    listing = call(site, "BatchResultsRetrievalTransaction", file_list())
    assert listing.error_code == "Success", listing.fields
    assert listing.fields["PayloadType"] == "FILELIST"
    assert listing.payload is not None
    files = ElementTree.fromstring(listing.payload).findall("File")
    listed = {f.findtext("PayloadID"): f for f in files}
    entry = listed[placed["file_id"]]
    assert entry.findtext("PayloadType") == "X12_834_Response_005010X220A1"
    assert entry.findtext("FileName") == placed["file_name"]
    assert entry.findtext("DateLastDownloaded") == ""

    ask = fields("X12_834_Request_005010X220A1", payload_id=placed["file_id"])
    answer = call(site, "GenericBatchRetrievalTransaction", ask)
    assert answer.error_code == "Success", answer.fields
    assert answer.payload == enrollment.encode()
    assert answer.fields["PayloadType"] == "X12_834_Response_005010X220A1"

    again = call(site, "BatchResultsRetrievalTransaction", file_list())
    assert again.payload is not None
    relisted = {f.findtext("PayloadID"): f for f in ElementTree.fromstring(again.payload)}
    assert relisted[placed["file_id"]].findtext("DateLastDownloaded")


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize(
    "action", ["BatchResultsAckSubmitTransaction", "GenericBatchReceiptConfirmationTransaction"]
)
def test_a_999_for_a_retrieved_file_is_kept(
    client: FlaskClient, carol: str, call: Call, site: str, action: str
) -> None:
    ack = b"ISA*00*          *00*          *ZZ*SUB000001      *ZZ*DMA7384        *~ST*999*0001~"
    values = fields("X12_999_SubmissionRequest_005010X231A1", payload=ack)
    answer = call(site, action, values, payload=ack)
    assert answer.status == 200
    assert answer.error_code == "Success", answer.fields
    journal = client.get(f"/_sim/v1/journal?site={site}&operation=acknowledge").get_json()
    assert [e["outcome"] for e in journal["entries"]] == ["ok"]


# CONTRACT §8's batch payload types, each with its upload type and the business response
# that follows the 999 (CONTRACT §6).
BATCH_PAYLOAD_TYPES = [
    ("X12_837_Request_005010X222A1", "837P", "277CA"),
    ("X12_837_Request_005010X223A2", "837I", "277CA"),
    ("X12_837_Request_005010X224A2", "837D", "277CA"),
    ("X12_270_Request_005010X279A1", "270", "271"),
    ("X12_276_Request_005010X212", "276", "277"),
    ("X12_278_Request_005010X217", "278", "278"),
    ("X12_834_Request_005010X220A1", "834", None),
    ("X12_820_Request_005010X218", "820", None),
]


@pytest.mark.parametrize(("payload_type", "transaction_type", "business"), BATCH_PAYLOAD_TYPES)
def test_each_batch_payload_type_is_taken_processed_and_acknowledged(
    client: FlaskClient,
    runtime: Runtime,
    carol: str,
    call: Call,
    payload_type: str,
    transaction_type: str,
    business: str | None,
) -> None:
    """A real file of each type: Success with a tracking number, the upload shown by the API
    and the control API as any upload of its type, an accepting 999 to retrieve by PayloadID,
    and the business response in the sender's download list."""
    payload = build(transaction_type, Submitter("SUB000001"))
    values = fields(payload_type, payload=payload)
    answer = call("test", "BatchSubmitTransaction", values, payload=payload)
    assert (answer.status, answer.error_code) == (200, "Success"), answer.fields
    tracking = answer.error_message
    assert tracking.isdigit()
    batch = client.get(f"/_sim/v1/batches/test/{tracking}").get_json()
    assert batch["transaction_type"] == transaction_type
    assert [f["name"] for f in batch["files"]] == [values["PayloadID"]]

    runtime.processor.run_pending()
    ask = fields("X12_999_RetrievalRequest_005010X231A1", payload_id=values["PayloadID"])
    ack = call("test", "BatchSubmitAckRetrievalTransaction", ask)
    assert ack.error_code == "Success", ack.fields
    assert ack.fields["PayloadType"] == "X12_999_Response_005010X231A1"
    assert ack.error_message == tracking
    assert ack.payload is not None
    assert f"AK2*{transaction_type[:3]}*".encode() in ack.payload
    assert b"AK9*A*1*1*1~" in ack.payload

    status = client.get(f"/test/api/v1/batches/{tracking}", headers=basic(carol)).get_json()
    assert status["status"] == "accepted"
    made = sorted(f["transaction_type"] for f in status["response_files"])
    assert made == sorted(["999", *([business] if business else [])])
    listed = client.get(
        f"/test/api/v1/files?provider_id={PROVIDER}&tracking_number={tracking}",
        headers=basic(carol),
    ).get_json()
    assert sorted(f["transaction_type"] for f in listed["files"]) == made


def test_an_820_is_a_download_on_the_pages_and_the_api_and_an_upload_through_core_only(
    client: FlaskClient, carol: str
) -> None:
    """MassHealth issues 820s (the download list's premium payments); CONTRACT §8 names an
    820 batch submission for CORE, so CORE alone takes one in."""
    types = client.get("/test/api/v1/transaction-types", headers=basic(carol)).get_json()
    assert [t["direction"] for t in types if t["code"] == "820"] == ["download"]
    premium = build("820", Submitter("SUB000001"))
    refused = upload(client, "test", carol, [(premium, "premium.x12")], transaction_type="820")
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "unknown_transaction_type"
    assert "CAQH CORE" in refused.get_json()["error"]["message"]
    login(client, "test", carol)
    page = client.get("/test/batch/upload").get_data(as_text=True)
    assert 'value="834"' in page
    assert 'value="820"' not in page


@pytest.mark.parametrize("site", SITES)
def test_a_submission_of_the_other_sites_usage_indicator_is_acknowledged_with_its_ta1(
    client: FlaskClient, runtime: Runtime, carol: str, site: str
) -> None:
    """ISA15 must be T on the test site and P on production, through CORE as on the pages."""
    other = claims("prod" if site == "test" else "test")
    submitted = fields("X12_837_Request_005010X222A1", payload=other)
    answer = soap_call(
        client, site, "BatchSubmitTransaction", submitted, user_id=carol, payload=other
    )
    assert answer.error_code == "Success", answer.fields
    runtime.processor.run_pending()
    ask = fields("X12_999_RetrievalRequest_005010X231A1", payload_id=submitted["PayloadID"])
    ack = soap_call(client, site, "BatchSubmitAckRetrievalTransaction", ask, user_id=carol)
    assert ack.fields["PayloadType"] == "X12_TA1_Response_00501X231A1"
    assert ack.payload is not None
    assert b"TA1*" in ack.payload
    assert b"*R*020~" in ack.payload


def test_the_file_list_follows_the_download_pages_rules_and_the_clock(
    client: FlaskClient, runtime: Runtime, carol: str
) -> None:
    """New files first, each group oldest first; after six months of the simulated clock the
    files are archived and no longer listed."""
    runtime.clock.set(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    runtime.clock.freeze(True)
    older = place_file(client, "test", transaction_type="835")
    runtime.clock.advance(timedelta(days=1))
    newer = place_file(client, "test", transaction_type="835")

    def listed() -> list[str]:
        answer = soap_call(
            client, "test", "BatchResultsRetrievalTransaction", file_list(), user_id=carol
        )
        assert answer.payload is not None
        return [f.findtext("PayloadID") or "" for f in ElementTree.fromstring(answer.payload)]

    assert listed() == [older["file_id"], newer["file_id"]]
    ask = fields("X12_835_Response_005010X221A1", payload_id=older["file_id"])
    retrieved = soap_call(client, "test", "BatchResultsRetrievalTransaction", ask, user_id=carol)
    assert retrieved.error_code == "Success", retrieved.fields
    assert listed() == [newer["file_id"], older["file_id"]]
    runtime.clock.advance(timedelta(days=190))
    assert listed() == []
