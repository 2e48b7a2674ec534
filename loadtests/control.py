"""A small client of the control API (``/_sim/v1``): what a load run sets up before it starts.

Plain ``requests``, no Locust, so the benchmark uses it too. The bearer token comes from
``POSC_SIM_ADMIN_TOKEN``, the same variable the server reads, so a run against a server
started with a token needs nothing more.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import requests

TIMEOUT_SECONDS = 30
UNFINISHED_JOB_LINES = ('posc_sim_jobs{state="queued"}', 'posc_sim_jobs{state="running"}')


class ControlError(RuntimeError):
    """The control API refused a set-up call; the message says which and why."""


class ControlClient:
    """Calls ``/_sim/v1`` on one server (``base_url`` is its root, e.g. http://127.0.0.1:8080)."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        token = token if token is not None else os.environ.get("POSC_SIM_ADMIN_TOKEN")
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.session.close()

    def _call(
        self, method: str, path: str, body: Any = None, *, accept: Iterable[int]
    ) -> requests.Response:
        url = f"{self.base_url}/_sim/v1{path}"
        try:
            answer = self.session.request(method, url, json=body, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            raise ControlError(f"{method} {url}: {error}") from None
        if answer.status_code not in accept:
            raise ControlError(f"{method} {url}: HTTP {answer.status_code} {answer.text[:300]}")
        return answer

    def create_user(self, site: str, user_id: str, password: str, providers: list[str]) -> bool:
        """Create a login with these providers; False if it already exists (409), as on a rerun."""
        body = {"site": site, "user_id": user_id, "password": password, "providers": providers}
        return self._call("POST", "/users", body, accept=(201, 409)).status_code == 201

    def add_fault(self, rule: dict[str, Any]) -> str:
        """Add a fault rule (CONTRACT §5); returns its id, to remove it when the run ends."""
        rule_id: str = self._call("POST", "/faults", rule, accept=(201,)).json()["id"]
        return rule_id

    def remove_fault(self, rule_id: str) -> None:
        self._call("DELETE", f"/faults/{rule_id}", accept=(200, 204, 404))

    def unfinished_jobs(self) -> int:
        """Processing jobs queued or running, from ``/metrics``: 0 once every upload is answered."""
        text = self._call("GET", "/metrics", accept=(200,)).text
        return sum(
            round(float(line.rsplit(" ", 1)[1]))
            for line in text.splitlines()
            if line.startswith(UNFINISHED_JOB_LINES)
        )
