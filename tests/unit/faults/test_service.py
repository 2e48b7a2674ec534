from __future__ import annotations

from pathlib import Path

from simulator.clock import Clock
from simulator.faults.rules import parse_rule
from simulator.faults.service import FaultService
from simulator.runtime import Runtime
from simulator.store.marker import ChangeMarker


def worker(storage: Runtime, marker: Path) -> FaultService:
    """A fault service as one server process has it: its own kept state, the shared marker."""
    return FaultService(storage.database, Clock(storage.database), ChangeMarker(marker))


def test_a_rule_added_by_one_worker_fires_in_another_that_had_kept_none(
    storage: Runtime, tmp_path: Path
) -> None:
    control, serving = worker(storage, tmp_path / "m"), worker(storage, tmp_path / "m")
    assert serving.fire("test", ("upload",), {"reject_oversize"}) is None  # "no rules" kept
    control.add(
        parse_rule({"site": "test", "operation": "upload", "action": {"type": "reject_oversize"}})
    )
    fired = serving.fire("test", ("upload",), {"reject_oversize"})
    assert fired is not None
    assert fired.kind == "reject_oversize"
    control.clear()
    assert serving.fire("test", ("upload",), {"reject_oversize"}) is None
