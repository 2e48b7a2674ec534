"""``POST /_sim/v1/files`` with ``generate: true``: every outbound X12 type, as MassHealth sends it.

Each generated file comes from MassHealth to the provider, is downloaded by the provider's
user on the site it was placed on, carries that site's ISA15, passes the simulator's own
structure check and, where pyx12 4.0 has a 5010 map for it, pyx12's validation.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from simulator.portal.transactions import TransactionType, download_types
from simulator.sites import SITES
from simulator.x12.validate import Expectation, validate_structure
from tests.web.helpers import basic, create_user

PROVIDER = "110048577A"
# Separators of our X12 in the name: a generated file must not carry them into its segments.
PROVIDER_NAME = "O'Brien * Sons ~ Care: North^East"
USER = "MCO0001"
X12_DOWNLOADS = [kind for kind in download_types() if kind.is_x12]
# pyx12 4.0 has 5010 maps for these; for 005010X279A1 (271), X212 (277), X217 (278), X186A1
# (824) it has none, and it reads no interchange without a functional group (a TA1's).
PYX12_MAPPED = {"277CA", "820", "834", "834D", "834M", "835", "999"}
NPI = "1234567893"
FROZEN_AT = "2026-03-02T10:15:00-05:00"


def generate(client: FlaskClient, site: str, transaction_type: str) -> TestResponse:
    return client.post(
        "/_sim/v1/files",
        json={
            "site": site,
            "provider_id": PROVIDER,
            "transaction_type": transaction_type,
            "generate": True,
        },
    )


def generated_download(client: FlaskClient, site: str, transaction_type: str) -> bytes:
    """A generated file of ``transaction_type``, as the provider's user downloads it."""
    placed = generate(client, site, transaction_type)
    assert placed.status_code == 201, placed.get_json()
    assert placed.get_json()["transaction_type"] == transaction_type
    file_id = placed.get_json()["file_id"]
    download = client.get(f"/{site}/api/v1/files/{file_id}", headers=basic(USER))
    assert download.status_code == 200, download.get_json()
    return download.data


def check_structure(kind: TransactionType, site: str, data: bytes) -> None:
    """Our own structure check, addressed to the provider with the site's usage indicator."""
    assert kind.x12_version is not None
    usage_indicator = SITES[site].usage_indicator
    expectation = Expectation(kind.code[:3], kind.x12_version, usage_indicator, PROVIDER)
    report = validate_structure(io.BytesIO(data), expectation)
    if kind.code == "TA1":  # an interchange of TA1s alone holds no set to accept
        assert report.interchanges, report.as_dict()
        assert all(interchange.accepted for interchange in report.interchanges), report.as_dict()
        assert b"\nTA1*" in data
        return
    assert report.status == "accepted", report.as_dict()
    assert f"\nST*{kind.code[:3]}*".encode() in data
    assert f"*{kind.x12_version}~".encode() in data  # GS08 and ST03: the guide of the type


@pytest.mark.parametrize("kind", X12_DOWNLOADS, ids=lambda kind: kind.code)
def test_every_outbound_x12_type_is_generated_downloadable_and_valid_on_both_sites(
    client: FlaskClient, pyx12_accepts: Callable[[bytes], tuple[bool, str]], kind: TransactionType
) -> None:
    for site in SITES:
        provider = {"site": site, "provider_id": PROVIDER, "name": PROVIDER_NAME, "npi": NPI}
        created = client.post("/_sim/v1/providers", json=provider)
        assert created.status_code == 201, created.get_json()
        create_user(client, site, USER)
        data = generated_download(client, site, kind.code)
        assert data[:3] == b"ISA"
        assert data[32:50] == b"ZZ*DMA7384        "  # ISA05/ISA06: MassHealth sends it
        assert data[51:69] == f"ZZ*{PROVIDER:<15}".encode()  # ISA07/ISA08: to the provider
        assert data[102:103] == SITES[site].usage_indicator.encode()  # ISA15: T or P
        check_structure(kind, site, data)
        if kind.code in PYX12_MAPPED:
            valid, objections = pyx12_accepts(data)
            assert valid, objections


def test_generated_answers_say_what_the_simulator_answers_about_the_documented_members(
    client: FlaskClient,
) -> None:
    create_user(client, "test", USER)
    eligibility = generated_download(client, "test", "271")
    assert b"NM1*IL*1*ACTIVE*MARY****MI*100000000001~\nDMG*" in eligibility
    assert b"EB*1*IND*30*MC*MassHealth Standard~" in eligibility
    assert b"EB*6*IND*30*MC*MassHealth Standard~" in eligibility  # JOHN INACTIVE
    status = generated_download(client, "test", "277")  # accepted, pended, paid, denied
    assert [c for c in (b"P1:20", b"P2:20", b"F1:65", b"F2:104") if c not in status] == []
    assert status.count(b"\nNM1*QC*1*") == 4
    assert b"\nHCR*A1*TEST" in generated_download(client, "test", "278")
    claims = generated_download(client, "test", "277CA")
    assert claims.count(b"\nSTC*A2:20*") == 4
    ack = generated_download(client, "test", "999")
    assert b"\nAK2*837*" in ack
    assert b"\nAK9*A*1*1*1~" in ack
    assert b"\nTA1*" in generated_download(client, "test", "TA1")
    advice = generated_download(client, "test", "824")
    assert b"\nOTI*TA*TN*" in advice
    assert b"*837*005010X222A1~" in advice


def generated_after_reset(client: FlaskClient, seed: int) -> dict[str, bytes]:
    """Every outbound X12 type generated on a test site freshly reset with ``seed``."""
    assert client.post("/_sim/v1/reset", json={"site": "test", "seed": seed}).status_code == 200
    clock = client.post("/_sim/v1/clock", json={"set": FROZEN_AT, "freeze": True})
    assert clock.status_code == 200, clock.get_json()
    create_user(client, "test", USER)
    return {kind.code: generated_download(client, "test", kind.code) for kind in X12_DOWNLOADS}


def test_generated_files_are_the_same_for_the_same_seed_and_differ_for_another(
    client: FlaskClient,
) -> None:
    first = generated_after_reset(client, 41)
    assert generated_after_reset(client, 41) == first
    other = generated_after_reset(client, 42)
    assert [code for code in first if other[code] == first[code]] == []


def test_on_a_site_with_no_roster_the_answers_say_so_and_stay_valid(
    client: FlaskClient, pyx12_accepts: Callable[[bytes], tuple[bool, str]]
) -> None:
    emptied = client.post("/_sim/v1/reset", json={"site": "test", "dataset": "empty"})
    assert emptied.status_code == 200, emptied.get_json()
    create_user(client, "test", USER)
    for kind in X12_DOWNLOADS:
        data = generated_download(client, "test", kind.code)
        check_structure(kind, "test", data)
        if kind.code in PYX12_MAPPED:
            valid, objections = pyx12_accepts(data)
            assert valid, objections
    assert b"\nAAA*Y**75*C~" in generated_download(client, "test", "271")  # not found
    assert b"\nSTC*A3:33*" in generated_download(client, "test", "277CA")  # rejected
    assert b"\nHCR*A3**33~" in generated_download(client, "test", "278")  # not certified
