"""The transaction registry: each entry is an upload type, checked and answered end to end.

No database: the business rules run on a fake roster and claim book, which is all their
context asks for.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import count

import pytest

from posc_sim_fixtures.x12_builders import SUBMITTED_KINDS, Submitter, build
from simulator.portal.access import ProviderView
from simulator.portal.answering import Answerer, examine
from simulator.portal.errors import UnknownTransactionTypeError
from simulator.portal.registry import REALTIME_TYPES, X12_BY_CODE, X12_UPLOADS, X12Transaction
from simulator.portal.transactions import download_type, upload_type, upload_types
from simulator.sites import TEST
from simulator.store.claims import ClaimRecord
from simulator.store.members import MemberRecord
from simulator.x12.reader import SegmentReader
from simulator.x12.sets import FUNCTIONAL_IDS

NOW = datetime(2026, 2, 3, 14, 30, tzinfo=UTC)


class EmptyRoster:
    def members(self, site: str, member_ids: Sequence[str]) -> Iterable[MemberRecord]:
        return []


class NoClaims:
    def latest(self, site: str, provider_pk: int, reference: str, value: str) -> ClaimRecord | None:
        return None


class Counters:
    def __init__(self) -> None:
        self._counters: dict[str, count[int]] = {}

    def take(self, name: str) -> int:
        return next(self._counters.setdefault(name, count(1)))


def answerer() -> Answerer:
    return Answerer(
        profile=TEST,
        provider=ProviderView("110048577A", "A CLINIC", "1234567893", 1),
        user_id="SUB000001",
        now=NOW,
        numbers=Counters(),
        roster=EmptyRoster(),
        claims=NoClaims(),
        received_at=NOW,
        tracking_number="100000000001",
    )


@pytest.mark.parametrize("entry", X12_UPLOADS, ids=lambda entry: entry.code)
def test_each_entry_is_an_upload_type_with_its_guide(entry: X12Transaction) -> None:
    kind = upload_type(entry.code)
    assert (kind.x12_version, kind.response) == (entry.guide, entry.response)
    assert entry.set_kind.shape is not None  # every type taken in is checked for its shape


def test_real_time_types_are_eligibility_and_claim_status() -> None:
    assert REALTIME_TYPES == ("270", "276")


def test_every_entry_has_a_builder() -> None:
    assert set(SUBMITTED_KINDS) == set(X12_BY_CODE)


@pytest.mark.parametrize("code", SUBMITTED_KINDS)
def test_a_built_file_of_each_type_is_accepted_and_answered(code: str) -> None:
    """The fixtures' builder for a registry code makes a file the checks accept, and the
    entry's responder answers it with the entry's response type."""
    entry = X12_BY_CODE[code]
    data = build(code, Submitter("SUB000001"))
    kind = upload_type(code)
    report = examine(kind, TEST, "structure", lambda: io.BytesIO(data))
    assert report.status == "accepted", report.as_dict()
    files, _ = answerer().responses(kind, report, lambda: io.BytesIO(data))
    assert [transaction_type for transaction_type, _ in files] == (
        [entry.response] if entry.response else []
    )
    for _, content in files:
        segments = list(SegmentReader.open(io.BytesIO(content)))
        assert segments[1][1] == FUNCTIONAL_IDS[str(entry.response)[:3]]


def test_an_820_is_taken_in_through_core_alone() -> None:
    """MassHealth issues 820s: the pages and the API list it as a download only, while a
    CAQH CORE batch submission of ``X12_820_Request_005010X218`` is an upload of it."""
    assert upload_type("820", "core").x12_version == "005010X218"
    for channel in ("web", "api"):
        with pytest.raises(UnknownTransactionTypeError, match="CAQH CORE"):
            upload_type("820", channel)
        assert "820" not in {kind.code for kind in upload_types(channel)}
    assert "820" in {kind.code for kind in upload_types("core")}
    assert download_type("820").x12_version == "005010X218"
