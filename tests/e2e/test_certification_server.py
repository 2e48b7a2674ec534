"""Test files finished by several worker processes at once are each counted (CONTRACT §9)."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from posc_sim_fixtures.members import DOCUMENTED_MEMBERS
from posc_sim_fixtures.x12_builders import Member, Submitter, build_837p
from tests.e2e.conftest import LiveServer
from tests.web.helpers import PASSWORD, QUESTIONS

pytestmark = pytest.mark.server
UPLOADS = 8
ORGANIZATION = "Busy Billing"
MARY = DOCUMENTED_MEMBERS[0]
ACTIVE = Member(MARY.member_id, MARY.first_name, MARY.last_name, MARY.birth_date, MARY.gender)


def test_uploads_finished_by_several_workers_at_once_all_count(
    live_server: Callable[..., LiveServer],
) -> None:
    server = live_server("--workers", "3", env={"POSC_SIM_CERTIFICATION_PASSES": "100"})
    created = requests.post(
        f"{server.url}/_sim/v1/users",
        json={
            "site": "test",
            "user_id": "BUSY001",
            "password": PASSWORD,
            "organization": ORGANIZATION,
            "providers": ["110048577A"],
            "security_questions": QUESTIONS,
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    claims = build_837p(Submitter("SUB000001"), claims=1, members=[ACTIVE])

    def one_upload(index: int) -> str:
        response = requests.post(
            f"{server.url}/test/api/v1/batches",
            auth=("BUSY001", PASSWORD),
            data={"provider_id": "110048577A", "transaction_type": "837P"},
            files={"files": (f"claims-{index}.837", claims)},
            timeout=60,
        )
        assert response.status_code == 201, response.text
        number: str = response.json()["tracking_number"]
        return number

    with ThreadPoolExecutor(max_workers=UPLOADS) as pool:
        numbers = list(pool.map(one_upload, range(UPLOADS)))
    deadline = time.monotonic() + 60
    while True:
        answer = requests.get(
            f"{server.url}/_sim/v1/certification",
            params={"site": "test", "organization": ORGANIZATION},
            timeout=10,
        ).json()
        types = answer["organizations"][0]["types"] if answer["organizations"] else []
        if (types and len(types[0]["evidence"]) == UPLOADS) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    [standing] = types
    assert sorted(e["tracking_number"] for e in standing["evidence"]) == sorted(numbers)
    assert all(e["counted"] for e in standing["evidence"])
    assert standing["passes"] == UPLOADS
