"""The scenario expectation "this organization ends certified for 837P" (CONTRACT §9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

# A control API read: path under /_sim/v1 (with its query) -> the JSON answer.
ControlRead = Callable[[str], Any]


def certification_verdict(read: ControlRead, wanted: dict[str, Any]) -> tuple[bool, str]:
    """``wanted``: ``organization``, ``transaction_type``, ``status`` (default ``certified``),
    and optionally ``passes`` and ``test_files`` (how many test files were judged)."""
    query = urlencode({"site": "test", "organization": wanted["organization"]})
    answer = read(f"/certification?{query}")
    types = [t for o in answer["organizations"] for t in o["types"]]
    found = next((t for t in types if t["transaction_type"] == wanted["transaction_type"]), None)
    if found is None:
        return False, f"{wanted['organization']} has no standing for {wanted['transaction_type']}"
    got = {
        "status": found["status"],
        "passes": found["passes"],
        "test_files": len(found["evidence"]),
    }
    expected = {"status": "certified", **{k: v for k, v in wanted.items() if k in got}}
    wrong = {key: got[key] for key in expected if got[key] != expected[key]}
    outcomes = ", ".join(f"{e['tracking_number']} {e['outcome']}" for e in found["evidence"])
    detail = f"{wanted['transaction_type']}: {got}; test files: {outcomes or 'none'}"
    if wrong:
        return False, f"expected {expected}, got {detail}"
    return True, detail
