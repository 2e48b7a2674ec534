"""Every public sample, uploaded: each ends in a final status with a TA1 or a 999, never a 500."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient

from simulator.runtime import Runtime
from simulator.x12.reader import NotX12Error, SegmentReader
from tests.samples import SAMPLES, masshealth_shaped
from tests.web.helpers import basic, create_user, upload

FILES = sorted(
    path.relative_to(SAMPLES).as_posix()
    for path in SAMPLES.rglob("*")
    if path.is_file() and path.suffix != ".md"
)
UPLOAD_TYPES = {"270": "270", "276": "276", "278": "278", "834": "834"}


def upload_type(data: bytes) -> str:
    """The upload type a partner would choose for this file (837P for anything unknown)."""
    try:
        segments = list(SegmentReader.open(io.BytesIO(data)))
    except NotX12Error:
        return "837P"
    st = next((s for s in segments if s[0] == "ST"), ["ST", ""])
    if st[1] == "837":
        versions = " ".join(s[8] for s in segments if s[0] == "GS" and len(s) > 8)
        return "837I" if "X223" in versions else "837P"
    return UPLOAD_TYPES.get(st[1], "837P")


def shaped(raw: bytes) -> bytes:
    try:
        return masshealth_shaped(raw, "T")
    except (NotX12Error, IndexError):
        return raw  # unreadable as X12: uploaded as it is


@pytest.mark.parametrize("relative", FILES)
def test_every_sample_gets_an_acknowledgement(
    client: FlaskClient, runtime: Runtime, relative: str
) -> None:
    create_user(client, "test", "SWEEP01")
    data = shaped((SAMPLES / relative).read_bytes())
    response = upload(
        client,
        "test",
        "SWEEP01",
        [(data, relative.rsplit("/", 1)[-1])],
        transaction_type=upload_type(data),
    )
    assert response.status_code == 201, response.get_json()
    runtime.processor.run_pending()
    number = response.get_json()["tracking_number"]
    status = client.get(f"/test/api/v1/batches/{number}", headers=basic("SWEEP01")).get_json()
    assert status["status"] in {"accepted", "partially_accepted", "rejected"}
    kinds = {f["transaction_type"] for f in status["response_files"]}
    assert kinds & {"TA1", "999"}
