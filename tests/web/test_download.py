"""The download list: filters, order, six-month window, .dat and zip downloads, access."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from simulator.runtime import Runtime
from tests.web.helpers import basic, create_user, error_text, login, place_file, upload

NAME = re.compile(r"^110048577A\.(835|820|MISC)\.WEB\.\d{10}\.\d{3}$")


@pytest.fixture
def alice(client: FlaskClient) -> str:
    for site in ("test", "prod"):
        create_user(client, site, "ALICE01", providers=["110048577A", "110048578B"])
    return "ALICE01"


def listed(client: FlaskClient, site: str = "test", **query: str) -> list[dict[str, Any]]:
    response = client.get(f"/{site}/api/v1/files", headers=basic("ALICE01"), query_string=query)
    assert response.status_code == 200, response.get_json()
    files: list[dict[str, Any]] = response.get_json()["files"]
    return files


def iso(moment: datetime) -> str:
    return moment.isoformat()


def test_placed_files_are_listed_with_contract_names(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    placed = place_file(client, "test", content="ISA*835~")
    files = listed(client)
    assert [f["file_id"] for f in files] == [placed["file_id"]]
    entry = files[0]
    assert NAME.match(entry["file_name"])
    assert entry["file_name"].endswith(
        "."
        + runtime.clock.now()
        .astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
        .strftime("%j")
    )
    assert entry["transaction_type"] == "835"
    assert entry["size"] == len("ISA*835~")
    assert entry["date_last_downloaded"] is None
    assert entry["tracking_number"] is None
    assert listed(client, site="prod") == []


def test_download_marks_the_file_and_new_or_downloaded_filter(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    first = place_file(client, "test", content="first")
    place_file(client, "test", content="second")
    response = client.get(f"/test/api/v1/files/{first['file_id']}", headers=basic(alice))
    assert response.status_code == 200
    assert response.data == b"first"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{first["file_name"]}.dat"'
    )
    new = listed(client, status="new")
    downloaded = listed(client, status="downloaded")
    assert [f["file_id"] for f in downloaded] == [first["file_id"]]
    assert first["file_id"] not in [f["file_id"] for f in new]
    stamp = downloaded[0]["date_last_downloaded"]
    assert stamp is not None
    runtime.clock.advance(timedelta(hours=2))
    client.get(f"/test/api/v1/files/{first['file_id']}", headers=basic(alice))
    later = listed(client, status="downloaded")[0]["date_last_downloaded"]
    assert datetime.fromisoformat(later) - datetime.fromisoformat(stamp) >= timedelta(hours=2)


def test_default_order_is_oldest_new_files_first(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    now = runtime.clock.now()
    oldest = place_file(client, "test", available_at=iso(now - timedelta(days=3)))
    middle = place_file(client, "test", available_at=iso(now - timedelta(days=2)))
    newest = place_file(client, "test", available_at=iso(now - timedelta(days=1)))
    client.get(f"/test/api/v1/files/{oldest['file_id']}", headers=basic(alice))
    order = [f["file_id"] for f in listed(client)]
    assert order == [middle["file_id"], newest["file_id"], oldest["file_id"]]


def test_filters_by_type_tracking_number_dates_and_count(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    now = runtime.clock.now()
    place_file(client, "test", transaction_type="820", available_at=iso(now - timedelta(days=40)))
    place_file(client, "test", transaction_type="835", available_at=iso(now - timedelta(days=10)))
    place_file(client, "test", transaction_type="835", available_at=iso(now - timedelta(days=1)))
    assert [f["transaction_type"] for f in listed(client, transaction_type="820")] == ["820"]
    from_day = (now - timedelta(days=15)).astimezone(UTC)
    recent = listed(client, from_date=from_day.strftime("%m/%d/%Y"))
    assert len(recent) == 2
    to_day = (now - timedelta(days=20)).strftime("%Y-%m-%d")
    assert [f["transaction_type"] for f in listed(client, to_date=to_day)] == ["820"]
    assert len(listed(client, max_files="1")) == 1
    upload(client, "test", alice, [(b"ISA*x~", "c.txt")])
    assert listed(client, tracking_number="100000000001") == []  # no response files yet


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"from_date": "13/45/2026"}, "invalid_request"),
        ({"to_date": "yesterday"}, "invalid_request"),
        ({"from_date": "2026-05-02", "to_date": "2026-05-01"}, "invalid_request"),
        ({"max_files": "0"}, "invalid_request"),
        ({"max_files": "100000"}, "invalid_request"),
        ({"max_files": "ten"}, "invalid_request"),
        ({"status": "old"}, "invalid_request"),
        ({"transaction_type": "XYZ"}, "unknown_transaction_type"),
        ({"provider_id": "999999999Z"}, "provider_not_authorized"),
    ],
)
def test_bad_criteria_get_clear_errors(
    client: FlaskClient, alice: str, query: dict[str, str], code: str
) -> None:
    response = client.get("/test/api/v1/files", headers=basic(alice), query_string=query)
    assert response.status_code in {400, 403, 422}
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]


def test_files_older_than_six_months_are_archived(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    now = runtime.clock.now()
    place_file(client, "test", content="old", available_at=iso(now - timedelta(days=190)))
    kept = place_file(client, "test", content="recent", available_at=iso(now - timedelta(days=150)))
    assert [f["file_id"] for f in listed(client)] == [kept["file_id"]]
    runtime.clock.advance(timedelta(days=40))
    assert listed(client) == []


def test_files_not_yet_available_are_not_listed(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    later = place_file(client, "test", available_at=iso(runtime.clock.now() + timedelta(days=1)))
    assert listed(client) == []
    assert (
        client.get(f"/test/api/v1/files/{later['file_id']}", headers=basic(alice)).status_code
        == 404
    )
    runtime.clock.advance(timedelta(days=1, seconds=1))
    assert [f["file_id"] for f in listed(client)] == [later["file_id"]]


def test_zip_format_holds_the_one_file(client: FlaskClient, alice: str) -> None:
    placed = place_file(client, "test", content="ISA*zipped~")
    response = client.get(
        f"/test/api/v1/files/{placed['file_id']}?format=zip", headers=basic(alice)
    )
    assert response.headers["Content-Disposition"].endswith(f'{placed["file_name"]}.zip"')
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert archive.namelist() == [f"{placed['file_name']}.dat"]
        assert archive.read(archive.namelist()[0]) == b"ISA*zipped~"


def test_other_providers_and_the_other_sites_files_are_not_found(
    client: FlaskClient, alice: str
) -> None:
    create_user(client, "test", "BOB0001", providers=["220000002B"])
    bobs = place_file(client, "test", provider_id="220000002B")
    other_site = place_file(client, "prod", content="prod only")
    for path in (
        f"/test/api/v1/files/{bobs['file_id']}",
        f"/test/api/v1/files/{other_site['file_id']}9",
        "/test/api/v1/files/nonsense",
    ):
        response = client.get(path, headers=basic(alice))
        assert (response.status_code, response.get_json()["error"]["code"]) == (404, "not_found")
    refused = client.get(
        "/test/api/v1/files", headers=basic(alice), query_string={"provider_id": "220000002B"}
    )
    assert refused.get_json()["error"]["code"] == "provider_not_authorized"


def test_download_page_lists_rows_with_links_and_us_dates(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    placed = place_file(client, "prod", content="ISA*page~")
    login(client, "prod", alice)
    page = client.get("/prod/batch/download").get_data(as_text=True)
    assert 'id="results"' in page
    row = re.search(rf'<tr data-file-id="{placed["file_id"]}">(.*?)</tr>', page, re.S)
    assert row is not None
    assert placed["file_name"] in row.group(1)
    assert f'/prod/batch/files/{placed["file_id"]}"' in row.group(1)
    assert f'/prod/batch/files/{placed["file_id"]}.zip"' in row.group(1)
    assert "Zip format" in row.group(1)
    assert "835 Health Care Claim Payment/Advice" in row.group(1)
    assert re.search(r"\d{2}/\d{2}/\d{4}", row.group(1))
    dat = client.get(f"/prod/batch/files/{placed['file_id']}")
    assert dat.data == b"ISA*page~"
    assert dat.headers["X-POSC-Site"] == "prod"
    zipped = client.get(f"/prod/batch/files/{placed['file_id']}.zip")
    assert zipped.headers["Content-Type"] == "application/zip"
    refused = client.get("/prod/batch/download?provider_id=220000002B")
    assert refused.status_code == 403
    assert "not authorized" in refused.get_data(as_text=True)
    bad_date = client.get("/prod/batch/download?from_date=31/31/2026")
    assert bad_date.status_code == 400


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from_date=31/31/2026", "From Date: &#39;31/31/2026&#39; is not a date like 01/31/2026"),
        ("max_files=lots", "Max Files to List must be a whole number from 1 to"),
        ("max_files=0", "Max Files to List must be a whole number from 1 to"),
        ("from_date=02/01/2026&to_date=01/01/2026", "The To Date is before the From Date."),
        ("status=old", "File Status must be one of all, new, downloaded."),
    ],
)
def test_download_page_refusals_name_the_fields_as_the_page_does(
    client: FlaskClient, alice: str, query: str, message: str
) -> None:
    login(client, "prod", alice)
    refused = client.get(f"/prod/batch/download?{query}")
    assert refused.status_code == 400
    assert message in error_text(refused)
    for field_name in ("from_date", "to_date", "max_files", "status:"):
        assert field_name not in error_text(refused)


def test_searches_and_downloads_are_journaled(client: FlaskClient, alice: str) -> None:
    placed = place_file(client, "test")
    listed(client)
    client.get(f"/test/api/v1/files/{placed['file_id']}", headers=basic(alice))
    entries = client.get("/_sim/v1/journal?site=test").get_json()["entries"]
    operations = [(e["operation"], e["provider_id"], e["outcome"]) for e in entries]
    assert ("search", "110048577A", "ok") in operations
    assert ("download", None, "ok") in operations
