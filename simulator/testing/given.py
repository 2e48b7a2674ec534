"""A Simulator set up as a scenario file says: its site, data set, seed and ``given`` block.

The files are those of :mod:`simulator.scenarios` (built-in ones in its ``builtin/``), read and
checked key by key by its :func:`~simulator.scenarios.schema.load_scenario` (a JSON file is YAML
too). Only the set-up is used: ``run`` and ``expect`` belong to the scenario runner. The
``given`` block is applied with the runner's calls, in the runner's order, so a test that
starts from a scenario file starts where ``posc-sim scenario`` runs would.
"""

from __future__ import annotations

from pathlib import Path

from simulator.scenarios.schema import load_scenario
from simulator.scenarios.setup import apply_given
from simulator.testing.simulator import Simulator

DEFAULT_SITE = "test"


def set_up_scenario(simulator: Simulator, path: Path) -> None:
    """Reseed the scenario's site if it names a ``seed`` or ``dataset``, then apply ``given``.

    Without either, the simulator keeps the data set it was made with.
    """
    scenario = load_scenario(path)
    site = scenario.get("site", DEFAULT_SITE)
    if "seed" in scenario or "dataset" in scenario:
        simulator.reset(
            site=site, dataset=scenario.get("dataset", "demo"), seed=scenario.get("seed", 1)
        )
    apply_given(simulator.control, site, scenario.get("given", {}))
