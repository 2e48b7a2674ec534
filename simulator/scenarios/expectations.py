"""Judging a scenario's ``expect`` list against the journal and the server's state.

A verdict says what was expected and what was found, and carries the journal entries a person
would look at next: those that matched, and those that came nearest to matching.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.scenarios.certified import certification_verdict
from simulator.scenarios.client import ClientState

# A control API read: path under /_sim/v1 -> the JSON answer.
ControlRead = Callable[[str], Any]
SHOWN_ENTRIES = 5


@dataclass
class Check:
    """One expectation's verdict; ``context`` lists the journal entries worth reading."""

    name: str
    passed: bool
    detail: str
    evidence: list[int] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    seconds: float = 0.0


Verdict = tuple[bool, str, list[dict[str, Any]]]


class Expectations:
    """Evaluates expectations against the journal and the server's state."""

    def __init__(
        self, read: ControlRead, site: str, state: ClientState, entries: list[dict[str, Any]]
    ) -> None:
        self.read = read
        self.site = site
        self.state = state
        self.entries = entries

    def check(self, expectation: dict[str, Any]) -> Check:
        started = time.perf_counter()
        verdict = self._verdict(expectation)
        check = Check(expectation["name"], *verdict[:2])
        check.evidence = [e["seq"] for e in verdict[2]]
        if not check.passed:
            check.context = self._context(expectation, verdict[2])
        check.seconds = time.perf_counter() - started
        return check

    def _verdict(self, expectation: dict[str, Any]) -> Verdict:
        for key, method in (
            ("journal", self._journal),
            ("uploads", self._uploads),
            ("every_upload_999_downloaded", self._acknowledged),
            ("downloads_in_order", self._ordered),
            ("file_contains", self._contains),
            ("last_status", self._last_status),
            ("last_error", self._last_error),
            ("certification", self._certification),
        ):
            if key in expectation:
                return method(expectation)
        return False, "the expectation says nothing to check", []

    def _context(self, expectation: dict[str, Any], matched: list[dict[str, Any]]) -> list[str]:
        """Matching entries, then the nearest others; failing those, the last ones."""
        wanted = expectation.get("journal", {})
        lines = []
        if matched:
            lines += ["matching journal entries:", *map(describe_entry, matched[:SHOWN_ENTRIES])]
        near = nearest_entries(self.entries, wanted, exclude=matched)
        if near:
            lines += ["nearest journal entries:", *map(describe_entry, near)]
        if not lines and self.entries:
            lines += ["last journal entries:", *map(describe_entry, self.entries[-SHOWN_ENTRIES:])]
        return lines or ["the journal of this site is empty"]

    def _journal(self, expectation: dict[str, Any]) -> Verdict:
        entries = self.entries
        if "after" in expectation:
            first = next((e for e in entries if matches(e, expectation["after"])), None)
            entries = [e for e in entries if first and e["seq"] > first["seq"]]
        found = [e for e in entries if matches(e, expectation["journal"])]
        wanted = f"{count_phrase(expectation)} journal entries {describe_filter(expectation)}"
        return counted(len(found), expectation), f"expected {wanted}, got {len(found)}", found

    def _uploads(self, expectation: dict[str, Any]) -> Verdict:
        wanted = expectation["uploads"]
        numbers = self.state.tracking_numbers or [
            e["tracking_number"]
            for e in self.entries
            if e["operation"] == "upload" and e["tracking_number"]
        ]
        if "has_tracking_number" in wanted:
            have = [n is not None for n in numbers]
            passed = bool(have) and all(h == wanted["has_tracking_number"] for h in have)
            expected = "a" if wanted["has_tracking_number"] else "no"
            return passed, f"expected {expected} tracking number on every upload, got {numbers}", []
        if not numbers:
            return False, "expected uploads to judge, got none", []
        problems = [p for number in numbers if number for p in self._batch_problems(number, wanted)]
        if not counted(len(numbers), expectation):
            problems.append(f"expected {count_phrase(expectation)} uploads, got {len(numbers)}")
        return not problems, "; ".join(problems) or f"{len(numbers)} uploads as expected", []

    def _batch_problems(self, number: str, wanted: dict[str, Any]) -> list[str]:
        batch = self.read(f"/batches/{self.site}/{number}")
        problems = []
        if "status" in wanted and batch["status"] != wanted["status"]:
            problems.append(f"{number}: expected status {wanted['status']}, got {batch['status']}")
        kinds = sorted(f["transaction_type"] for f in batch["response_files"])
        if "response_types" in wanted and kinds != sorted(wanted["response_types"]):
            expected = sorted(wanted["response_types"])
            problems.append(f"{number}: expected response files {expected}, got {kinds}")
        if "ta1_note" in wanted:
            notes = [
                i.get("note_code")
                for f in (batch.get("report") or {}).get("files", [])
                for i in f.get("interchanges", [])
            ]
            if wanted["ta1_note"] not in notes:
                problems.append(f"{number}: expected TA1 note {wanted['ta1_note']}, got {notes}")
        return problems

    def _acknowledged(self, _expectation: dict[str, Any]) -> Verdict:
        numbers = [n for n in self.state.tracking_numbers if n]
        missing = [n for n in numbers if not self._acknowledgement_downloaded(n)]
        if not numbers:
            return False, "expected uploads whose 999 or TA1 was downloaded, got no uploads", []
        if missing:
            return False, f"expected every 999 or TA1 downloaded, got none for {missing}", []
        return True, f"{len(numbers)} acknowledgements downloaded", []

    def _acknowledgement_downloaded(self, number: str) -> bool:
        batch = self.read(f"/batches/{self.site}/{number}")
        acks = [f for f in batch["response_files"] if f["transaction_type"] in ("999", "TA1")]
        return bool(acks) and all(f["date_last_downloaded"] for f in acks)

    def _ordered(self, _expectation: dict[str, Any]) -> Verdict:
        dates = [d["date_available"] for d in self.state.downloads]
        passed = dates == sorted(dates) and bool(dates)
        return passed, f"expected downloads oldest first, got dates available {dates}", []

    def _contains(self, expectation: dict[str, Any]) -> Verdict:
        wanted = expectation["file_contains"]
        kind, text = wanted["transaction_type"], wanted["text"]
        files = [d for d in self.state.downloads if d["transaction_type"] == kind]
        holding = [d["file_name"] for d in files if text in d["content"]]
        if holding:
            return True, f"{text!r} found in {holding}", []
        got = [f"{d['file_name']}: {_opening(d['content'])}" for d in files]
        detail = f"expected a downloaded {kind} file containing {text!r}, got "
        detail += f"{len(files)} {kind} files without it" + (f" ({'; '.join(got)})" if got else "")
        return False, detail, []

    def _last_status(self, expectation: dict[str, Any]) -> Verdict:
        last = self.state.statuses[-1] if self.state.statuses else None
        wanted = expectation["last_status"]
        return last == wanted, f"expected last HTTP status {wanted}, got {last}", []

    def _certification(self, expectation: dict[str, Any]) -> Verdict:
        passed, detail = certification_verdict(self.read, expectation["certification"])
        return passed, detail, []

    def _last_error(self, expectation: dict[str, Any]) -> Verdict:
        last = self.state.errors[-1] if self.state.errors else None
        wanted = expectation["last_error"]
        return last == wanted, f"expected last error code {wanted}, got {last}", []


def _opening(content: str, width: int = 60) -> str:
    """The first characters of a file, enough to recognize it."""
    flat = " ".join(content.split())
    return flat if len(flat) <= width else flat[:width] + "..."


def matches(entry: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    return all(_field_matches(entry, key, value) for key, value in wanted.items())


def _field_matches(entry: Mapping[str, Any], key: str, value: Any) -> bool:
    if key == "fault":
        return bool(entry.get("fault_id")) is bool(value)
    return bool(entry.get(key) == value)


def nearest_entries(
    entries: list[dict[str, Any]], wanted: Mapping[str, Any], exclude: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Entries that agree with the most fields of ``wanted`` (at least one), latest first."""
    skipped = {e["seq"] for e in exclude}
    scored = [
        (sum(_field_matches(e, k, v) for k, v in wanted.items()), e["seq"], e)
        for e in entries
        if e["seq"] not in skipped
    ]
    ranked = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], -s[1]))
    return [entry for _, _, entry in ranked[:SHOWN_ENTRIES]]


def describe_entry(entry: Mapping[str, Any]) -> str:
    """One journal entry on one line, the fields an expectation may name."""
    fields = [
        "channel",
        "user_id",
        "provider_id",
        "tracking_number",
        "status",
        "outcome",
        "fault_id",
    ]
    named = " ".join(f"{k}={entry[k]}" for k in fields if entry.get(k) not in (None, ""))
    return f"  #{entry['seq']} {entry.get('operation')} {named}"


def describe_filter(expectation: Mapping[str, Any]) -> str:
    text = f"matching {_inline(expectation['journal'])}"
    if "after" in expectation:
        text += f" after the first matching {_inline(expectation['after'])}"
    return text


def _inline(wanted: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in wanted.items()) + "}"


def count_phrase(expectation: Mapping[str, Any]) -> str:
    """``exactly 2``, ``at least 1``, ``at most 4`` or ``1 to 4``, as ``counted`` reads them."""
    if "exactly" in expectation:
        return f"exactly {expectation['exactly']}"
    least = int(expectation.get("at_least", 0 if "at_most" in expectation else 1))
    most = expectation.get("at_most")
    if most is not None:
        return f"{least} to {most}" if least else f"at most {most}"
    return f"at least {least}"


def counted(count: int, expectation: Mapping[str, Any]) -> bool:
    """``exactly``, ``at_least`` and ``at_most``; with none of them, at least one."""
    if "exactly" in expectation:
        return count == int(expectation["exactly"])
    if "at_most" in expectation and count > int(expectation["at_most"]):
        return False
    least = int(expectation.get("at_least", 0 if "at_most" in expectation else 1))
    return count >= least
