"""The simulator inside a test process: no server, no network.

- :mod:`simulator.testing.simulator`: :class:`~simulator.testing.simulator.Simulator`, a fresh
  simulator on its own data directory, with set-up helpers and a Flask test client.
- :mod:`simulator.testing.mock`: ``mock_posc``, which answers ``requests`` calls to a base URL
  from a ``Simulator`` (needs the ``responses`` package).
- :mod:`simulator.testing.plugin`: the pytest fixtures ``posc_sim`` and ``posc_sim_server``,
  and the ``posc_sim_scenario`` marker.

Nothing is imported here, so that loading the pytest plugin stays cheap and does not need
``responses``.
"""
