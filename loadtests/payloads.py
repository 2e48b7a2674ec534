"""What load clients send and wait for: X12 files in upload forms, and the batch's 999.

Shared by the Locust users and the benchmark, so both upload the same bytes the same way and
agree on when a batch is answered. No Locust import here: the benchmark runs without gevent.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from urllib3 import encode_multipart_formdata

from posc_sim_fixtures.x12_builders import Submitter, build_of_size
from simulator.web.core.envelope import (
    ACTIONS_BY_KIND,
    SUCCESS,
    CoreRefusalError,
    Kind,
)
from simulator.web.core.soap import read_answer, request_fields, write_request

PROVIDER_ID = "110048577A"
PASSWORD = "Load#2026x"  # of every login a load run creates
FINAL_STATUSES = frozenset({"accepted", "partially_accepted", "rejected"})
ACKNOWLEDGEMENTS = frozenset({"999", "TA1"})
# ISA15 must match the site the file goes to; the other value earns a TA1 rejection.
USAGE_INDICATORS = {"test": "T", "prod": "P"}
# The requests the fixtures build that a trading partner uploads (834 goes the other way).
UPLOAD_KINDS = ("837P", "837I", "270", "276", "278")
# The largest file to build: under the 16 MiB upload limit, with room for the last unit (the
# builders stop just past the size asked for) and the form around the file.
MAX_FILE_BYTES = 16 * 1024 * 1024 - 64 * 1024
# The pace of a user: seconds between one task and the next (Locust's wait_time), and between
# two polls of a batch waiting for its 999. The benchmark's "100 users" keep the same pace.
THINK_SECONDS = (0.5, 2.0)
POLL_INTERVAL_SECONDS = 0.1


@lru_cache(maxsize=64)
def x12_file(kind: str, site: str, submitter_id: str, size: int) -> bytes:
    """A valid file of ``kind`` addressed to MassHealth, of at least ``size`` bytes.

    Cached because a 16 MB file takes seconds to build: a client builds it once and resends
    the bytes. The submitter ID seeds the content, so different accounts send different files.
    """
    submitter = Submitter(
        submitter_id,
        PROVIDER_ID,
        usage_indicator=USAGE_INDICATORS[site],
        seed=zlib.crc32(submitter_id.encode()),
    )
    return build_of_size(kind, submitter, size)


def upload_form(kind: str, content: bytes, provider_id: str = PROVIDER_ID) -> tuple[bytes, str]:
    """The multipart body of ``POST S/api/v1/batches`` and its Content-Type, encoded once."""
    fields: list[tuple[str, str | tuple[str, bytes, str]]] = [
        ("provider_id", provider_id),
        ("transaction_type", kind),
        ("files", (f"load-{kind}.x12", content, "application/edi-x12")),
    ]
    return encode_multipart_formdata(fields)


def basic_auth(user_id: str, password: str) -> str:
    """An ``Authorization`` header value for HTTP Basic."""
    token = base64.b64encode(f"{user_id}:{password}".encode()).decode()
    return f"Basic {token}"


def acknowledged(status: dict[str, Any]) -> bool:
    """A batch status that is final with its 999 or TA1 listed.

    Both, because with a response delay the status is final before the files are available.
    """
    files = status.get("response_files") or []
    return status.get("status") in FINAL_STATUSES and any(
        isinstance(file, dict) and file.get("transaction_type") in ACKNOWLEDGEMENTS
        for file in files
    )


# -- CAQH CORE SOAP ---------------------------------------------------------------------------

REAL_TIME_270 = "X12_270_Request_005010X279A1"
SUBMIT_837P = "X12_837_Request_005010X222A1"
REAL_TIME_BYTES = 600  # one member: what a practice management system asks in real time


@dataclass(frozen=True)
class CoreRequest:
    action: str
    body: bytes
    content_type: str


def core_request(
    kind: Kind, payload_type: str, user_id: str, payload: bytes | None, payload_id: str = ""
) -> CoreRequest:
    """A CORE SOAP request of the provider's, with the load logins' password."""
    action = ACTIONS_BY_KIND[kind]
    real_time = kind is Kind.REAL_TIME
    checksum = hashlib.sha1(payload).hexdigest() if payload is not None and not real_time else None
    fields = request_fields(kind, payload_type, PROVIDER_ID, payload_id, checksum)
    rendered = write_request(action, fields, payload, user_id, PASSWORD)
    return CoreRequest(action.name, rendered.body, rendered.content_type)


class CoreReply:
    """Judges a CORE answer (``check``) and keeps what it carried."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.payload: bytes | None = None
        self.ok = False

    def check(self, response: Any) -> str | None:
        try:
            self.fields, self.payload = read_answer(
                response.headers.get("Content-Type", ""), response.content
            )
        except (CoreRefusalError, ValueError) as error:
            return f"not a CORE answer: {error}"
        code = self.fields.get("ErrorCode")
        self.ok = code == SUCCESS
        return None if self.ok else f"{code}: {self.fields.get('ErrorMessage', '')}"
