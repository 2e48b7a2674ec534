"""Counters in the database: processes add to the same rows, and nothing lowers them."""

from __future__ import annotations

import threading

from simulator.meter import Meter
from simulator.runtime import Runtime
from simulator.store.counters import CounterStore


def test_meters_of_several_processes_add_to_the_same_counters(storage: Runtime) -> None:
    meters = [Meter(CounterStore(storage.database), flush_seconds=0.01) for _ in range(4)]

    def count(meter: Meter) -> None:
        for _ in range(50):
            meter.count("posc_sim_requests", {"site": "test", "operation": "upload"})

    threads = [threading.Thread(target=count, args=(meter,)) for meter in meters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for meter in meters:
        meter.close()
    assert meters[0].read() == [
        ("posc_sim_requests", {"operation": "upload", "site": "test"}, 200.0)
    ]


def test_a_histogram_is_cumulative_buckets_a_sum_and_a_count(storage: Runtime) -> None:
    meter = Meter(CounterStore(storage.database))
    meter.observe("latency", {"site": "prod"}, 0.02)
    meter.observe("latency", {"site": "prod"}, 3.0)
    found = {(name, labels.get("le")): value for name, labels, value in meter.read()}
    meter.close()
    assert ("latency_bucket", "0.01") not in found
    assert found[("latency_bucket", "0.025")] == 1.0
    assert found[("latency_bucket", "5.0")] == 2.0
    assert found[("latency_bucket", "+Inf")] == 2.0
    assert found[("latency_count", None)] == 2.0
    assert found[("latency_sum", None)] == 3.02
