"""A failing expectation says what it expected, what it got, and which entries to read."""

from __future__ import annotations

from typing import Any

from simulator.scenarios.client import ClientState
from simulator.scenarios.expectations import Expectations

ENTRIES: list[dict[str, Any]] = [
    {"seq": 1, "operation": "login", "user_id": "ANN", "status": 200, "outcome": "ok"},
    {
        "seq": 2,
        "operation": "upload",
        "user_id": "ANN",
        "status": 201,
        "outcome": "ok",
        "tracking_number": "T1",
    },
    {
        "seq": 3,
        "operation": "login",
        "user_id": "BOB",
        "status": 401,
        "outcome": "invalid_credentials",
    },
]


def judge(expectation: dict[str, Any], state: ClientState | None = None) -> Any:
    def unused(path: str) -> Any:
        raise AssertionError(path)

    return Expectations(unused, "test", state or ClientState("ANN", "x"), ENTRIES).check(
        {"name": "n", **expectation}
    )


def test_a_count_says_expected_and_got_and_shows_matches_and_near_misses() -> None:
    check = judge({"journal": {"operation": "login", "outcome": "ok"}, "exactly": 2})
    assert not check.passed
    assert check.detail == (
        "expected exactly 2 journal entries matching {operation: login, outcome: ok}, got 1"
    )
    assert check.evidence == [1]
    assert check.context == [
        "matching journal entries:",
        "  #1 login user_id=ANN status=200 outcome=ok",
        "nearest journal entries:",
        "  #3 login user_id=BOB status=401 outcome=invalid_credentials",
        "  #2 upload user_id=ANN tracking_number=T1 status=201 outcome=ok",
    ]


def test_ranges_are_spelled_as_the_counts_read() -> None:
    check = judge({"journal": {"operation": "login"}, "at_least": 1, "at_most": 1})
    assert check.detail == "expected 1 to 1 journal entries matching {operation: login}, got 2"
    assert judge({"journal": {"operation": "login"}, "at_most": 1}).detail.startswith(
        "expected at most 1 journal entries"
    )


def test_a_missing_text_names_the_files_that_were_downloaded() -> None:
    state = ClientState("ANN", "x")
    state.downloads.append(
        {"transaction_type": "271", "file_name": "A.271", "content": "ISA*00*  ~EB*6~SE*9~"}
    )
    check = judge({"file_contains": {"transaction_type": "271", "text": "EB*1"}}, state)
    assert check.detail == (
        "expected a downloaded 271 file containing 'EB*1', got 1 271 files without it "
        "(A.271: ISA*00* ~EB*6~SE*9~)"
    )
    assert check.context[0] == "last journal entries:"


def test_statuses_and_errors_say_both_sides() -> None:
    state = ClientState("ANN", "x")
    state.statuses.append(200)
    assert judge({"last_status": 423}, state).detail == "expected last HTTP status 423, got 200"
    assert judge({"last_error": "account_locked"}, state).detail == (
        "expected last error code account_locked, got None"
    )


def test_a_journal_expectation_narrows_by_channel_and_shows_it() -> None:
    entries: list[dict[str, Any]] = [
        {"seq": 1, "channel": "api", "operation": "upload", "status": 201, "outcome": "ok"},
        {"seq": 2, "channel": "core", "operation": "upload", "status": 503, "outcome": "ok"},
    ]

    def unused(path: str) -> Any:
        raise AssertionError(path)

    judged = Expectations(unused, "test", ClientState("ANN", "x"), entries)
    wanted = {"channel": "core", "operation": "upload"}
    assert judged.check({"name": "n", "journal": wanted, "exactly": 1}).passed
    check = judged.check({"name": "n", "journal": wanted, "exactly": 2})
    assert check.evidence == [2]
    assert check.context[:2] == [
        "matching journal entries:",
        "  #2 upload channel=core status=503 outcome=ok",
    ]
