"""``posc-sim x12 retarget``: public samples written for other payers, readdressed and sent.

Each sample as published gets a TA1 (its ISA07/ISA08 name another receiver); retargeted at
MassHealth, its envelope passes and the file is judged by its body.
"""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from simulator.cli import cli
from simulator.runtime import Runtime
from tests.samples import SAMPLES, sample
from tests.web.helpers import create_user, upload

KINDS = {"270": "270", "276": "276", "834": "834", "837": "837P", "837i": "837I"}
FILES = sorted(
    path.relative_to(SAMPLES).as_posix()
    for path in SAMPLES.glob("linuxforhealth/*/*")
    if path.suffix.lstrip(".") in KINDS
)
# Each sample once, the sites in turn: both usage indicators are exercised on every kind.
CASES = [(relative, ("test", "prod")[index % 2]) for index, relative in enumerate(FILES)]
ENVELOPE_NOTES = {"005", "006", "007", "008", "020"}


def sent(client: FlaskClient, runtime: Runtime, site: str, data: bytes, kind: str) -> Any:
    answer = upload(client, site, "PARTNER01", [(data, "sample.x12")], transaction_type=kind)
    assert answer.status_code == 201, answer.get_json()
    runtime.processor.run_pending()
    number = answer.get_json()["tracking_number"]
    return client.get(f"/_sim/v1/batches/{site}/{number}").get_json()


def ta1_notes(batch: dict[str, Any]) -> set[str]:
    return {
        interchange["note_code"]
        for file in batch["report"]["files"]
        for interchange in file["interchanges"]
        if interchange.get("note_code")
    }


@pytest.mark.parametrize(("relative", "site"), CASES)
def test_a_retargeted_sample_passes_the_envelope(
    client: FlaskClient, runtime: Runtime, relative: str, site: str
) -> None:
    create_user(client, site, "PARTNER01")
    kind = KINDS[relative.rsplit(".", 1)[-1]]
    as_published = sent(client, runtime, site, sample(relative), kind)
    assert ta1_notes(as_published) & ENVELOPE_NOTES
    result = CliRunner().invoke(
        cli,
        ["x12", "retarget", str(SAMPLES / relative), "--provider", "110048577A", "--site", site],
    )
    assert result.exit_code == 0, result.output
    batch = sent(client, runtime, site, result.stdout_bytes, kind)
    assert ta1_notes(batch) == set()
    assert "999" in {f["transaction_type"] for f in batch["response_files"]}
