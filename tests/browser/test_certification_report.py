"""The certification report's HTML file, as a person opens it from a ticket: in the browser."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (dev extra)")
from playwright.sync_api import Page

from posc_sim_fixtures.x12_builders import Submitter, build_837p
from simulator.cli import cli
from simulator.testing.server import SimulatorServer
from tests.browser.conftest import check_page, new_user
from tests.web.helpers import PASSWORD

pytestmark = [pytest.mark.server, pytest.mark.browser]
ORGANIZATION = "Report Billing"
FINAL = {"accepted", "partially_accepted", "rejected"}


def upload_and_wait(server: SimulatorServer, user_id: str) -> str:
    """One 837P on the test site, answered; its tracking number."""
    claims = build_837p(Submitter("SUB000001", usage_indicator="T"))
    answer = requests.post(
        f"{server.test_url}/api/v1/batches",
        auth=(user_id, PASSWORD),
        data={"provider_id": "110048577A", "transaction_type": "837P"},
        files={"files": ("claims.837", claims)},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    tracking_number: str = answer.json()["tracking_number"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = requests.get(
            f"{server.test_url}/api/v1/batches/{tracking_number}",
            auth=(user_id, PASSWORD),
            timeout=10,
        ).json()["status"]
        if status in FINAL:
            return tracking_number
        time.sleep(0.2)
    raise AssertionError(f"batch {tracking_number} was not answered in time")


def test_the_html_report_reads_as_a_timeline_in_the_browser(
    server: SimulatorServer, page: Page, tmp_path: Path
) -> None:
    user_id = new_user(server, "test", organization=ORGANIZATION)
    tracking_number = upload_and_wait(server, user_id)
    html = tmp_path / "report.html"
    command = ["certification", "report", "--data-dir", str(server.data_dir)]
    result = CliRunner().invoke(
        cli, [*command, "--organization", ORGANIZATION, "--html", str(html)]
    )
    assert result.exit_code == 1, result.output  # one pass of two: in progress, not certified
    page.goto(html.resolve().as_uri())
    check_page(page, "certification-report")
    assert page.get_by_role("heading", name=ORGANIZATION).is_visible()
    assert page.get_by_text(tracking_number).first.is_visible()
