"""``validation = "full"``: pyx12's guide checks join ours in the same 999."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient

from posc_sim_fixtures.x12_builders import Submitter, build_270
from simulator.app import create_app
from simulator.control.seeding import seed_unseeded_sites
from simulator.runtime import Runtime
from simulator.settings import Settings, SiteSettings
from tests.conftest import BufferedClient
from tests.samples import masshealth_shaped, sample
from tests.web.helpers import basic, create_user, upload


@pytest.fixture
def full(make_settings: Callable[..., Settings]) -> Iterator[tuple[FlaskClient, Runtime]]:
    settings = make_settings(
        sites={"test": SiteSettings(validation="full"), "prod": SiteSettings()}
    )
    runtime = Runtime.open(settings)
    runtime.prepare_storage()
    seed_unseeded_sites(runtime, "demo", 1)
    app = create_app(settings, runtime)
    app.test_client_class = BufferedClient
    client = app.test_client()
    create_user(client, "test", "ALICE01")
    create_user(client, "prod", "ALICE01")
    yield client, runtime
    runtime.close()


def processed(client: FlaskClient, runtime: Runtime, site: str, data: bytes, kind: str) -> dict:
    number = upload(
        client, site, "ALICE01", [(data, "file.x12")], transaction_type=kind
    ).get_json()["tracking_number"]
    runtime.processor.run_pending()
    batch: dict = client.get(f"/_sim/v1/batches/{site}/{number}").get_json()
    return batch


def ack_text(client: FlaskClient, site: str, batch: dict) -> str:
    file_id = next(f["file_id"] for f in batch["response_files"] if f["transaction_type"] == "999")
    return client.get(f"/{site}/api/v1/files/{file_id}", headers=basic("ALICE01")).data.decode()


def test_pyx12_finds_what_structure_checks_cannot(full: tuple[FlaskClient, Runtime]) -> None:
    client, runtime = full
    data = masshealth_shaped(sample("imsweb/837_5010_x12_missing_elements.txt"))
    deep = processed(client, runtime, "test", data, "837P")
    assert deep["report"]["files"][0]["mode"] == "full"
    assert "IK3*NM1*5**8~\nIK4*2*1065*1~" in ack_text(client, "test", deep)
    shallow = processed(
        client,
        runtime,
        "prod",
        masshealth_shaped(sample("imsweb/837_5010_x12_missing_elements.txt"), "P"),
        "837P",
    )
    assert shallow["report"]["files"][0]["mode"] == "structure"
    assert "IK4*2*1065" not in ack_text(client, "prod", shallow)


def test_full_is_structure_where_pyx12_has_no_map(full: tuple[FlaskClient, Runtime]) -> None:
    client, runtime = full
    batch = processed(client, runtime, "test", build_270(Submitter("SUB000001")), "270")
    report = batch["report"]["files"][0]
    assert report["status"] == "accepted"
    assert any("pyx12 has no map for 005010X279A1" in note for note in report["notes"])
