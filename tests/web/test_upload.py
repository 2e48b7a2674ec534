"""Uploads through the API and the page: tracking numbers, limits, zips, refusals."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from simulator.app import create_app
from simulator.control.seeding import seed_unseeded_sites
from simulator.runtime import Runtime
from simulator.settings import Settings, SiteSettings
from simulator.store.models import Batch, BatchFile, BlobChunk, Job, ResponseFile
from tests.web.helpers import basic, create_user, csrf_token, error_text, login, upload

CLAIM = b"ISA*00*          *00*          *ZZ*SUBMITTER~"


def kept(runtime: Runtime) -> tuple[int, int, int, list[str]]:
    """Batches, batch files and jobs in the database, and the keys of uploaded files in the
    store (a folder, or the database itself on PostgreSQL), spooled leftovers included.

    Files in download lists (the demo data set places some) are not uploads; they are left out.
    """
    with runtime.database.reading() as session:
        counts = [
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Batch, BatchFile, Job)
        ]
        placed = set(session.scalars(select(ResponseFile.blob_key)))
        in_database = set(session.scalars(select(BlobChunk.blob_key).distinct()))
    root = runtime.settings.blob_dir
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    stored = sorted((on_disk | in_database) - placed)
    return counts[0], counts[1], counts[2], stored


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def alice(client: FlaskClient) -> str:
    create_user(client, "test", "ALICE01", providers=["110048577A"])
    create_user(client, "prod", "ALICE01", providers=["110048577A"])
    return "ALICE01"


@pytest.mark.parametrize("site", ["test", "prod"])
def test_api_upload_answers_a_tracking_number(
    client: FlaskClient, runtime: Runtime, alice: str, site: str
) -> None:
    response = upload(client, site, alice, [(CLAIM, "claims.txt"), (b"ISA*second~", "two.x12")])
    assert response.status_code == 201
    body = response.get_json()
    assert re.fullmatch(r"\d{12}", body["tracking_number"])
    assert body["site"] == site
    assert body["provider_id"] == "110048577A"
    assert body["transaction_type"] == "837P"
    assert body["received_at"].endswith("+00:00")
    assert body["files"] == [
        {"name": "claims.txt", "size": len(CLAIM), "sha256": hashlib.sha256(CLAIM).hexdigest()},
        {"name": "two.x12", "size": 11, "sha256": hashlib.sha256(b"ISA*second~").hexdigest()},
    ]
    status = client.get(f"/{site}/api/v1/batches/{body['tracking_number']}", headers=basic(alice))
    assert status.get_json() == {
        "tracking_number": body["tracking_number"],
        "status": "received",
        "response_files": [],
    }
    assert kept(runtime)[:3] == (1, 2, 1)  # one batch, its two files, one processing job


def test_tracking_numbers_are_unique_and_per_site(client: FlaskClient, alice: str) -> None:
    numbers = [
        upload(client, "test", alice, [(CLAIM, "c.txt")]).get_json()["tracking_number"]
        for _ in range(3)
    ]
    assert len(set(numbers)) == 3
    assert numbers == sorted(numbers)
    on_prod = upload(client, "prod", alice, [(CLAIM, "c.txt")]).get_json()["tracking_number"]
    assert on_prod == numbers[0]  # each site has its own sequence...
    unseen = client.get(f"/prod/api/v1/batches/{numbers[1]}", headers=basic(alice))
    assert unseen.status_code == 404  # ...and never sees the other site's uploads
    missing = client.get("/test/api/v1/batches/999999999999", headers=basic(alice))
    assert (missing.status_code, missing.get_json()["error"]["code"]) == (404, "not_found")


def test_a_zip_is_kept_as_its_members_under_one_tracking_number(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    archive = zip_of({"a.txt": CLAIM, "folder/b.txt": b"ISA*b~"})
    response = upload(client, "test", alice, [(archive, "claims.zip"), (CLAIM, "plain.txt")])
    assert response.status_code == 201
    assert [f["name"] for f in response.get_json()["files"]] == [
        "a.txt",
        "folder/b.txt",
        "plain.txt",
    ]
    batches, files, jobs, stored = kept(runtime)
    assert (batches, files, jobs, len(stored)) == (1, 3, 1, 3)


@pytest.mark.parametrize(
    ("parts", "status", "code"),
    [
        ([(CLAIM, f"f{i}.txt") for i in range(6)], 422, "too_many_files"),
        ([(b"", "empty.txt")], 422, "empty_upload"),
        ([], 422, "empty_upload"),
        ([(CLAIM, "a/b.txt")], 400, "invalid_request"),
        ([(CLAIM, "bad\x01name.txt")], 400, "invalid_request"),
        ([(zip_of({}), "nothing.zip")], 422, "empty_upload"),
        ([(b"PK\x03\x04 this is not really a zip", "broken.zip")], 400, "invalid_request"),
        ([(zip_of({"../../etc/passwd": b"x"}), "slip.zip")], 400, "invalid_request"),
        ([(zip_of({"/abs.txt": b"x"}), "abs.zip")], 400, "invalid_request"),
        ([(zip_of({"inner.zip": zip_of({"a.txt": b"x"})}), "nested.zip")], 400, "invalid_request"),
        ([(zip_of({f"m{i}.txt": b"x" for i in range(101)}), "many.zip")], 400, "invalid_request"),
        ([(zip_of({"bomb.txt": b"\0" * (8 * 1024 * 1024)}), "bomb.zip")], 400, "invalid_request"),
    ],
)
def test_refused_uploads_keep_nothing(
    client: FlaskClient,
    runtime: Runtime,
    alice: str,
    parts: list[tuple[bytes, str]],
    status: int,
    code: str,
) -> None:
    response = upload(client, "test", alice, parts)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]
    assert kept(runtime) == (0, 0, 0, [])


def test_a_file_name_of_only_spaces_is_refused(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    response = upload(client, "test", alice, [(CLAIM, "   ")])
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_request"
    assert kept(runtime) == (0, 0, 0, [])


def test_a_corrupt_zip_says_which_member_and_never_empty_parentheses(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    archive = bytearray(zip_of({"lie.txt": CLAIM * 50}))
    start = archive.find(b"lie.txt") + len(b"lie.txt")
    archive[start : start + 20] = b"\xff" * 20  # the deflate stream of the member, broken
    response = upload(client, "test", alice, [(bytes(archive), "lie.zip")])
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert "lie.zip is corrupt" in message
    assert "lie.txt" in message
    assert "()" not in message
    assert kept(runtime) == (0, 0, 0, [])


def test_a_json_upload_is_an_invalid_request(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    response = client.post(
        "/test/api/v1/batches",
        headers=basic(alice),
        json={"provider_id": "110048577A", "transaction_type": "837P", "files": ["x"]},
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_request"
    assert "multipart/form-data" in error["message"]
    assert kept(runtime) == (0, 0, 0, [])


def test_an_encrypted_zip_is_refused(client: FlaskClient, runtime: Runtime, alice: str) -> None:
    archive = bytearray(zip_of({"secret.txt": CLAIM}))
    for offset in (6, archive.rfind(b"PK\x01\x02") + 8):  # the encryption flag in both headers
        archive[offset] |= 0x01
    response = upload(client, "test", alice, [(bytes(archive), "secret.zip")])
    assert response.status_code == 400
    assert "encrypted" in response.get_json()["error"]["message"]
    assert kept(runtime) == (0, 0, 0, [])


@pytest.mark.parametrize(
    ("transaction_type", "code"),
    [
        ("999", "unknown_transaction_type"),
        ("NOPE", "unknown_transaction_type"),
        ("PLPD", "transaction_type_not_in_use"),
        ("EHRQ", "transaction_type_not_in_use"),
    ],
)
def test_transaction_types_must_be_uploadable_and_in_use(
    client: FlaskClient, alice: str, transaction_type: str, code: str
) -> None:
    response = upload(client, "test", alice, [(CLAIM, "c.txt")], transaction_type=transaction_type)
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, code)


def test_another_providers_id_is_not_authorized(client: FlaskClient, alice: str) -> None:
    create_user(client, "test", "BOB0001", providers=["220000002B"])
    response = upload(client, "test", alice, [(CLAIM, "c.txt")], provider_id="220000002B")
    assert (response.status_code, response.get_json()["error"]["code"]) == (
        403,
        "provider_not_authorized",
    )
    bobs = upload(client, "test", "BOB0001", [(CLAIM, "c.txt")], provider_id="220000002B")
    number = bobs.get_json()["tracking_number"]
    assert client.get(f"/test/api/v1/batches/{number}", headers=basic(alice)).status_code == 404
    unknown = upload(client, "test", alice, [(CLAIM, "c.txt")], provider_id="not-a-pid")
    assert unknown.get_json()["error"]["code"] == "provider_not_authorized"


def test_transaction_types_are_listed(client: FlaskClient, alice: str) -> None:
    listed = client.get("/test/api/v1/transaction-types", headers=basic(alice)).get_json()
    by_key = {(t["code"], t["direction"]): t for t in listed}
    for code in ("270", "276", "278", "837P", "837I", "837D", "MMQ", "ACPD"):
        assert by_key[(code, "upload")]["in_use"] is True
    for code in ("271", "277", "277CA", "820", "834D", "834M", "835", "999", "TA1", "MMQR"):
        assert by_key[(code, "download")]["in_use"] is True
    assert by_key[("PLPD", "upload")]["in_use"] is False
    assert all(t["description"] for t in listed)


def test_the_expanded_total_of_one_upload_is_bounded(
    make_settings: Callable[..., Settings],
) -> None:
    rules = SiteSettings(max_expanded_bytes=1024 * 1024)
    runtime = Runtime.open(make_settings(sites={"test": rules, "prod": rules}))
    try:
        runtime.prepare_storage()
        seed_unseeded_sites(runtime, "empty", 1)
        client = create_app(runtime.settings, runtime).test_client()
        create_user(client, "test", "ZIPPER1")
        member = CLAIM * 5_000  # about 250 KB each, well under any single-zip limit
        five = [(zip_of({f"m{i}.txt": member}), f"z{i}.zip") for i in range(5)]
        refused = upload(client, "test", "ZIPPER1", five)
        assert refused.status_code == 413, refused.get_json()
        assert refused.get_json()["error"]["code"] == "upload_too_large"
        assert "1,048,576" in refused.get_json()["error"]["message"]
        assert kept(runtime) == (0, 0, 0, [])
        assert upload(client, "test", "ZIPPER1", five[:3]).status_code == 201
    finally:
        runtime.close()


@pytest.fixture
def small_limit_client(make_settings: Callable[..., Settings]) -> tuple[FlaskClient, Runtime]:
    rules = SiteSettings(max_upload_bytes=1000, max_upload_files=2)
    settings = make_settings(sites={"test": rules, "prod": rules})
    runtime = Runtime.open(settings)
    runtime.prepare_storage()
    seed_unseeded_sites(runtime, "empty", 1)
    client = create_app(settings, runtime).test_client()
    create_user(client, "test", "ALICE01")
    return client, runtime


def test_combined_size_over_the_limit_is_refused_with_the_limit(
    small_limit_client: tuple[FlaskClient, Runtime],
) -> None:
    client, runtime = small_limit_client
    try:
        response = upload(client, "test", "ALICE01", [(b"x" * 600, "a.txt"), (b"y" * 600, "b.txt")])
        assert response.status_code == 413
        error = response.get_json()["error"]
        assert error["code"] == "upload_too_large"
        assert "1,000 bytes" in error["message"]
        assert kept(runtime) == (0, 0, 0, [])
        three = upload(client, "test", "ALICE01", [(b"x", f"{i}.txt") for i in range(3)])
        assert three.get_json()["error"]["code"] == "too_many_files"
    finally:
        runtime.close()


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(
    small_limit_client: tuple[FlaskClient, Runtime],
) -> None:
    client, runtime = small_limit_client
    try:
        response = upload(client, "test", "ALICE01", [(b"x" * 2_000_000, "huge.txt")])
        assert response.status_code == 413
        assert response.get_json()["error"]["code"] == "upload_too_large"
        assert kept(runtime) == (0, 0, 0, [])
    finally:
        runtime.close()


def test_a_multipart_body_cut_off_mid_file_keeps_nothing(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    boundary = "cutoff"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="provider_id"\r\n\r\n110048577A\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="transaction_type"\r\n\r\n837P\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="c.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode() + b"ISA*" * 10_000
    response = client.post(
        "/test/api/v1/batches",
        headers={**basic(alice), "Content-Length": str(len(head) + 50_000)},
        input_stream=io.BytesIO(head),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_request"
    assert "cut off" in response.get_json()["error"]["message"]
    assert kept(runtime) == (0, 0, 0, [])


def test_page_upload_confirms_with_the_tracking_number(client: FlaskClient, alice: str) -> None:
    login(client, "test", alice)
    form = client.get("/test/batch/upload").get_data(as_text=True)
    assert 'id="site-banner"' in form
    assert '<option value="837P">' in form
    response = client.post(
        "/test/batch/upload",
        data={
            "csrf_token": csrf_token(form),
            "provider_id": "110048577A",
            "transaction_type": "270",
            "files": [(io.BytesIO(CLAIM), "inquiry.txt"), (io.BytesIO(b""), "")],
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "Your file was successfully received. The following tracking number should be retained "
        "for your records." in page
    )
    assert re.search(r'id="tracking-number">\d{12}<', page)
    assert "Upload Another File" in page
    assert "does not confirm" in page
    assert 'id="site-banner"' in page


def test_page_upload_explains_refusals(client: FlaskClient, alice: str) -> None:
    login(client, "prod", alice)
    form = client.get("/prod/batch/upload").get_data(as_text=True)
    response = client.post(
        "/prod/batch/upload",
        data={
            "csrf_token": csrf_token(form),
            "provider_id": "110048577A",
            "transaction_type": "837P",
            "files": [(io.BytesIO(CLAIM), f"{i}.txt") for i in range(6)],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "up to 5 files" in error_text(response)
    assert 'id="tracking-number"' not in response.get_data(as_text=True)


def test_page_upload_without_a_type_asks_for_one_in_a_persons_words(
    client: FlaskClient, alice: str
) -> None:
    login(client, "test", alice)
    form = client.get("/test/batch/upload").get_data(as_text=True)
    response = client.post(
        "/test/batch/upload",
        data={
            "csrf_token": csrf_token(form),
            "provider_id": "110048577A",
            "transaction_type": "",
            "files": [(io.BytesIO(CLAIM), "c.txt")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert error_text(response) == "Select the type of transaction you are uploading."
    assert "api/v1" not in response.get_data(as_text=True)


def test_page_upload_needs_the_csrf_token(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    login(client, "test", alice)
    response = client.post(
        "/test/batch/upload",
        data={
            "provider_id": "110048577A",
            "transaction_type": "837P",
            "files": [(io.BytesIO(CLAIM), "c.txt")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert kept(runtime) == (0, 0, 0, [])
