"""Overriding ``posc_sim_options`` chooses what the ``posc_sim`` simulator is seeded with."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.testing.simulator import Simulator


@pytest.fixture
def posc_sim_options() -> dict[str, Any]:
    return {"dataset": "empty", "seed": 7}


def test_the_fixture_takes_its_options_from_the_override(posc_sim: Simulator) -> None:
    assert (posc_sim.settings.dataset, posc_sim.settings.seed) == ("empty", 7)
    assert posc_sim.control("GET", "/users") == {"users": []}
