"""Housekeeping a server process runs in rounds, on a daemon thread of its own."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

LOG = logging.getLogger(__name__)


class Rounds:
    """Runs ``task`` every ``interval_seconds`` until stopped.

    A round that fails is logged and the next one runs as planned: housekeeping that hit a
    busy database or a vanished file must not end for the rest of the process's life.
    """

    def __init__(self, name: str, task: Callable[[], object], interval_seconds: float) -> None:
        self._task = task
        self._interval = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._task()
            except Exception:
                LOG.exception("%s: a round failed; the next one runs as planned", self._thread.name)
