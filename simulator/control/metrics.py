"""``/_sim/v1/metrics``: Prometheus text, the same from every worker and every host.

Counters and histograms come from the shared counter rows of :mod:`simulator.meter`, which
no reset and no journal clearing lowers; gauges (queue depth, files listed, journal size,
what the current fault rules fired) are read from the database at each scrape.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from flask import Blueprint, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from simulator.meter import INFINITY
from simulator.runtime import Runtime
from simulator.store.models import (
    SERVER_STATE_ID,
    Batch,
    FaultRule,
    Job,
    JournalEntry,
    ResponseFile,
    ServerState,
)
from simulator.web.context import runtime

blueprint = Blueprint("metrics", __name__, url_prefix="/v1")

COUNTERS = {
    "posc_sim_requests": "Requests and processing jobs by site, operation, status and outcome "
    "(journal on or off)",
    "posc_sim_jobs_released": "Jobs whose holder process had died (a crash), queued again at "
    "once instead of after the lease",
}
HISTOGRAMS = {
    "posc_sim_request_seconds": "Time to answer a request, by site and operation",
    "posc_sim_processing_seconds": "Time to process an upload (validation and responses)",
}
HISTOGRAM_PARTS = ("_bucket", "_sum", "_count")

Series = dict[tuple[tuple[str, str], ...], float]


class CounterCollector(Collector):
    """The meter's shared counters, as Prometheus counters and histograms."""

    def __init__(self, services: Runtime) -> None:
        self._services = services

    def collect(self) -> Iterator[Metric]:
        series: defaultdict[str, Series] = defaultdict(dict)
        for name, labels, value in self._services.meter.read():
            series[name][tuple(sorted(labels.items()))] = value
        for name, help_text in COUNTERS.items():
            yield _counter(name, help_text, series[name])
        for name, help_text in HISTOGRAMS.items():
            yield _histogram(name, help_text, *(series[name + part] for part in HISTOGRAM_PARTS))


def _counter(name: str, help_text: str, values: Series) -> Metric:
    names = sorted({key for labels in values for key, _ in labels})
    family = CounterMetricFamily(name, help_text, labels=names)
    for labels, value in sorted(values.items()):
        named = dict(labels)
        family.add_metric([named.get(key, "") for key in names], value)
    return family


def _histogram(name: str, help_text: str, buckets: Series, sums: Series, counts: Series) -> Metric:
    names = sorted({key for labels in counts for key, _ in labels})
    family = HistogramMetricFamily(name, help_text, labels=names)
    for labels, _count in sorted(counts.items()):
        named = dict(labels)
        bounds = sorted(
            (
                (dict(bucket)["le"], value)
                for bucket, value in buckets.items()
                if {k: v for k, v in bucket if k != "le"} == named
            ),
            key=lambda pair: float("inf") if pair[0] == INFINITY else float(pair[0]),
        )
        family.add_metric(
            [named[key] for key in names], buckets=bounds, sum_value=sums.get(labels, 0.0)
        )
    return family


class DatabaseCollector(Collector):
    """Gauges: the state of the database at the scrape."""

    def __init__(self, services: Runtime) -> None:
        self._services = services

    def collect(self) -> Iterator[Metric]:
        with self._services.database.reading() as session:
            yield from _job_gauges(session)
            yield from _batch_gauges(session)
            yield _fault_gauge(session)
            files = GaugeMetricFamily(
                "posc_sim_response_files", "Files in download lists", labels=["site"]
            )
            for site, count in session.execute(
                select(ResponseFile.site, func.count()).group_by(ResponseFile.site)
            ):
                files.add_metric([site], count)
            yield files
            swept = CounterMetricFamily(
                "posc_sim_orphans_removed",
                "Files the orphan sweeps removed: blobs no row names, old temporary files",
                labels=["kind"],
            )
            server = session.get(ServerState, SERVER_STATE_ID)
            if server is not None:
                swept.add_metric(["blob"], server.orphan_blobs_removed)
                swept.add_metric(["temporary"], server.orphan_temporary_removed)
            yield swept
            size = session.scalar(select(func.count()).select_from(JournalEntry)) or 0
            yield GaugeMetricFamily("posc_sim_journal_entries", "Journal size", value=size)


def _job_gauges(session: Session) -> Iterator[Metric]:
    jobs = GaugeMetricFamily("posc_sim_jobs", "Processing jobs by state", labels=["state"])
    queued: dict[str, int] = {}
    for state, site, count in session.execute(
        select(Job.state, Job.site, func.count()).group_by(Job.state, Job.site)
    ):
        jobs.add_metric([state], count)
        if state == "queued":
            queued[site] = count
    yield jobs
    depth = GaugeMetricFamily(
        "posc_sim_queue_depth", "Uploads waiting to be processed", labels=["site"]
    )
    for site, count in sorted(queued.items()):
        depth.add_metric([site], count)
    yield depth


def _batch_gauges(session: Session) -> Iterator[Metric]:
    kept = GaugeMetricFamily("posc_sim_batches", "Uploads kept (until a reset)", labels=["site"])
    size = GaugeMetricFamily(
        "posc_sim_batch_bytes", "Bytes of the uploads kept (until a reset)", labels=["site"]
    )
    for site, count, total in session.execute(
        select(Batch.site, func.count(), func.coalesce(func.sum(Batch.total_bytes), 0)).group_by(
            Batch.site
        )
    ):
        kept.add_metric([site], count)
        size.add_metric([site], total)
    yield kept
    yield size


def _fault_gauge(session: Session) -> Metric:
    fired: dict[str, int] = {}
    for action, count in session.execute(select(FaultRule.action, FaultRule.fired)):
        kind = str(action.get("type", ""))
        fired[kind] = fired.get(kind, 0) + count
    faults = GaugeMetricFamily(
        "posc_sim_fault_rules_fired", "Times the current fault rules fired", labels=["type"]
    )
    for kind, count in sorted(fired.items()):
        faults.add_metric([kind], count)
    return faults


@blueprint.get("/metrics")
def metrics() -> Response:
    registry = CollectorRegistry(auto_describe=False)
    services = runtime()
    registry.register(CounterCollector(services))
    registry.register(DatabaseCollector(services))
    return Response(generate_latest(registry), mimetype="text/plain; version=0.0.4")
