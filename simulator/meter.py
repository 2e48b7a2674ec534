"""Counting what the server does, for ``/_sim/v1/metrics``, apart from the journal.

Each process adds up its counts in memory and writes them to the database
(:class:`~simulator.store.counters.CounterStore`) at most ``flush_seconds`` after they happen,
in one write transaction per flush instead of one per request. Every worker and every host
adds to the same rows, so a scrape answered by any of them sees them all; nothing here is
wiped by a reset or by clearing the journal, so the counters never go backwards.

A histogram is kept as Prometheus lays it out: a cumulative ``<name>_bucket`` counter per
upper bound ``le``, with ``<name>_sum`` and ``<name>_count``.
"""

from __future__ import annotations

import atexit
import functools
import logging
import math
import os
import threading
from collections import defaultdict
from collections.abc import Mapping

from simulator.store.counters import CounterStore

LOG = logging.getLogger(__name__)
FLUSH_SECONDS = 1.0
# Upper bounds in seconds: requests take milliseconds, processing jobs up to minutes.
SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
INFINITY = "+Inf"


def label_text(labels: Mapping[str, str]) -> str:
    """Labels as one canonical string (sorted ``name=value`` pairs joined by commas)."""
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def parse_label_text(text: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in text.split(",")) if text else {}


class Meter:
    """Counters and histograms of one process, written to the shared store in the background."""

    def __init__(self, store: CounterStore, flush_seconds: float = FLUSH_SECONDS) -> None:
        self._store = store
        self._flush_seconds = flush_seconds
        self._pending: defaultdict[tuple[str, str], float] = defaultdict(float)
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None
        self._flusher_pid = 0
        self._stopping = threading.Event()

    def count(self, name: str, labels: Mapping[str, str], amount: float = 1.0) -> None:
        key = (name, _label_key(tuple(labels.items())))
        with self._lock:
            self._pending[key] += amount
            self._keep_flushing()

    def observe(self, name: str, labels: Mapping[str, str], seconds: float) -> None:
        """One observation of a histogram in seconds."""
        buckets, total, count = _histogram_keys(name, tuple(labels.items()))
        with self._lock:
            pending = self._pending
            for bound, key in buckets:
                if seconds <= bound:
                    pending[key] += 1.0
            pending[total] += seconds
            pending[count] += 1.0
            self._keep_flushing()

    def _keep_flushing(self) -> None:
        if self._flusher is None or self._flusher_pid != os.getpid():
            self._start_flusher()

    def _start_flusher(self) -> None:
        """A daemon thread per process, started at the first count (again after a fork)."""
        self._flusher_pid = os.getpid()
        self._stopping.clear()
        self._flusher = threading.Thread(target=self._flush_forever, name="posc-sim-meter")
        self._flusher.daemon = True
        self._flusher.start()
        atexit.register(self.flush)

    def _flush_forever(self) -> None:
        while not self._stopping.wait(self._flush_seconds):
            try:
                self.flush()
            except Exception:  # the database is away for now: the counts wait for the next try
                LOG.exception("could not write the metric counters")

    def flush(self) -> None:
        """Write what this process counted so far; on failure it is kept for the next flush."""
        with self._lock:
            pending, self._pending = dict(self._pending), defaultdict(float)
        if not pending:
            return
        try:
            self._store.add(pending)
        except Exception:
            with self._lock:
                for key, amount in pending.items():
                    self._pending[key] += amount
            raise

    def close(self) -> None:
        """Stop the background writer and write what is left."""
        self._stopping.set()
        flusher, self._flusher = self._flusher, None
        if flusher is not None:
            flusher.join(timeout=5)
            atexit.unregister(self.flush)
        self.flush()

    def read(self) -> list[tuple[str, dict[str, str], float]]:
        """Every counter of every process (this one's pending counts written first)."""
        self.flush()
        return [(name, parse_label_text(text), value) for name, text, value in self._store.read()]


@functools.lru_cache(maxsize=4096)
def _label_key(labels: tuple[tuple[str, str], ...]) -> str:
    """Label text, made once per label set: a request pays a cache look-up."""
    return label_text(dict(labels))


Key = tuple[str, str]


@functools.lru_cache(maxsize=4096)
def _histogram_keys(
    name: str, labels: tuple[tuple[str, str], ...]
) -> tuple[tuple[tuple[float, Key], ...], Key, Key]:
    """Each bucket's upper bound and counter key (``+Inf`` last), the sum's and the count's."""
    named = dict(labels)
    bounds = [*SECONDS_BUCKETS, math.inf]
    buckets = tuple(
        (bound, (f"{name}_bucket", label_text({**named, "le": _bound(bound)}))) for bound in bounds
    )
    plain = label_text(named)
    return buckets, (f"{name}_sum", plain), (f"{name}_count", plain)


def _bound(bound: float) -> str:
    return INFINITY if math.isinf(bound) else repr(float(bound))
