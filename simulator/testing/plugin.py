"""pytest fixtures for testing a POSC client against the simulator (entry point ``posc_sim``).

- ``posc_sim``: a fresh :class:`~simulator.testing.simulator.Simulator` for each test, on a
  folder under the test's ``tmp_path``, closed after the test. Override the
  ``posc_sim_options`` fixture to pass it other arguments (``dataset``, ``seed``, settings).
- ``posc_sim_server``: a real ``posc-sim serve`` process on a free loopback port, for clients
  that are not Python; it has ``url``, ``test_url``, ``prod_url`` and ``control_url``.
- ``@pytest.mark.posc_sim_scenario(path)``: ``posc_sim`` starts as the scenario file sets up
  (site, seed, data set, ``given``; see :mod:`simulator.testing.given`); a relative path is
  from the test file's folder.

The simulator modules are imported inside the fixtures, so that pytest runs that never use
them do not pay for importing Flask and SQLAlchemy at start-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from simulator.testing.server import SimulatorServer
    from simulator.testing.simulator import Simulator

SCENARIO_MARKER = "posc_sim_scenario"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{SCENARIO_MARKER}(path): the posc_sim fixture starts as this scenario file sets "
        "up (its site, seed, dataset and given block)",
    )


@pytest.fixture
def posc_sim_options() -> dict[str, Any]:
    """Keyword arguments for the ``posc_sim`` simulator; override it to choose them."""
    return {}


@pytest.fixture
def posc_sim(
    request: pytest.FixtureRequest, tmp_path: Path, posc_sim_options: dict[str, Any]
) -> Iterator[Simulator]:
    """A fresh in-process simulator; jobs run only when the test calls ``process_jobs()``."""
    from simulator.testing.given import set_up_scenario
    from simulator.testing.simulator import Simulator

    options = {"data_dir": tmp_path / "posc-sim", **posc_sim_options}
    with Simulator(**options) as simulator:
        scenario = _scenario_path(request)
        if scenario is not None:
            set_up_scenario(simulator, scenario)
        yield simulator


@pytest.fixture
def posc_sim_server(tmp_path: Path) -> Iterator[SimulatorServer]:
    """A live server for this test, stopped (by its process ID) after it."""
    from simulator.testing.server import start_server

    server = start_server(tmp_path / "posc-sim-server")
    try:
        yield server
    finally:
        server.stop()


def _scenario_path(request: pytest.FixtureRequest) -> Path | None:
    marker = request.node.get_closest_marker(SCENARIO_MARKER)
    if marker is None:
        return None
    if len(marker.args) != 1 or marker.kwargs:
        pytest.fail(f"{SCENARIO_MARKER} takes one argument: the file's path", pytrace=False)
    path = Path(marker.args[0])
    return path if path.is_absolute() else request.path.parent / path
