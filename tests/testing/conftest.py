"""Loads the ``posc_sim`` pytest plugin for these tests while its entry point is not registered.

Once ``posc_sim = "simulator.testing.plugin"`` is a ``pytest11`` entry point, pytest loads the
plugin itself under that name; the check below then finds it and registers nothing twice.
"""

from __future__ import annotations

import pytest

from simulator.testing import plugin


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.is_registered(plugin):
        config.pluginmanager.register(plugin, "posc_sim")
