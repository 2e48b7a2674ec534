"""An upload or a download and its journal entry are one commit; a failed commit journals
the error, never an "ok" that was rolled back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Connection, event, text

from simulator.runtime import Runtime
from tests.web.helpers import basic, create_user, place_file, upload
from tests.web.test_journal_accounts import journal

WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(\S+)", re.IGNORECASE)
X12 = b"ISA*00*          *00*          *ZZ*ALICE01~"


@contextmanager
def transactions(runtime: Runtime) -> Iterator[list[list[str]]]:
    """The tables each committed transaction wrote to, while the block runs."""
    committed: list[list[str]] = []
    writing: dict[int, list[str]] = {}

    def wrote(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        found = WRITE.match(statement)
        if found:
            writing.setdefault(id(connection), []).append(found.group(1).strip('"').lower())

    def commit(connection: Connection) -> None:
        tables = writing.pop(id(connection), [])
        if tables:
            committed.append(tables)

    engine = runtime.database.engine
    event.listen(engine, "after_cursor_execute", wrote)
    event.listen(engine, "commit", commit)
    try:
        yield committed
    finally:
        event.remove(engine, "after_cursor_execute", wrote)
        event.remove(engine, "commit", commit)


def test_an_upload_is_one_commit_with_its_journal_entry(
    client: FlaskClient, runtime: Runtime
) -> None:
    create_user(client, "test", "ALICE01")
    client.get("/test/api/v1/me", headers=basic("ALICE01"))  # the password check is behind us
    with transactions(runtime) as committed:
        answer = upload(client, "test", "ALICE01", [(X12, "claims.x12")])
    assert answer.status_code == 201, answer.get_json()
    batch = [tables for tables in committed if "batches" in tables]
    assert len(batch) == 1
    assert {"batch_files", "jobs", "journal"} <= set(batch[0])
    assert not [tables for tables in committed if "journal" in tables and tables is not batch[0]]
    entries = journal(client, site="test", operation="upload")
    assert [(e["outcome"], e["status"], e["tracking_number"]) for e in entries] == [
        ("ok", 201, answer.get_json()["tracking_number"])
    ]
    assert entries[0]["user_id"] == "ALICE01"
    assert entries[0]["provider_id"] == "110048577A"


def test_a_download_is_one_commit_with_its_journal_entry(
    client: FlaskClient, runtime: Runtime
) -> None:
    create_user(client, "test", "ALICE01")
    placed = place_file(client, "test", content="ISA*835~")
    client.get("/test/api/v1/me", headers=basic("ALICE01"))
    with transactions(runtime) as committed:
        answer = client.get(f"/test/api/v1/files/{placed['file_id']}", headers=basic("ALICE01"))
    assert answer.status_code == 200
    assert answer.get_data() == b"ISA*835~"
    assert [sorted(set(tables)) for tables in committed] == [["journal", "response_files"]]
    entries = journal(client, site="test", operation="download")
    assert [(e["outcome"], e["status"]) for e in entries] == [("ok", 200)]


def test_a_download_whose_file_cannot_be_read_marks_nothing_and_journals_the_error(
    client: FlaskClient, runtime: Runtime
) -> None:
    create_user(client, "test", "ALICE01")
    placed = place_file(client, "test", content="ISA*835~")
    with runtime.database.connected() as connection:
        key = connection.execute(
            text("SELECT blob_key FROM response_files WHERE site = 'test' AND file_id = :id"),
            {"id": placed["file_id"]},
        ).scalar_one()
    runtime.blobs.delete(key)  # the row is there, its bytes are gone
    answer = client.get(f"/test/api/v1/files/{placed['file_id']}", headers=basic("ALICE01"))
    assert answer.status_code == 500
    listed = client.get("/test/api/v1/files", headers=basic("ALICE01")).get_json()["files"]
    assert [f["date_last_downloaded"] for f in listed if f["file_id"] == placed["file_id"]] == [
        None
    ]
    entries = journal(client, site="test", operation="download")
    assert [(e["outcome"], e["status"]) for e in entries] == [("error", 500)]


def test_an_upload_whose_commit_fails_journals_the_error_alone(
    client: FlaskClient, runtime: Runtime
) -> None:
    create_user(client, "test", "ALICE01")
    batch_writers: set[int] = set()

    def wrote(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        found = WRITE.match(statement)
        if found and found.group(1).strip('"').lower() == "batches":
            batch_writers.add(id(connection))

    def refuse_commit(connection: Connection) -> None:
        if id(connection) in batch_writers:
            batch_writers.discard(id(connection))
            raise OSError("the disk is full")

    engine = runtime.database.engine
    event.listen(engine, "after_cursor_execute", wrote)
    event.listen(engine, "commit", refuse_commit)
    try:
        answer = upload(client, "test", "ALICE01", [(X12, "claims.x12")])
    finally:
        event.remove(engine, "after_cursor_execute", wrote)
        event.remove(engine, "commit", refuse_commit)
    assert answer.status_code >= 500
    entries = journal(client, site="test", operation="upload")
    assert [(e["outcome"], e["status"]) for e in entries] == [("error", answer.status_code)]
