"""Real-time requests: answered inside the call from the same checks and rules as batch files."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask.testing import FlaskClient

from posc_sim_fixtures.x12_builders import ClaimRef, build_270, build_276, build_837p
from simulator.faults.rules import FaultSpec
from simulator.portal.access import AccountView
from simulator.portal.errors import InvalidRequestError, ProviderNotAuthorizedError
from simulator.portal.files import FileSearch
from simulator.runtime import Runtime
from simulator.x12.reader import SegmentReader
from tests.web.helpers import create_user
from tests.web.test_business import ACTIVE, INACTIVE, UNKNOWN, answered, submitter, tagged

PROVIDER = "110048577A"
CONTROL_NUMBERS = {"ISA": 13, "GS": 6, "ST": 2, "SE": 2, "GE": 2, "IEA": 2}


@pytest.fixture
def alice(client: FlaskClient, runtime: Runtime) -> AccountView:
    """ALICE01 on both sites, acting for one provider; the clock frozen so dates agree."""
    for site in ("test", "prod"):
        create_user(client, site, "ALICE01", providers=[PROVIDER])
    runtime.clock.set(datetime(2026, 2, 3, 14, 30, tzinfo=UTC))
    runtime.clock.freeze(True)
    return runtime.accounts.account("test", "ALICE01")


def segments(data: bytes) -> list[list[str]]:
    return list(SegmentReader.open(io.BytesIO(data)))


def without_control_numbers(data: bytes) -> list[list[str]]:
    """The interchange's segments with ISA13, GS06, ST02, SE02, GE02 and IEA02 blanked."""
    found = segments(data)
    for segment in found:
        position = CONTROL_NUMBERS.get(segment[0])
        if position is not None:
            segment[position] = ""
    return found


def batch_answer(client: FlaskClient, runtime: Runtime, site: str, data: bytes, kind: str) -> bytes:
    """The business response file the batch path makes for ``data``, as written."""
    _, files = answered(client, runtime, site, data, kind)
    response = {"270": "271", "276": "277"}[kind]
    return "".join("*".join(s) + "~\n" for s in files[response]).encode("latin-1")


def test_realtime_271_says_what_the_batch_271_says(
    client: FlaskClient, runtime: Runtime, alice: AccountView
) -> None:
    request = build_270(submitter("test"), members=[ACTIVE, INACTIVE, UNKNOWN])
    batch = batch_answer(client, runtime, "test", request, "270")
    answer = runtime.realtime.answer("test", alice, PROVIDER, request)
    assert answer.transaction_type == "271"
    assert without_control_numbers(answer.content) == without_control_numbers(batch)
    assert [s[1] for s in tagged(segments(answer.content), "EB")] == ["1", "6"]
    assert [s[3] for s in tagged(segments(answer.content), "AAA")] == ["75"]
    assert segments(answer.content)[0][15] == "T"


def test_realtime_277_reports_claims_as_the_batch_277_does(
    client: FlaskClient, runtime: Runtime, alice: AccountView
) -> None:
    prod = runtime.accounts.account("prod", "ALICE01")
    _, first = answered(
        client, runtime, "prod", build_837p(submitter("prod"), members=[ACTIVE]), "837P"
    )
    claim = tagged(first["835"], "CLP")[0]
    asked = [
        ClaimRef(claim[1], ACTIVE, Decimal(claim[3]), date(2026, 1, 10)),
        ClaimRef("NEVER-SENT", ACTIVE, Decimal(10), date(2026, 1, 10)),
    ]
    request = build_276(submitter("prod"), claims=asked)
    batch = batch_answer(client, runtime, "prod", request, "276")
    answer = runtime.realtime.answer("prod", prod, PROVIDER, request)
    assert answer.transaction_type == "277"
    assert without_control_numbers(answer.content) == without_control_numbers(batch)
    assert [s[1] for s in tagged(segments(answer.content), "STC")] == ["F1:65", "A4:35"]
    assert segments(answer.content)[0][15] == "P"


def test_each_answer_has_its_own_control_numbers(runtime: Runtime, alice: AccountView) -> None:
    request = build_270(submitter("test"), members=[ACTIVE])
    first, second = (
        segments(runtime.realtime.answer("test", alice, PROVIDER, request).content)
        for _ in range(2)
    )
    assert first[0][13] != second[0][13]


def test_nothing_is_kept(runtime: Runtime, alice: AccountView) -> None:
    listed = FileSearch(provider_id=PROVIDER)
    before = runtime.files.search(alice, listed)
    runtime.realtime.answer("test", alice, PROVIDER, build_270(submitter("test")))
    assert runtime.files.search(alice, listed) == before
    assert runtime.processor.run_pending() == 0


def test_the_wrong_usage_indicator_is_answered_with_a_ta1(
    runtime: Runtime, alice: AccountView
) -> None:
    answer = runtime.realtime.answer("test", alice, PROVIDER, build_270(submitter("prod")))
    assert answer.transaction_type == "TA1"
    assert tagged(segments(answer.content), "TA1")[0][4:6] == ["R", "020"]


def test_an_interchange_not_for_masshealth_is_answered_with_a_ta1(
    runtime: Runtime, alice: AccountView
) -> None:
    request = build_270(submitter("test")).replace(b"DMA7384", b"OTHER99", 1)
    answer = runtime.realtime.answer("test", alice, PROVIDER, request)
    assert answer.transaction_type == "TA1"
    assert tagged(segments(answer.content), "TA1")[0][4:6] == ["R", "008"]


def test_a_payload_that_is_not_x12_is_answered_with_a_ta1(
    runtime: Runtime, alice: AccountView
) -> None:
    answer = runtime.realtime.answer("test", alice, PROVIDER, b"HELLO, IS ANYONE THERE?")
    assert answer.transaction_type == "TA1"
    assert tagged(segments(answer.content), "TA1")[0][4:6] == ["R", "024"]


def test_a_rejected_set_is_answered_with_its_999(runtime: Runtime, alice: AccountView) -> None:
    request = build_270(submitter("test")).replace(b"BHT*0022*", b"BHT*0099*")
    answer = runtime.realtime.answer("test", alice, PROVIDER, request)
    assert answer.transaction_type == "999"
    assert tagged(segments(answer.content), "IK5")[0][1] == "R"


def test_a_realtime_fault_rejects_the_answer(runtime: Runtime, alice: AccountView) -> None:
    runtime.faults.add(FaultSpec(operation="realtime", action={"type": "reject_999"}, times=1))
    request = build_270(submitter("test"), members=[ACTIVE])
    rejected = runtime.realtime.answer("test", alice, PROVIDER, request)
    assert rejected.transaction_type == "999"
    assert tagged(segments(rejected.content), "AK9")[0][1] == "R"
    assert runtime.realtime.answer("test", alice, PROVIDER, request).transaction_type == "271"


def test_only_eligibility_and_claim_status_are_real_time(
    runtime: Runtime, alice: AccountView
) -> None:
    with pytest.raises(InvalidRequestError, match="holds a transaction set 837"):
        runtime.realtime.answer("test", alice, PROVIDER, build_837p(submitter("test")))


def test_the_sender_must_be_a_provider_of_the_account(runtime: Runtime, alice: AccountView) -> None:
    with pytest.raises(ProviderNotAuthorizedError, match="999999999Z"):
        runtime.realtime.answer("test", alice, "999999999Z", build_270(submitter("test")))
