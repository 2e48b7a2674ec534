"""The built-in reference client: what a well-behaved trading partner's software does.

It speaks only the public interface (the JSON API of one site, or its CAQH CORE endpoint
for steps with ``channel: core``), so a scenario run with it is the same test a partner's
own client would face.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import requests

from posc_sim_fixtures.members import DOCUMENTED_REQUEST_MEMBERS
from posc_sim_fixtures.x12_builders import (
    Member,
    Submitter,
    build_270,
    build_276,
    build_278,
    build_834,
    build_837i,
    build_837p,
)
from simulator.scenarios.core_client import CoreChannel
from simulator.scenarios.setup import Control
from simulator.sites import SITES

FINAL = {"accepted", "partially_accepted", "rejected"}
STRANGER_BIRTH = date(1970, 1, 1)
POLL_SECONDS = 0.2
TIMEOUT = 30
ROSTER = {member.member_id: member for member in DOCUMENTED_REQUEST_MEMBERS}


@dataclass
class ClientState:
    """What the client saw: statuses, errors, tracking numbers, downloads (in order)."""

    user_id: str
    password: str
    statuses: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tracking_numbers: list[str | None] = field(default_factory=list)
    downloads: list[dict[str, Any]] = field(default_factory=list)


_FAILED = requests.Response()
_FAILED.status_code = 0


class ReferenceClient:
    def __init__(
        self,
        root_url: str,
        site: str,
        state: ClientState,
        base: Path,
        control: Control,
        wait_seconds: float = TIMEOUT,
    ) -> None:
        self.root = root_url.rstrip("/")
        self.site = site
        self.api = f"{self.root}/{site}/api/v1"
        self.state = state
        self.base = base
        self.control = control
        self.wait_seconds = wait_seconds
        self.http = requests.Session()
        self.core = CoreChannel(f"{self.root}/{site}", state, self._content, wait_seconds)

    # -- the steps --------------------------------------------------------------------------

    def run(self, steps: list[dict[str, Any]]) -> None:
        for step in steps:
            for _ in range(step.get("repeat", 1)):
                self._step(step)

    def _step(self, step: dict[str, Any]) -> None:
        """Harness actions first (clock, Customer Services), then the client's own calls."""
        if "password" in step and "change_password" not in step:
            self.state.password = step["password"]
        if "advance_clock" in step:
            self._harness("/clock", {"advance": step["advance_clock"]})
        if step.get("unlock"):
            self._harness(f"/users/{self.site}/{self.state.user_id}/unlock", None)
        if "certify" in step:
            self._certify(step["certify"])
        if step.get("channel", "api") == "core":
            self.core.run_step(step)
            return
        if step.get("login") or step.get("me"):
            self._call("GET", "/me")
        if "upload" in step or "build" in step:
            self._upload(step)
        if "wait_for_status" in step:
            self._wait_until(lambda body: body.get("status") == step["wait_for_status"])
        if step.get("wait_for_999"):
            self._wait_for("999")
        if "wait_for" in step:
            self._wait_for(step["wait_for"])
        if step.get("download_new"):
            self._download_new()
        if "change_password" in step:
            answer = self._call(
                "POST",
                "/password",
                json={
                    "current_password": self.state.password,
                    "new_password": step["change_password"],
                },
            )
            if answer.status_code == 204:
                self.state.password = step["change_password"]

    def _certify(self, transaction_type: str) -> None:
        """Customer Services certifies the user's organization (as the site names it)."""
        organization = self._call("GET", "/certification").json()["organization"]
        body = {"organization": organization, "transaction_type": transaction_type}
        self._harness("/certification", {**body, "certified": True})

    def _harness(self, path: str, body: dict[str, Any] | None) -> None:
        """What the test harness does between the client's calls (clock, Customer Services)."""
        self.control("POST", path, body)

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One API call; a dropped connection or a cut-off body is recorded, not raised."""
        try:
            answer = self.http.request(
                method,
                f"{self.api}{path}",
                auth=(self.state.user_id, self.state.password),
                timeout=TIMEOUT,
                **kwargs,
            )
        except requests.RequestException as error:
            self.state.errors.append(f"connection:{type(error).__name__}")
            self.state.statuses.append(0)
            self.http = requests.Session()  # never reuse a connection the server dropped
            return _FAILED
        self.state.statuses.append(answer.status_code)
        if answer.status_code >= 400 and answer.headers.get("Content-Type", "").startswith(
            "application/json"
        ):
            self.state.errors.append(answer.json().get("error", {}).get("code", ""))
        return answer

    def _upload(self, step: dict[str, Any]) -> None:
        kind = step.get("as", "837P")
        provider = step.get("provider_id") or self._first_provider()
        data = self._content(step, kind)
        name = "file{}.x12"
        if step.get("zip"):
            data, name = _zipped(data), "file{}.zip"
        files = [("files", (name.format(n), data)) for n in range(step.get("files", 1))]
        for attempt in range(step.get("retry", 0) + 1):
            answer = self._call(
                "POST",
                "/batches",
                files=files,
                data={"provider_id": provider, "transaction_type": kind},
            )
            number = answer.json().get("tracking_number") if answer.status_code == 201 else None
            if number is not None or attempt == step.get("retry", 0):
                break
            time.sleep(min(float(answer.headers.get("Retry-After", "0") or 0), 5))
        if answer.status_code == 201:
            self.state.tracking_numbers.append(number)

    def _content(self, step: dict[str, Any], kind: str) -> bytes:
        padding = b" " * int(step.get("bytes", 0))
        if "upload" in step:
            return (self.base / str(step["upload"])).read_bytes() + padding
        usage = step.get("usage_indicator", SITES[self.site].usage_indicator)
        submitter = Submitter("SCENARIO01", usage_indicator=usage)
        members = [
            ROSTER.get(m) or Member(m, "UNKNOWN", "PERSON", STRANGER_BIRTH, "U")
            for m in step.get("members", [next(iter(ROSTER))])
        ]
        builders = {
            "270": lambda: build_270(submitter, members=members),
            "276": lambda: build_276(submitter, claims=len(members)),
            "278": lambda: build_278(submitter, units=step.get("units")),
            "834": lambda: build_834(submitter, members=len(members)),
            "837P": lambda: build_837p(submitter, claims=len(members), members=members),
            "837I": lambda: build_837i(submitter, claims=len(members), members=members),
        }
        data: bytes = builders[step["build"]]()
        return data + padding

    def _first_provider(self) -> str:
        answer = self._call("GET", "/me")
        providers = answer.json().get("providers", []) if answer.status_code == 200 else []
        return str(providers[0]["provider_id"]) if providers else ""

    def _wait_for(self, kind: str) -> None:
        def arrived(body: dict[str, Any]) -> bool:
            kinds = {f["transaction_type"] for f in body.get("response_files", [])}
            if kind == "999":
                return body.get("status") in FINAL and bool(kinds & {"999", "TA1"})
            return kind in kinds

        self._wait_until(arrived)

    def _wait_until(self, done: Callable[[dict[str, Any]], bool]) -> None:
        """Poll each upload's status until ``done`` says so, within the time allowed."""
        deadline = time.monotonic() + self.wait_seconds
        for number in [n for n in self.state.tracking_numbers if n]:
            while time.monotonic() < deadline:
                answer = self.http.get(
                    f"{self.api}/batches/{number}",
                    timeout=TIMEOUT,
                    auth=(self.state.user_id, self.state.password),
                )
                if done(answer.json() if answer.status_code == 200 else {}):
                    break
                time.sleep(POLL_SECONDS)

    def _download_new(self) -> None:
        answer = self._call("GET", "/files", params={"status": "new"})
        for found in answer.json().get("files", []) if answer.status_code == 200 else []:
            content = self._call("GET", f"/files/{found['file_id']}")
            if content.status_code == 200:
                self.state.downloads.append({**found, "content": content.text})


def _zipped(data: bytes) -> bytes:
    """The file as the one member of a zip, as partners often send it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("claims.x12", data)
    return buffer.getvalue()
