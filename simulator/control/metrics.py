"""``/_sim/v1/metrics``: Prometheus text, computed from the shared database at each scrape.

Counting in each worker's memory would answer differently depending on which worker took the
scrape; reading the database answers the same from all of them.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from simulator.clock import SERVER_STATE_ID
from simulator.runtime import Runtime
from simulator.store.models import (
    Batch,
    FaultRule,
    Job,
    JournalEntry,
    ResponseFile,
    ServerState,
)
from simulator.web.context import runtime

blueprint = Blueprint("metrics", __name__, url_prefix="/v1")


class DatabaseCollector(Collector):
    def __init__(self, services: Runtime) -> None:
        self._services = services

    def collect(self) -> Iterator[Metric]:
        with self._services.database.reading() as session:
            requests = CounterMetricFamily(
                "posc_sim_requests",
                "Journaled requests by site, operation and status",
                labels=["site", "operation", "status"],
            )
            for site, operation, status, count in session.execute(
                select(
                    JournalEntry.site, JournalEntry.operation, JournalEntry.status, func.count()
                ).group_by(JournalEntry.site, JournalEntry.operation, JournalEntry.status)
            ):
                requests.add_metric([site, operation, str(status or "")], count)
            yield requests
            uploads = CounterMetricFamily("posc_sim_uploads", "Uploads kept", labels=["site"])
            upload_bytes = CounterMetricFamily(
                "posc_sim_upload_bytes", "Bytes uploaded", labels=["site"]
            )
            for site, count, size in session.execute(
                select(
                    Batch.site, func.count(), func.coalesce(func.sum(Batch.total_bytes), 0)
                ).group_by(Batch.site)
            ):
                uploads.add_metric([site], count)
                upload_bytes.add_metric([site], size)
            yield uploads
            yield upload_bytes
            faults = CounterMetricFamily(
                "posc_sim_faults_fired", "Faults fired by action type", labels=["type"]
            )
            fired: dict[str, int] = {}
            for action, count in session.execute(select(FaultRule.action, FaultRule.fired)):
                kind = str(action.get("type", ""))
                fired[kind] = fired.get(kind, 0) + count
            for kind, count in sorted(fired.items()):
                faults.add_metric([kind], count)
            yield faults
            jobs = GaugeMetricFamily("posc_sim_jobs", "Processing jobs by state", labels=["state"])
            for state, count in session.execute(
                select(Job.state, func.count()).group_by(Job.state)
            ):
                jobs.add_metric([state], count)
            yield jobs
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


@blueprint.get("/metrics")
def metrics() -> Response:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(runtime()))
    return Response(generate_latest(registry), mimetype="text/plain; version=0.0.4")
