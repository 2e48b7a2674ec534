"""The gunicorn worker: how many connections it takes while its threads are busy."""

from __future__ import annotations

from types import SimpleNamespace

from simulator.workers import deadline_thread_worker

THREADS = 4


def test_a_worker_accepts_while_fewer_connections_are_served_than_it_has_threads() -> None:
    """gunicorn stops accepting at ``worker_connections``; idle keep-alive connections wait in
    the poller, so they are added to the threads and a busy worker still takes no new client."""
    worker = deadline_thread_worker(5.0)
    idle = ["kept-alive"] * 3
    state = SimpleNamespace(cfg=SimpleNamespace(threads=THREADS), keepalived_conns=idle)
    assert worker.worker_connections.fget(state) == THREADS + 3
    worker.worker_connections.fset(state, 1000)  # gunicorn's configured figure at start
    assert worker.worker_connections.fget(state) == THREADS + 3
    idle.clear()
    assert worker.worker_connections.fget(state) == THREADS
