"""Business responses end to end: upload a built request, run the job, read the answer."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from posc_sim_fixtures.members import DOCUMENTED_REQUEST_MEMBERS, NOT_ON_ROSTER_EXAMPLE
from posc_sim_fixtures.x12_builders import (
    ClaimRef,
    Member,
    Submitter,
    build_270,
    build_276,
    build_278,
    build_837p,
)
from simulator.portal import business
from simulator.runtime import Runtime
from simulator.x12.reader import SegmentReader
from tests.web.helpers import basic, create_user, upload

ACTIVE, INACTIVE, MANAGED, PENDING = DOCUMENTED_REQUEST_MEMBERS
UNKNOWN = Member(NOT_ON_ROSTER_EXAMPLE, "NOBODY", "KNOWN", date(1970, 1, 1), "F")


@pytest.fixture
def alice(client: FlaskClient) -> str:
    for site in ("test", "prod"):
        create_user(client, site, "ALICE01", providers=["110048577A"])
    return "ALICE01"


def submitter(site: str) -> Submitter:
    return Submitter("SUB000001", usage_indicator="T" if site == "test" else "P")


def answered(
    client: FlaskClient, runtime: Runtime, site: str, data: bytes, kind: str
) -> tuple[dict[str, Any], dict[str, list[list[str]]]]:
    """The batch status, and each response file's segments by transaction type."""
    response = upload(client, site, "ALICE01", [(data, f"request.{kind}")], transaction_type=kind)
    assert response.status_code == 201, response.get_json()
    runtime.processor.run_pending()
    number = response.get_json()["tracking_number"]
    status: dict[str, Any] = client.get(
        f"/{site}/api/v1/batches/{number}", headers=basic("ALICE01")
    ).get_json()
    contents = {
        f["transaction_type"]: client.get(
            f"/{site}/api/v1/files/{f['file_id']}", headers=basic("ALICE01")
        ).data
        for f in status["response_files"]
    }
    files = {
        kind: list(SegmentReader.open(io.BytesIO(data)))
        for kind, data in contents.items()
        if data.startswith(b"ISA")
    }
    return status, files


def tagged(segments: list[list[str]], tag: str) -> list[list[str]]:
    return [segment for segment in segments if segment[0] == tag]


@pytest.mark.parametrize("lookup_chunk", [business.LOOKUP_CHUNK, 2])
def test_271_answers_each_documented_member(
    client: FlaskClient,
    runtime: Runtime,
    alice: str,
    monkeypatch: pytest.MonkeyPatch,
    lookup_chunk: int,
) -> None:
    """Members are read a chunk at a time; the answer does not depend on the chunk."""
    monkeypatch.setattr(business, "LOOKUP_CHUNK", lookup_chunk)
    wrong_name = Member(ACTIVE.member_id, "MARY", "SOMEONE", ACTIVE.birth_date, "F")
    invalid = Member("ABC", "X", "Y", date(1990, 1, 1), "M")
    members = [ACTIVE, INACTIVE, UNKNOWN, wrong_name, invalid]
    status, files = answered(
        client, runtime, "test", build_270(submitter("test"), members=members), "270"
    )
    assert status["status"] == "accepted"
    assert set(files) == {"999", "271"}
    answer = files["271"]
    subscribers = [s for s in tagged(answer, "NM1") if s[1] == "IL"]
    assert [s[9] for s in subscribers] == [m.member_id for m in members]
    assert [s[1] for s in tagged(answer, "EB")] == ["1", "6"]
    assert [s[3] for s in tagged(answer, "AAA")] == ["75", "73", "72"]
    traces = tagged(answer, "TRN")
    assert len(traces) == len(members)
    assert all(trace[1] == "2" for trace in traces)


def test_837_on_the_test_site_gets_a_277ca_and_never_an_835(
    client: FlaskClient,
    runtime: Runtime,
    alice: str,
    pyx12_accepts: Callable[[bytes], tuple[bool, str]],
) -> None:
    data = build_837p(submitter("test"), claims=3, members=[ACTIVE, UNKNOWN, ACTIVE])
    _status, files = answered(client, runtime, "test", data, "837P")
    assert set(files) == {"999", "277CA"}
    statuses = [
        s[1].split(":")[0] for s in tagged(files["277CA"], "STC") if s[1].startswith(("A2", "A3"))
    ]
    assert statuses == ["A2", "A3", "A2"]
    assert len([s for s in tagged(files["277CA"], "REF") if s[1] == "1K"]) == 2
    raw = "".join("*".join(s) + "~" for s in files["277CA"]).encode()
    valid, findings = pyx12_accepts(raw)
    assert valid, findings


@pytest.mark.parametrize("lookup_chunk", [business.LOOKUP_CHUNK, 1, 3])
def test_837_on_production_is_paid_in_a_balanced_835(
    client: FlaskClient,
    runtime: Runtime,
    alice: str,
    pyx12_accepts: Callable[[bytes], tuple[bool, str]],
    monkeypatch: pytest.MonkeyPatch,
    lookup_chunk: int,
) -> None:
    """Whatever the number of claims whose members are read at once, the answer is the same."""
    monkeypatch.setattr(business, "LOOKUP_CHUNK", lookup_chunk)
    data = build_837p(submitter("prod"), claims=4, members=[ACTIVE, INACTIVE, PENDING, ACTIVE])
    _status, files = answered(client, runtime, "prod", data, "837P")
    assert set(files) == {"999", "277CA", "835"}
    remittance = files["835"]
    claims = tagged(remittance, "CLP")
    assert [c[2] for c in claims] == ["1", "4", "1"]  # paid, denied (inactive), paid; one pends
    total = sum(Decimal(c[4]) for c in claims)
    assert Decimal(tagged(remittance, "BPR")[0][2]) == total
    adjustments = sum(Decimal(s[3]) for s in tagged(remittance, "CAS"))
    assert sum(Decimal(c[3]) for c in claims) - total == adjustments
    raw = "".join("*".join(s) + "~" for s in remittance).encode()
    valid, findings = pyx12_accepts(raw)
    assert valid, findings


def test_276_reports_what_became_of_claims(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    claim = build_837p(submitter("prod"), claims=1, members=[ACTIVE])
    _, first = answered(client, runtime, "prod", claim, "837P")
    pcn = tagged(first["835"], "CLP")[0][1]
    charge = Decimal(tagged(first["835"], "CLP")[0][3])
    asked = [
        ClaimRef(pcn, ACTIVE, charge, date(2026, 1, 10)),
        ClaimRef("NEVER-SENT", ACTIVE, Decimal(10), date(2026, 1, 10)),
    ]
    _, files = answered(client, runtime, "prod", build_276(submitter("prod"), claims=asked), "276")
    assert [s[1] for s in tagged(files["277"], "STC")] == ["F1:65", "A4:35"]
    assert tagged(files["277"], "REF")[0][1] == "1K"


@pytest.mark.parametrize(("units", "action"), [(5, "A1"), (15, "A4"), (30, "A3")])
def test_278_reviews_by_units(
    client: FlaskClient, runtime: Runtime, alice: str, units: int, action: str
) -> None:
    request = build_278(submitter("test"), requests=1, units=units)
    reader = SegmentReader.open(io.BytesIO(request))
    member_id = next(s[9] for s in reader if s[0] == "NM1" and s[1] == "IL")
    request = request.replace(member_id.encode(), ACTIVE.member_id.encode())
    _, files = answered(client, runtime, "test", request, "278")
    assert tagged(files["278"], "HCR")[0][1] == action


def test_non_x12_uploads_get_their_paired_response(
    client: FlaskClient, runtime: Runtime, alice: str
) -> None:
    status, _files = answered(client, runtime, "test", b"MMQ|123|answers\r\n", "MMQ")
    assert status["status"] == "accepted"
    assert [f["transaction_type"] for f in status["response_files"]] == ["MMQR"]
    directory, _ = answered(client, runtime, "test", b"NPI|NAME\r\n", "ACPD")
    assert directory["status"] == "accepted"
    assert directory["response_files"] == []
