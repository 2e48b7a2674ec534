"""The reference client's CORE side: the steps of a scenario sent as CAQH CORE SOAP calls.

A step with ``channel: core`` does what the same step does through the JSON API, the way a
certified billing system does it: an upload is a ``BatchSubmitTransaction`` (or, with
``real_time: true``, a ``RealTimeTransaction`` answered inside the call); waiting for the 999
asks ``BatchSubmitAckRetrievalTransaction`` by PayloadID; downloading asks for the
``FILELIST`` and retrieves each new file by its PayloadID; ``me`` or ``login`` asks for the
file list, which checks the credentials. ``bad_checksum: true`` sends a CheckSum that does not
match the payload; ``retry: N`` sends a submission or real-time request again after a 503,
waiting as its Retry-After says.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from xml.etree.ElementTree import Element

import requests

from simulator.portal.transactions import download_type
from simulator.scenarios.setup import DEFAULT_USER_PROVIDERS
from simulator.web.core.envelope import (
    ACK_RETRIEVAL_TYPE,
    ACTIONS_BY_KIND,
    FILELIST,
    RESPONSE_CODES,
    SUBMISSION_TYPES,
    SUCCESS,
    CoreRefusalError,
    Kind,
    core_payload_type,
)
from simulator.web.core.soap import parse_document, read_answer, request_fields, write_request

POLL_SECONDS = 0.2
MAX_RETRY_AFTER = 5.0  # a bounded wait, whatever the server asks for
TIMEOUT = 30
TYPE_CODES = {code: name for name, code in SUBMISSION_TYPES.items()}


class CoreChannel:
    """One site's ``core/soap`` endpoint, recording what it answered into the client's state."""

    def __init__(
        self,
        site_url: str,
        state: Any,
        content: Callable[[dict[str, Any], str], bytes],
        wait_seconds: float,
    ) -> None:
        self.url = f"{site_url}/core/soap"
        self.state = state
        self.content = content
        self.wait_seconds = wait_seconds
        self.http = requests.Session()
        self.payload_ids: list[str] = []
        self.last_answer: requests.Response | None = None

    def run_step(self, step: dict[str, Any]) -> None:
        sender = step.get("provider_id") or DEFAULT_USER_PROVIDERS[0]
        if step.get("login") or step.get("me"):
            self._call(Kind.RETRIEVAL, sender, FILELIST, payload_id=FILELIST)
        if "upload" in step or "build" in step:
            kind = step.get("as", "837P")
            data = self.content(step, kind)
            retries = int(step.get("retry", 0))
            if step.get("real_time"):
                self._real_time(sender, kind, data, retries)
            else:
                self._submit(
                    sender, kind, data, retries, bad_checksum=bool(step.get("bad_checksum"))
                )
        if step.get("wait_for_999"):
            for payload_id in self.payload_ids:
                self._acknowledgment(sender, payload_id)
        if "wait_for" in step:
            self._wait_for_file(sender, step["wait_for"])
        if step.get("download_new"):
            self._download_new(sender)

    # -- the calls ---------------------------------------------------------------------------

    def _call(
        self,
        kind: Kind,
        sender: str,
        payload_type: str,
        *,
        payload_id: str | None = None,
        payload: bytes | None = None,
        checksum: str | None = None,
    ) -> tuple[dict[str, str], bytes | None]:
        """One SOAP call; a refusal's ErrorCode is recorded as the client's error."""
        action = ACTIONS_BY_KIND[kind]
        fields = request_fields(kind, payload_type, sender, payload_id, checksum)
        request = write_request(action, fields, payload, self.state.user_id, self.state.password)
        try:
            answer = self.http.post(
                self.url,
                data=request.body,
                headers={"Content-Type": request.content_type},
                timeout=TIMEOUT,
            )
        except requests.RequestException as error:
            self.state.statuses.append(0)
            self.state.errors.append(f"connection:{type(error).__name__}")
            self.http = requests.Session()  # never reuse a connection the server dropped
            return {}, None
        self.state.statuses.append(answer.status_code)
        self.last_answer = answer
        try:
            values, content = read_answer(answer.headers.get("Content-Type", ""), answer.content)
        except CoreRefusalError:  # not a CORE answer at all (a gateway's error page, say)
            self.state.errors.append(f"http:{answer.status_code}")
            return {}, None
        if values.get("ErrorCode", SUCCESS) != SUCCESS:
            self.state.errors.append(values["ErrorCode"])
        return values, content

    def _retried(
        self, retries: int, call: Callable[[], tuple[dict[str, str], bytes | None]]
    ) -> tuple[dict[str, str], bytes | None]:
        """``call``, again after a 503's Retry-After (at most 5 s), up to ``retries`` times."""
        for _ in range(retries):
            values, content = call()
            status = self.state.statuses[-1] if self.state.statuses else 0
            if status != HTTPStatus.SERVICE_UNAVAILABLE:
                return values, content
            wait = self.last_answer.headers.get("Retry-After", "0") if self.last_answer else "0"
            time.sleep(min(float(wait) if wait.isdigit() else 0.0, MAX_RETRY_AFTER))
        return call()

    def _real_time(self, sender: str, kind: str, data: bytes, retries: int) -> None:
        values, content = self._retried(
            retries, lambda: self._call(Kind.REAL_TIME, sender, TYPE_CODES[kind], payload=data)
        )
        if content is not None:
            name = f"real-time answer {values.get('PayloadID', '')}"
            self._downloaded(values["PayloadType"], content, "", name)

    def _submit(
        self, sender: str, kind: str, data: bytes, retries: int, *, bad_checksum: bool
    ) -> None:
        digest = hashlib.sha1(data).hexdigest()
        checksum = digest[::-1] if bad_checksum else digest
        payload_id = str(uuid.uuid4())
        values, _ = self._retried(
            retries,
            lambda: self._call(
                Kind.SUBMIT,
                sender,
                TYPE_CODES[kind],
                payload_id=payload_id,
                payload=data,
                checksum=checksum,
            ),
        )
        if values.get("ErrorCode") == SUCCESS:
            self.payload_ids.append(payload_id)
            self.state.tracking_numbers.append(values.get("ErrorMessage") or None)

    def _acknowledgment(self, sender: str, payload_id: str) -> None:
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline:
            values, content = self._call(
                Kind.ACK_RETRIEVAL, sender, ACK_RETRIEVAL_TYPE, payload_id=payload_id
            )
            if content is not None or values.get("ErrorCode", SUCCESS) != SUCCESS:
                return
            time.sleep(POLL_SECONDS)

    def _file_list(self, sender: str) -> list[Element]:
        _, content = self._call(Kind.RETRIEVAL, sender, FILELIST, payload_id=FILELIST)
        return list(parse_document(content)) if content else []

    def _wait_for_file(self, sender: str, transaction_type: str) -> None:
        wanted = core_payload_type(download_type(transaction_type), "Response")
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline:
            if any(f.findtext("PayloadType") == wanted for f in self._file_list(sender)):
                return
            time.sleep(POLL_SECONDS)

    def _download_new(self, sender: str) -> None:
        for listed in self._file_list(sender):
            if listed.findtext("DateLastDownloaded"):
                continue
            payload_type = listed.findtext("PayloadType") or ""
            _, content = self._call(
                Kind.RETRIEVAL, sender, payload_type, payload_id=listed.findtext("PayloadID")
            )
            if content is not None:
                available = listed.findtext("DateAvailable") or ""
                self._downloaded(payload_type, content, available, listed.findtext("FileName"))

    def _downloaded(
        self, payload_type: str, content: bytes, available: str, file_name: str | None
    ) -> None:
        """Recorded as the API's downloads are, the type named as the API names it."""
        self.state.downloads.append(
            {
                "file_name": file_name or payload_type,
                "transaction_type": RESPONSE_CODES.get(payload_type, payload_type),
                "date_available": available,
                "content": content.decode("utf-8", "replace"),
            }
        )
