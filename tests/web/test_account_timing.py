"""The time of a refused sign-in does not tell whether the submitter ID exists."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient

from simulator.app import create_app
from simulator.control.seeding import seed_unseeded_sites
from simulator.runtime import Runtime
from simulator.settings import Settings, SiteSettings
from tests.web.helpers import basic, create_user, csrf_token

SLOW_ENOUGH_HASH = "scrypt:16384:8:1"  # the hash must dominate, as it does with the default
TRIES = 9


@pytest.fixture
def slow_hash_client(make_settings: Callable[..., Settings]) -> Iterator[FlaskClient]:
    rules = SiteSettings(lockout_attempts=1000)
    settings = make_settings(
        password_hash_method=SLOW_ENOUGH_HASH, sites={"test": rules, "prod": rules}
    )
    runtime = Runtime.open(settings)
    runtime.prepare_storage()
    seed_unseeded_sites(runtime, "empty", 1)
    client = create_app(settings, runtime).test_client()
    create_user(client, "test", "REAL001")
    yield client
    runtime.close()


def median_seconds(attempt: Callable[[], int], expected_status: int) -> float:
    times = []
    for _ in range(TRIES):
        started = time.perf_counter()
        assert attempt() == expected_status
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_an_unknown_user_costs_the_api_what_a_wrong_password_costs(
    slow_hash_client: FlaskClient,
) -> None:
    def api(user_id: str) -> Callable[[], int]:
        return lambda: (
            slow_hash_client.get("/test/api/v1/me", headers=basic(user_id, "Wrong#123")).status_code
        )

    known = median_seconds(api("REAL001"), 401)
    unknown = median_seconds(api("NOSUCH1"), 401)
    assert 0.5 < unknown / known < 2, (known, unknown)


def test_an_unknown_user_costs_the_login_page_what_a_wrong_password_costs(
    slow_hash_client: FlaskClient,
) -> None:
    token = csrf_token(slow_hash_client.get("/test/login").get_data(as_text=True))

    def page(user_id: str) -> Callable[[], int]:
        fields = {"user_id": user_id, "password": "Wrong#123", "csrf_token": token}
        return lambda: slow_hash_client.post("/test/login", data=fields).status_code

    known = median_seconds(page("REAL001"), 401)
    unknown = median_seconds(page("NOSUCH1"), 401)
    assert 0.5 < unknown / known < 2, (known, unknown)
