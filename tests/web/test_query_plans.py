"""The statements of a trading partner's day reach the tables that grow through an index.

A statement that scans a table kept across uploads (batches, their files, jobs, the journal,
claims, certification evidence, blobs) costs a little more with every upload: invisible in a
test, it made the benchmark's status poll many times slower after a few thousand uploads. This
test asks SQLite for the plan of every statement an upload, its processing, status polls, the
download list, a download, the pages and the control API's batch and journal run, and fails on
a scan of a growing table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, event

from posc_sim_fixtures.members import DOCUMENTED_REQUEST_MEMBERS
from posc_sim_fixtures.x12_builders import Submitter, build_270, build_276, build_837p
from simulator.runtime import Runtime
from tests.web.helpers import basic, create_user, login, upload

# Tables whose rows accumulate with traffic; the others hold a site's set-up (users, providers,
# members, fault rules, counters) and stay small.
GROWING = (
    "batches",
    "batch_files",
    "response_files",
    "jobs",
    "journal",
    "blob_chunks",
    "claims",
    "certification_evidence",
    "web_sessions",
)


@pytest.fixture
def database_url() -> str | None:
    """SQLite, whose plans are asked for here (PostgreSQL plans by its statistics)."""
    return None


@pytest.fixture
def statements(runtime: Runtime) -> Iterator[dict[str, Any]]:
    """Every statement run meanwhile, with the parameters of its first run."""
    seen: dict[str, Any] = {}
    engine: Engine = runtime.database.engine

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.setdefault(statement, parameters)

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def a_trading_partners_day(client: FlaskClient, runtime: Runtime) -> None:
    submitter = Submitter("SUB123456")
    members = list(DOCUMENTED_REQUEST_MEMBERS)
    for kind, data in (
        ("837P", build_837p(submitter, claims=2, members=members[:2])),
        ("270", build_270(submitter, members=members[:2])),
        ("276", build_276(submitter)),
    ):
        number = upload(client, "test", "ALICE01", [(data, "in.x12")], transaction_type=kind)
        tracking = number.get_json()["tracking_number"]
        runtime.processor.run_pending()
        status = client.get(f"/test/api/v1/batches/{tracking}", headers=basic("ALICE01"))
        assert status.get_json()["status"] in {"accepted", "partially_accepted"}
    listing = client.get("/test/api/v1/files?status=new", headers=basic("ALICE01")).get_json()
    for file in listing["files"][:2]:
        got = client.get(f"/test/api/v1/files/{file['file_id']}", headers=basic("ALICE01"))
        assert got.status_code == 200
    for control in (f"/_sim/v1/batches/test/{tracking}", "/_sim/v1/journal?site=test&channel=api"):
        assert client.get(control).status_code == 200
    login(client, "test", "ALICE01")
    for page in ("/upload", "/download", f"/download?tracking_number={tracking}"):
        assert client.get(f"/test/batch{page}").status_code == 200


def scans_of_growing_tables(engine: Engine, statements: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    raw = engine.raw_connection()
    try:
        for statement, parameters in statements.items():
            if not statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
                continue
            plan = raw.cursor().execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            scans = [
                step
                for *_, step in plan.fetchall()
                if step.startswith("SCAN ") and step.split()[1] in GROWING
            ]
            if scans:
                found[" ".join(statement.split())] = scans
    finally:
        raw.close()
    return found


def test_no_statement_of_the_day_scans_a_growing_table(
    client: FlaskClient, runtime: Runtime, statements: dict[str, Any]
) -> None:
    create_user(client, "test", "ALICE01")
    a_trading_partners_day(client, runtime)
    assert len(statements) > 20  # the day ran its statements here
    assert scans_of_growing_tables(runtime.database.engine, statements) == {}
