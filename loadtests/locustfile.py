"""The Locust suite of the POSC simulator, against a running ``posc-sim serve``.

    locust -f loadtests/locustfile.py --host http://127.0.0.1:8080 --headless -u 10 -r 10 -t 15s

Run it from the project root (Locust puts the working directory on ``sys.path``, which is how
this file finds the ``loadtests`` package). At test start it creates the logins it needs
through the control API (409, already there, is fine), so a fresh server needs no set-up; with
faults on it also adds fault rules, and removes them when the test stops. The users are in
``loadtests/users.py``: Uploader, Poller, Downloader, WebUser, TradingPartnerDay and CoreUser
(name some on the command line to run only those). Profiles for ``--config`` are in
loadtests/profiles/.

Settings: an environment variable, or the flag (a ``posc-…`` key in a profile):

    POSC_SIM_LOAD_SITE      --posc-site      test          site the users work on (test, prod)
    POSC_SIM_LOAD_FILE_KB   --posc-file-kb   5             size of each uploaded file, in KB
    POSC_SIM_LOAD_ACCOUNTS  --posc-accounts  10            logins LOAD0001... the users share
    POSC_SIM_LOAD_KINDS     --posc-kinds     837P,270,276  kinds of X12 file uploaded in turn
    POSC_SIM_FAULTS=1       --posc-faults    off           5 % 503 with Retry-After on every
                                                           operation, downloads 300 ms late
    POSC_SIM_LOAD_HOSTS     --posc-hosts     --host        root URLs of several hosts of one
                                                           simulator, the users spread over them
    POSC_SIM_ADMIN_TOKEN                                   bearer token of /_sim/v1, if any

With several hosts, the logins are created on each (409 where they share a database), the
fault rules only on the first (the hosts of one simulator share them), and the master (or the
single process) writes ``<csv prefix>_hosts.csv``: the requests and failures each host got,
counted by the workers and sent to the master with their statistics.
"""

from __future__ import annotations

import csv
import logging
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import gevent
from locust import events
from locust.env import Environment
from locust.rpc import Message
from locust.runners import MasterRunner, WorkerRunner
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

from loadtests.control import ControlClient, ControlError
from loadtests.payloads import PASSWORD, PROVIDER_ID
from loadtests.users import (  # noqa: F401  (Locust runs the user classes it finds here)
    RETRY_TYPE,
    CoreUser,
    Downloader,
    LoadSettings,
    Poller,
    TradingPartnerDay,
    Uploader,
    WebUser,
)

logger = logging.getLogger("posc-sim")

# With --posc-faults: every request may meet a 503 (the users retry it after Retry-After),
# and downloads come 300 ms late.
FAULT_RULES: tuple[dict[str, Any], ...] = (
    {
        "operation": "any",
        "action": {"type": "error", "status": 503, "retry_after": 1},
        "probability": 0.05,
    },
    {"operation": "download", "action": {"type": "delay", "ms": 300}},
)
_added_faults: list[str] = []
HOSTS_REPORT_KEY = "posc_hosts"  # this suite's part of a worker's report to the master
# (host root URL, "requests" or "failures") -> count, since the last report to the master
_per_host: Counter[tuple[str, str]] = Counter()
# The master asks each worker for its last report (FLUSH) and waits for the answers (FLUSHED).
FLUSH, FLUSHED = "posc-sim:flush", "posc-sim:flushed"
FLUSH_WAIT_SECONDS = 30.0
_flushed: set[str] = set()


def _in_charge(environment: Environment) -> bool:
    """Set-up is the master's (or the only process's) job, not each worker's."""
    return not isinstance(environment.runner, WorkerRunner)


@events.test_start.add_listener
def prepare_site(environment: Environment, **_kwargs: Any) -> None:
    """Create the LOAD logins and, with faults on, the fault rules; stop the run if that fails."""
    if not _in_charge(environment):
        return
    try:
        settings = LoadSettings.of(environment)
        if not environment.host:
            raise ValueError(
                "--host: the simulator's root URL is needed, e.g. http://127.0.0.1:8080"
            )
        for host in settings.hosts or (environment.host,):
            with ControlClient(host) as control:
                for user_id in settings.account_ids():
                    control.create_user(settings.site, user_id, PASSWORD, [PROVIDER_ID])
        if settings.faults:
            with ControlClient(_first_host(environment)) as control:
                _added_faults.extend(
                    control.add_fault({"site": settings.site, **rule}) for rule in FAULT_RULES
                )
    except (ControlError, ValueError) as error:
        logger.error("posc-sim set-up failed, stopping: %s", error)
        environment.process_exit_code = 1
        if environment.runner is not None:  # from its own greenlet: not inside runner.start
            gevent.spawn(environment.runner.quit)
        return
    logger.info("posc-sim: %d logins ready on the %s site", settings.accounts, settings.site)


def _first_host(environment: Environment) -> str:
    """Where the fault rules go: the first of several hosts, else ``--host``."""
    hosts = LoadSettings.of(environment).hosts
    return hosts[0] if hosts else str(environment.host)


@events.test_stop.add_listener
def remove_faults(environment: Environment, **_kwargs: Any) -> None:
    """Leave the server as the run found it: the fault rules it added go."""
    if not (_in_charge(environment) and _added_faults):
        return
    with ControlClient(_first_host(environment)) as control:
        while _added_faults:
            control.remove_fault(_added_faults.pop())


@events.quitting.add_listener
def report_retries(environment: Environment, **_kwargs: Any) -> None:
    """Say how many 503s the users waited out and retried (also RETRY rows in the stats)."""
    if not _in_charge(environment):
        return
    retries = sum(
        entry.num_requests
        for (_name, method), entry in environment.stats.entries.items()
        if method == RETRY_TYPE
    )
    logger.info("posc-sim: %d requests retried after a 503", retries)


@events.quitting.add_listener
def write_final_stats(environment: Environment, **_kwargs: Any) -> None:
    """Write ``<csv prefix>_final_stats.csv`` once every request is counted.

    Locust rewrites ``_stats.csv`` once a second while it runs, so that file can miss the last
    second; ``posc-sim loadtest`` summarizes this one. Same columns, Locust's own writer.
    """
    prefix = environment.parsed_options.csv_prefix if environment.parsed_options else None
    if not (_in_charge(environment) and prefix):
        return
    with open(f"{prefix}_final_stats.csv", "w", newline="", encoding="utf-8") as handle:
        StatsCSV(environment, PERCENTILES_TO_REPORT).requests_csv(csv.writer(handle))


@events.request.add_listener
def count_by_host(url: str | None = None, exception: Any = None, **_kwargs: Any) -> None:
    """Count each HTTP request under its host (events of our own, with no URL, are not)."""
    if url:
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        _per_host[(host, "requests")] += 1
        if exception is not None:
            _per_host[(host, "failures")] += 1


@events.report_to_master.add_listener
def send_host_counts(data: dict[str, Any], **_kwargs: Any) -> None:
    """A worker hands its counts since the last report to the master, with its statistics."""
    data[HOSTS_REPORT_KEY] = [[host, kind, count] for (host, kind), count in _per_host.items()]
    _per_host.clear()


@events.worker_report.add_listener
def add_host_counts(data: dict[str, Any], **_kwargs: Any) -> None:
    for host, kind, count in data.get(HOSTS_REPORT_KEY, ()):
        _per_host[(host, kind)] += count


@events.quitting.add_listener
def write_host_counts(environment: Environment, **_kwargs: Any) -> None:
    """Write ``<csv prefix>_hosts.csv``: each host's requests and failures, for the summary."""
    prefix = environment.parsed_options.csv_prefix if environment.parsed_options else None
    if not (_in_charge(environment) and prefix):
        return
    hosts = sorted({host for host, _kind in _per_host})
    with open(f"{prefix}_hosts.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Host", "Request Count", "Failure Count"])
        writer.writerows(
            [host, _per_host[(host, "requests")], _per_host[(host, "failures")]] for host in hosts
        )


@events.init.add_listener
def register_flush(environment: Environment, **_kwargs: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.register_message(FLUSH, lambda **_kw: _flush(runner))
    elif isinstance(runner, MasterRunner):
        runner.register_message(FLUSHED, _note_flushed)


def _flush(runner: WorkerRunner) -> None:
    """Stop this worker's users, then send their last statistics and say so."""
    runner.stop()
    runner._send_stats()  # Locust's own final report, as on its quit message
    runner.send_message(FLUSHED)


def _note_flushed(msg: Message, **_kwargs: Any) -> None:
    _flushed.add(msg.node_id)


@events.test_stop.add_listener
def collect_last_reports(environment: Environment, **_kwargs: Any) -> None:
    """Wait (bounded) until every worker has sent its last statistics.

    When a run ends, Locust's master gives its workers half a second for their last report,
    which a busy machine misses: the summary would lose the last seconds of requests, or all of
    a short run. So the master asks each worker for it first, while it still listens.
    """
    runner = environment.runner
    if not isinstance(runner, MasterRunner):
        return
    workers = {client.id for client in runner.clients.all}
    runner.send_message(FLUSH)
    deadline = time.monotonic() + FLUSH_WAIT_SECONDS
    while not workers <= _flushed and time.monotonic() < deadline:
        gevent.sleep(0.1)
    if not workers <= _flushed:
        logger.warning("posc-sim: %d workers sent no last report", len(workers - _flushed))
