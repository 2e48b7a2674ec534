"""Three real ``posc-sim serve`` processes on one PostgreSQL database behave as one simulator."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text

from posc_sim_fixtures.x12_builders import Submitter, build_837p
from simulator.store.database import Database
from simulator.testing.server import SimulatorServer, start_server
from tests.databases import DatabaseFactory
from tests.e2e.conftest import add_user

pytestmark = pytest.mark.server

HOSTS = 3
DONE = {"accepted", "partially_accepted", "rejected"}


@pytest.fixture
def empty_database(postgres: DatabaseFactory) -> Iterator[str]:
    url = postgres.create(empty=True)
    yield url
    postgres.drop(url)


@pytest.fixture
def hosts(empty_database: str, tmp_path: Path) -> Iterator[list[SimulatorServer]]:
    """Three hosts started at the same moment on one empty database, each with its own folder."""
    start = threading.Barrier(HOSTS)

    def host(number: int) -> SimulatorServer:
        start.wait()
        env = {"POSC_SIM_DATABASE_URL": empty_database}
        return start_server(tmp_path / f"host-{number}", "--workers", "2", env=env)

    with ThreadPoolExecutor(HOSTS) as pool:
        started = [pool.submit(host, number) for number in range(HOSTS)]
    servers = [future.result() for future in started]
    yield servers
    for server in servers:
        server.stop()


def claim_file(number: int) -> bytes:
    return build_837p(Submitter(submitter_id=f"SUB{number:06d}", seed=number))


def send(server: SimulatorServer, user: tuple[str, str], content: bytes) -> requests.Response:
    return requests.post(
        f"{server.test_url}/api/v1/batches",
        auth=user,
        data={"provider_id": "110048577A", "transaction_type": "837P"},
        files={"files": ("claims.txt", content)},
        timeout=60,
    )


def status(server: SimulatorServer, user: tuple[str, str], tracking_number: str) -> dict[str, Any]:
    answer = requests.get(
        f"{server.test_url}/api/v1/batches/{tracking_number}", auth=user, timeout=30
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def wait_until(condition: Callable[[], bool], timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.5)


def control(server: SimulatorServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{server.control_url}{path}", timeout=30, **kwargs)


def test_hosts_started_together_migrate_once_and_share_uploads_and_jobs(
    hosts: list[SimulatorServer], empty_database: str
) -> None:
    database = Database(empty_database)
    try:
        with database.connected() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM site_state")).scalar() == 2
        user = add_user(hosts[0], "test", "MANY01")
        spread = itertools.cycle(hosts)
        targets = [next(spread) for _ in range(300)]
        with ThreadPoolExecutor(30) as pool:
            answers = list(
                pool.map(lambda pair: send(pair[1], user, claim_file(pair[0])), enumerate(targets))
            )
        assert [a.status_code for a in answers] == [201] * 300, [
            a.text for a in answers if a.status_code != 201
        ][:3]
        numbers = [a.json()["tracking_number"] for a in answers]
        assert len(set(numbers)) == 300

        def all_processed() -> bool:
            with database.connected() as connection:
                left = connection.execute(text("SELECT count(*) FROM jobs WHERE state <> 'done'"))
                return left.scalar() == 0

        wait_until(all_processed)
        with database.connected() as connection:
            runs = connection.execute(text("SELECT attempts, count(*) FROM jobs GROUP BY attempts"))
            assert dict(runs.all()) == {1: 300}  # every job run exactly once
        for index, number in enumerate(numbers):
            seen = status(hosts[index % HOSTS], user, number)
            assert seen["status"] in DONE
        for server in hosts:  # every 999 findable from every host
            listed = requests.get(
                f"{server.test_url}/api/v1/files",
                auth=user,
                params={
                    "provider_id": "110048577A",
                    "transaction_type": "999",
                    "max_files": "1000",
                },
                timeout=60,
            )
            assert listed.status_code == 200
            files = listed.json()["files"]
            assert sorted(f["tracking_number"] for f in files) == sorted(numbers)
            first = requests.get(
                f"{server.test_url}/api/v1/files/{files[0]['file_id']}", auth=user, timeout=30
            )
            assert first.content.startswith(b"ISA")
    finally:
        database.dispose()


def test_faults_clock_lockout_and_reset_made_on_one_host_hold_on_all(
    hosts: list[SimulatorServer],
) -> None:
    a, b, c = hosts
    user = add_user(a, "test", "SHARED01")
    rule = {
        "site": "test",
        "operation": "upload",
        "action": {"type": "error", "status": 503},
        "times": 10,
    }
    assert control(a, "POST", "/faults", json=rule).status_code == 201
    content = claim_file(1)
    with ThreadPoolExecutor(30) as pool:
        codes = list(pool.map(lambda n: send((b, c)[n % 2], user, content).status_code, range(30)))
    assert codes.count(503) == 10
    assert codes.count(201) == 20

    before = control(c, "GET", "/clock").json()["now"]
    assert control(b, "POST", "/clock", json={"advance": "P30D"}).status_code == 200
    after = control(c, "GET", "/clock").json()["now"]
    assert after[:10] > before[:10]  # thirty days on, seen by the next request to C

    locked_user = add_user(a, "test", "LOCK01")
    for _ in range(5):
        requests.get(f"{a.test_url}/api/v1/me", auth=(locked_user[0], "Wrong#1234"), timeout=30)
    refused = requests.get(f"{c.test_url}/api/v1/me", auth=locked_user, timeout=30)
    assert refused.status_code == 423, refused.text

    assert (
        control(c, "POST", "/reset", json={"site": "test", "dataset": "empty"}).status_code == 200
    )
    for server in hosts:
        assert control(server, "GET", "/users?site=test").json()["users"] == []
        gone = requests.get(f"{server.test_url}/api/v1/me", auth=user, timeout=30)
        assert gone.status_code == 401


def test_a_host_killed_during_uploads_leaves_no_accepted_upload_without_its_999(
    empty_database: str, tmp_path: Path
) -> None:
    env = {"POSC_SIM_DATABASE_URL": empty_database, "POSC_SIM_JOB_LEASE_SECONDS": "5"}
    servers = [
        start_server(tmp_path / f"host-{number}", "--workers", "1", env=env)
        for number in range(HOSTS)
    ]
    doomed, survivors = servers[0], servers[1:]
    try:
        user = add_user(survivors[0], "test", "KILL01")
        accepted: list[str] = []

        def upload_to(number: int) -> None:
            try:
                answer = send(servers[number % HOSTS], user, claim_file(number))
            except requests.ConnectionError:
                return  # the killed host: refused, so nothing was promised
            if answer.status_code == 201:
                accepted.append(answer.json()["tracking_number"])

        with ThreadPoolExecutor(12) as pool:
            for number in range(120):
                if number == 40:
                    doomed.kill()  # a host gone, not a stop: no worker finishes its job
                pool.submit(upload_to, number)
        assert len(accepted) >= 80  # the survivors went on
        assert len(set(accepted)) == len(accepted)

        def all_answered() -> bool:
            return all(
                status(survivors[i % 2], user, tn)["status"] in DONE
                for i, tn in enumerate(accepted)
            )

        wait_until(all_answered)
        for index, tracking_number in enumerate(accepted):
            files = status(survivors[index % 2], user, tracking_number)["response_files"]
            assert any(f["transaction_type"] == "999" for f in files), tracking_number
    finally:
        for server in servers:
            server.stop()
