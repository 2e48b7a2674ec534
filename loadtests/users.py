"""Locust users of the simulator: what trading partners' software and people do to a site.

Each user class does one thing (upload, wait for the 999, download, click through pages), so
a run can weigh them; :class:`TradingPartnerDay` mixes them the way one partner's day does.
Tasks are plain functions of the user, shared by the classes that list them.

Every request goes through :func:`send`: it names the request for the statistics (paths with
their tracking number or file ID would each get a row of their own), judges the answer, and
retries a 503 once after its Retry-After, as a well-behaved client does. A retried 503 is no
failure; each retry is reported as a request of type ``RETRY`` under the same name, so the
statistics and the CSV count them.
"""

from __future__ import annotations

import itertools
import random
import re
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from locust import HttpUser, between, events, task
from locust.env import Environment
from locust.runners import WorkerRunner

from loadtests.payloads import (
    MAX_FILE_BYTES,
    PASSWORD,
    POLL_INTERVAL_SECONDS,
    REAL_TIME_270,
    REAL_TIME_BYTES,
    SUBMIT_837P,
    THINK_SECONDS,
    UPLOAD_KINDS,
    CoreReply,
    acknowledged,
    core_request,
    upload_form,
    x12_file,
)
from simulator.web.core.envelope import ACK_RETRIEVAL_TYPE, FILELIST, Kind

ACCOUNT_PREFIX = "LOAD"
POLL_TIMEOUT_SECONDS = 60.0
DEFAULT_RETRY_AFTER_SECONDS = 1.0
MAX_RETRY_AFTER_SECONDS = 5.0  # a bounded wait, whatever the server asks for
KEPT_TRACKING_NUMBERS = 100
METRIC_NAME = "upload to 999 available"
METRIC_TYPE = "X12"
RETRY_TYPE = "RETRY"
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ERROR_TEXT = re.compile(r'id="error"[^>]*>([^<]*)<')

# Each user takes the next account in turn; several users may share one.
_account_numbers = itertools.count()

Check = Callable[[requests.Response], str | None]


@events.init_command_line_parser.add_listener
def add_options(parser: Any, **_kwargs: Any) -> None:
    """The suite's own settings: flags, ``posc-*`` keys in a profile, or environment variables."""
    group = parser.add_argument_group("posc-sim", "what the simulator's load users do")
    group.add_argument(
        "--posc-site",
        env_var="POSC_SIM_LOAD_SITE",
        choices=("test", "prod"),
        default="test",
        help="Site the users work on (default test).",
    )
    group.add_argument(
        "--posc-file-kb",
        env_var="POSC_SIM_LOAD_FILE_KB",
        type=int,
        default=5,
        help="Size of each uploaded X12 file in KB (default 5; at most 16384).",
    )
    group.add_argument(
        "--posc-accounts",
        env_var="POSC_SIM_LOAD_ACCOUNTS",
        type=int,
        default=10,
        help="Logins LOAD0001... created at test start and shared by the users (default 10).",
    )
    group.add_argument(
        "--posc-kinds",
        env_var="POSC_SIM_LOAD_KINDS",
        default="837P,270,276",
        help=f"Comma-separated kinds to upload, of {', '.join(UPLOAD_KINDS)}.",
    )
    group.add_argument(
        "--posc-faults",
        env_var="POSC_SIM_FAULTS",
        action="store_true",
        default=False,
        help="Add fault rules (5%% 503 with Retry-After, slow downloads) at test start.",
    )
    group.add_argument(
        "--posc-hosts",
        env_var="POSC_SIM_LOAD_HOSTS",
        default="",
        help="Comma-separated root URLs of several hosts of one simulator; the users are "
        "spread over them, round robin (default: --host alone).",
    )


@dataclass(frozen=True)
class LoadSettings:
    """The suite's settings as parsed by Locust, checked once."""

    site: str
    file_bytes: int
    accounts: int
    kinds: tuple[str, ...]
    faults: bool
    hosts: tuple[str, ...] = ()

    @classmethod
    def of(cls, environment: Environment) -> LoadSettings:
        options = environment.parsed_options
        if options is None:
            raise RuntimeError("run the users through the locust command, which parses options")
        kinds = tuple(
            kind.strip().upper() for kind in options.posc_kinds.split(",") if kind.strip()
        )
        unknown = sorted(set(kinds) - set(UPLOAD_KINDS))
        if not kinds or unknown:
            raise ValueError(f"--posc-kinds: expected some of {', '.join(UPLOAD_KINDS)}")
        if not 1 <= options.posc_file_kb <= 16 * 1024:
            raise ValueError("--posc-file-kb: expected 1 to 16384")
        if not 1 <= options.posc_accounts <= 9999:
            raise ValueError("--posc-accounts: expected 1 to 9999")
        return cls(
            site=options.posc_site,
            file_bytes=min(options.posc_file_kb * 1024, MAX_FILE_BYTES),
            accounts=options.posc_accounts,
            kinds=kinds,
            faults=options.posc_faults,
            hosts=root_urls(options.posc_hosts),
        )

    def account(self, number: int) -> str:
        """The login of the ``number``-th user: LOAD0001, LOAD0002..., round the pool."""
        return f"{ACCOUNT_PREFIX}{number % self.accounts + 1:04d}"

    def account_ids(self) -> list[str]:
        return [self.account(number) for number in range(self.accounts)]

    def host(self, user_index: int, default: str) -> str:
        """The host of the ``user_index``-th user of the whole run: round the hosts, in turn."""
        return self.hosts[user_index % len(self.hosts)] if self.hosts else default


def root_urls(text: str) -> tuple[str, ...]:
    """The URLs of a comma-separated list, without a trailing slash (paths start with one)."""
    return tuple(url.strip().rstrip("/") for url in text.split(",") if url.strip())


def run_wide_index(environment: Environment, number: int) -> int:
    """The ``number``-th user of this process, numbered across the whole run.

    Locust hands the users to its workers in turn, so with W workers the user ``n`` of worker
    ``i`` is about the ``n * W + i``-th of the run: hosts taken round robin by this number get
    users evenly whatever the worker count. A single process numbers its users as they come.
    """
    runner = environment.runner
    if not isinstance(runner, WorkerRunner):
        return number
    options = environment.parsed_options
    workers = max(1, options.expect_workers if options is not None else 1)
    return number * workers + max(0, runner.worker_index)


# -- requests -------------------------------------------------------------------------------


def send(
    user: HttpUser, method: str, path: str, name: str, check: Check | None = None, **kwargs: Any
) -> requests.Response:
    """One request as ``name`` in the statistics, retried once after a 503's Retry-After."""
    response = _attempt(user, method, path, name, check, may_retry=True, **kwargs)
    if response.status_code != 503:
        return response
    waited = _retry_after(response)
    time.sleep(waited)
    user.environment.events.request.fire(
        request_type=RETRY_TYPE,
        name=name,
        response_time=waited * 1000,
        response_length=0,
        exception=None,
        context={},
    )
    return _attempt(user, method, path, name, check, may_retry=False, **kwargs)


def _attempt(
    user: HttpUser,
    method: str,
    path: str,
    name: str,
    check: Check | None,
    *,
    may_retry: bool,
    **kwargs: Any,
) -> requests.Response:
    with user.client.request(method, path, name=name, catch_response=True, **kwargs) as response:
        if response.status_code == 503 and may_retry:
            response.success()  # the retry decides
        elif problem := _problem(response, check):
            response.failure(problem)
        else:
            response.success()
    return response


def _problem(response: requests.Response, check: Check | None) -> str | None:
    if not response.ok:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    return check(response) if check else None


def _retry_after(response: requests.Response) -> float:
    """The seconds a 503 asks to wait (a number; a date or nothing means the default)."""
    try:
        asked = float(response.headers.get("Retry-After", DEFAULT_RETRY_AFTER_SECONDS))
    except ValueError:
        asked = DEFAULT_RETRY_AFTER_SECONDS
    return min(max(asked, 0.0), MAX_RETRY_AFTER_SECONDS)


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _tracking_number(response: requests.Response) -> str | None:
    body = _json(response)
    number = body.get("tracking_number") if isinstance(body, dict) else None
    return number if isinstance(number, str) and number else None


def _has_tracking_number(response: requests.Response) -> str | None:
    return None if _tracking_number(response) else "the upload was answered with no tracking number"


def _is_json_object(response: requests.Response) -> str | None:
    return None if isinstance(_json(response), dict) else "the answer is not a JSON object"


def _has_body(response: requests.Response) -> str | None:
    return None if response.content else "the file came back empty"


def _signed_in(response: requests.Response) -> str | None:
    """After the login form the site redirects to Welcome; staying on login means refused."""
    if response.url.rstrip("/").endswith("/login"):
        found = ERROR_TEXT.search(response.text)
        return f"not signed in: {found.group(1) if found else 'still on the login page'}"
    return None


def _has_csrf_token(response: requests.Response) -> str | None:
    return None if CSRF_TOKEN.search(response.text) else "the form carries no csrf_token"


# -- users ----------------------------------------------------------------------------------


class PortalUser(HttpUser):
    """Someone with a LOAD login on the site under load."""

    abstract = True
    wait_time = between(*THINK_SECONDS)

    def on_start(self) -> None:
        self.settings = LoadSettings.of(self.environment)
        number = next(_account_numbers)
        self.user_id = self.settings.account(number)
        self.client.base_url = self.settings.host(
            run_wide_index(self.environment, number), self.client.base_url
        )
        self.site_path = f"/{self.settings.site}"


class ApiUser(PortalUser):
    """Trading partner software: HTTP Basic on every call to ``S/api/v1``."""

    abstract = True

    def on_start(self) -> None:
        super().on_start()
        self.api = f"{self.site_path}/api/v1"
        self.client.auth = (self.user_id, PASSWORD)
        self.tracking_numbers: deque[str] = deque(maxlen=KEPT_TRACKING_NUMBERS)
        self.kinds = itertools.cycle(self.settings.kinds)
        # Built and encoded once per user; every upload resends the same bytes.
        self.forms = {
            kind: upload_form(
                kind, x12_file(kind, self.settings.site, self.user_id, self.settings.file_bytes)
            )
            for kind in self.settings.kinds
        }
        self.check_profile()

    def check_profile(self) -> None:
        send(self, "GET", f"{self.api}/me", "/[site]/api/v1/me", _is_json_object)

    def upload(self) -> str | None:
        """Upload the next kind of file; the tracking number is kept for later look-ups."""
        body, content_type = self.forms[next(self.kinds)]
        response = send(
            self,
            "POST",
            f"{self.api}/batches",
            "/[site]/api/v1/batches",
            _has_tracking_number,
            data=body,
            headers={"Content-Type": content_type},
        )
        number = _tracking_number(response) if response.ok else None
        if number:
            self.tracking_numbers.append(number)
        return number

    def batch_status(self, number: str) -> dict[str, Any] | None:
        response = send(
            self,
            "GET",
            f"{self.api}/batches/{number}",
            "/[site]/api/v1/batches/[tn]",
            _is_json_object,
        )
        body = _json(response) if response.ok else None
        return body if isinstance(body, dict) else None

    def upload_and_wait_for_999(self) -> None:
        """Upload, then poll the batch until its 999 (or TA1) is there: the custom metric."""
        started = time.perf_counter()
        number = self.upload()
        if number is None:
            return
        deadline = started + POLL_TIMEOUT_SECONDS
        while time.perf_counter() < deadline:
            status = self.batch_status(number)
            if status is None:
                self._report_999(started, RuntimeError("the batch status could not be read"))
                return
            if acknowledged(status):
                self._report_999(started, None)
                return
            time.sleep(POLL_INTERVAL_SECONDS)
        self._report_999(started, TimeoutError(f"no 999 within {POLL_TIMEOUT_SECONDS:g} s"))

    def _report_999(self, started: float, problem: Exception | None) -> None:
        self.environment.events.request.fire(
            request_type=METRIC_TYPE,
            name=METRIC_NAME,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=problem,
            context={},
        )

    def search_new_files(self) -> list[dict[str, Any]]:
        response = send(
            self,
            "GET",
            f"{self.api}/files",
            "/[site]/api/v1/files?status=new",
            _is_json_object,
            params={"status": "new"},
        )
        body = _json(response) if response.ok else None
        files = body.get("files") if isinstance(body, dict) else None
        return files if isinstance(files, list) else []

    def download(self, file_id: str) -> None:
        """The file as it is (.dat), then zipped; an empty body fails either."""
        path = f"{self.api}/files/{file_id}"
        send(self, "GET", path, "/[site]/api/v1/files/[id]", _has_body)
        send(
            self,
            "GET",
            path,
            "/[site]/api/v1/files/[id]?format=zip",
            _has_body,
            params={"format": "zip"},
        )


# -- tasks, shared by the classes that list them --------------------------------------------


def upload_batch(user: ApiUser) -> None:
    user.upload()


def wait_for_999(user: ApiUser) -> None:
    user.upload_and_wait_for_999()


def collect_responses(user: ApiUser) -> None:
    """Look for new response files; download one if there are any (often there are none)."""
    files = user.search_new_files()
    if files:
        user.download(str(random.choice(files)["file_id"]))


def follow_up(user: ApiUser) -> None:
    """Look up the status of one of the user's earlier uploads."""
    if user.tracking_numbers:
        user.batch_status(random.choice(user.tracking_numbers))


def check_profile(user: ApiUser) -> None:
    user.check_profile()


class Uploader(ApiUser):
    """Uploads 837P, 270 and 276 files (``--posc-kinds``) and keeps the tracking numbers."""

    weight = 3
    tasks = [upload_batch]  # noqa: RUF012  (Locust's declaration)


class Poller(ApiUser):
    """Uploads, then polls the batch until it is final: measures upload to 999 available."""

    weight = 2
    tasks = [wait_for_999]  # noqa: RUF012


class Downloader(ApiUser):
    """Searches for new response files and downloads them, plain and zipped."""

    weight = 2
    tasks = [collect_responses]  # noqa: RUF012


class TradingPartnerDay(ApiUser):
    """One partner's day: mostly uploads, some status look-ups and downloads, a profile check."""

    weight = 2
    tasks = {  # noqa: RUF012
        upload_batch: 5,
        follow_up: 3,
        collect_responses: 3,
        wait_for_999: 1,
        check_profile: 1,
    }


class WebUser(PortalUser):
    """A person at a browser: signs in through the login form, opens the batch pages."""

    weight = 1

    def on_start(self) -> None:
        super().on_start()
        self.sign_in()

    def sign_in(self) -> None:
        """GET the form, send its hidden csrf_token back with the credentials."""
        path = f"{self.site_path}/login"
        form = send(self, "GET", path, "/[site]/login", _has_csrf_token)
        found = CSRF_TOKEN.search(form.text) if form.ok else None
        if found is None:
            return
        fields = {"user_id": self.user_id, "password": PASSWORD, "csrf_token": found.group(1)}
        send(self, "POST", path, "/[site]/login (submit)", _signed_in, data=fields)

    def open_page(self, page: str) -> None:
        send(self, "GET", f"{self.site_path}{page}", f"/[site]{page}", _is_page_shown)

    @task
    def open_upload_page(self) -> None:
        self.open_page("/batch/upload")

    @task
    def open_download_page(self) -> None:
        self.open_page("/batch/download")


class CoreUser(PortalUser):
    """A certified billing system on ``S/core/soap`` (CAQH CORE 2.2.0 SOAP).

    Mostly real-time 270s at the user's pace, answered with a 271 inside the call; now and
    then an 837P batch submission whose 999 it fetches back by PayloadID, then the FILELIST.
    """

    weight = 1

    def on_start(self) -> None:
        super().on_start()
        self.endpoint = f"{self.site_path}/core/soap"
        site = self.settings.site
        self.inquiry = x12_file("270", site, self.user_id, REAL_TIME_BYTES)
        self.claims = x12_file("837P", site, self.user_id, self.settings.file_bytes)

    def call(
        self, kind: Kind, payload_type: str, payload: bytes | None = None, payload_id: str = ""
    ) -> CoreReply:
        """One SOAP call named by its action; an ErrorCode other than Success fails it."""
        reply = CoreReply()
        request = core_request(kind, payload_type, self.user_id, payload, payload_id)
        send(
            self,
            "POST",
            self.endpoint,
            f"/[site]/core/soap {request.action}",
            reply.check,
            data=request.body,
            headers={"Content-Type": request.content_type},
        )
        return reply

    @task(3)
    def real_time_270(self) -> None:
        self.call(Kind.REAL_TIME, REAL_TIME_270, self.inquiry)

    @task(1)
    def submit_and_retrieve(self) -> None:
        """Submit, fetch the 999 by PayloadID once it is there, then ask for the FILELIST."""
        payload_id = str(uuid.uuid4())
        submitted = self.call(Kind.SUBMIT, SUBMIT_837P, self.claims, payload_id)
        if not submitted.ok:
            return
        deadline = time.perf_counter() + POLL_TIMEOUT_SECONDS
        while time.perf_counter() < deadline:
            ack = self.call(Kind.ACK_RETRIEVAL, ACK_RETRIEVAL_TYPE, payload_id=payload_id)
            if not ack.ok or ack.payload is not None:
                break
            time.sleep(POLL_INTERVAL_SECONDS)
        self.call(Kind.RETRIEVAL, FILELIST, payload_id=FILELIST)


def _is_page_shown(response: requests.Response) -> str | None:
    return "the session ended: redirected to login" if _signed_in(response) else None
