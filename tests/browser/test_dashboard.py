"""The control dashboard at /_sim/, driven in Chromium against a real server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (dev extra)")
from playwright.sync_api import Page, expect

from posc_sim_fixtures.x12_builders import Submitter, build_837p
from simulator.testing.server import SimulatorServer, start_server
from tests.browser.conftest import check_page, new_user
from tests.web.helpers import PASSWORD

pytestmark = [pytest.mark.server, pytest.mark.browser]
CLAIM = build_837p(Submitter("SUB000001"))
ADMIN_TOKEN = "dashboard-secret-token"


def api_upload(server: SimulatorServer, user_id: str) -> requests.Response:
    return requests.post(
        f"{server.test_url}/api/v1/batches",
        auth=(user_id, PASSWORD),
        data={"provider_id": "110048577A", "transaction_type": "837P"},
        files=[("files", ("claims.x12", CLAIM))],
        timeout=30,
    )


def test_the_journal_updates_after_an_upload_and_links_the_batch(
    page: Page, server: SimulatorServer
) -> None:
    user_id = new_user(server, "test")
    page.goto(f"{server.url}/_sim/")
    expect(page.get_by_role("heading", name="Simulator dashboard")).to_be_visible()
    page.get_by_label("User ID", exact=True).fill(user_id)
    page.get_by_role("button", name="Filter").click()
    journal = page.locator("#journal tbody tr")
    expect(journal).to_have_count(0)

    uploaded = api_upload(server, user_id)
    assert uploaded.status_code == 201, uploaded.text
    number = uploaded.json()["tracking_number"]
    row = journal.filter(has_text="upload")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(number)
    expect(journal.filter(has_text="process")).to_contain_text("accepted")
    expect(page.locator("#chart rect.bar-ok")).not_to_have_count(0)
    expect(page.locator("#chart rect.bar-refused")).to_have_count(0)
    check_page(page, "dashboard")

    row.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=f"Upload {number}")).to_be_visible()
    expect(page.locator(".batch-status")).to_have_text("accepted", timeout=20_000)
    expect(page.locator("#response-files tbody tr")).to_have_count(2)
    expect(page.locator("#response-files")).to_contain_text("999")
    expect(page.locator("#no-findings")).to_be_visible()
    check_page(page, "dashboard-batch")


def test_the_journal_shows_and_filters_the_way_in(page: Page, server: SimulatorServer) -> None:
    user_id = new_user(server, "test")
    assert api_upload(server, user_id).status_code == 201
    page.goto(f"{server.url}/_sim/")
    page.get_by_label("User ID", exact=True).fill(user_id)
    page.get_by_role("button", name="Filter").click()
    journal = page.locator("#journal tbody tr")
    upload = journal.filter(has_text="upload")
    expect(upload.locator("td").nth(3)).to_have_text("api")
    page.get_by_label("Way in").select_option("core")
    page.get_by_role("button", name="Filter").click()
    expect(journal).to_have_count(0)
    page.get_by_label("Way in").select_option("api")
    page.get_by_role("button", name="Filter").click()
    expect(upload).to_have_count(1)
    expect(journal.filter(has_text="process")).to_have_count(0)  # a job has no way in
    check_page(page, "dashboard")


def test_the_batch_page_lists_each_finding_with_its_segment(
    page: Page, server: SimulatorServer
) -> None:
    user_id = new_user(server, "test")
    broken = CLAIM.replace(b"\nCLM*", b"\nCLX*", 1)
    answer = requests.post(
        f"{server.test_url}/api/v1/batches",
        auth=(user_id, PASSWORD),
        data={"provider_id": "110048577A", "transaction_type": "837P"},
        files=[("files", ("broken.x12", broken))],
        timeout=30,
    )
    number = answer.json()["tracking_number"]
    page.goto(f"{server.url}/_sim/batches/test/{number}")
    expect(page.locator(".batch-status")).to_have_text("rejected", timeout=20_000)
    findings = page.locator("#findings tbody tr")
    expect(findings.first).to_contain_text("broken.x12")
    expect(page.locator("#findings")).to_contain_text("CLX")
    check_page(page, "dashboard-batch-findings")


def test_a_fault_added_from_the_dashboard_hits_the_next_upload(
    page: Page, server: SimulatorServer
) -> None:
    user_id = new_user(server, "test")
    page.goto(f"{server.url}/_sim/")
    form = page.locator("#fault-form")
    form.get_by_label("Site").select_option("test")
    form.get_by_label("Operation").select_option("upload")
    form.get_by_label("Match user ID").fill(user_id)
    form.get_by_label("Action").select_option("error")
    form.get_by_label("Parameters (JSON)").fill('{"status": 503}')
    form.get_by_label("Times").fill("1")
    form.get_by_role("button", name="Add rule").click()
    rule_row = page.locator("#faults tbody tr").filter(has_text=user_id)
    expect(rule_row).to_have_count(1)
    rule_id = rule_row.get_attribute("data-rule-id")

    refused = api_upload(server, user_id)
    assert refused.status_code == 503
    page.get_by_label("User ID", exact=True).fill(user_id)
    page.get_by_role("button", name="Filter").click()
    fired = page.locator("#journal tbody tr.fault-fired")
    expect(fired).to_have_count(1)
    expect(fired).to_contain_text(f"rule {rule_id} fired")
    expect(page.locator("#chart rect.bar-fault")).not_to_have_count(0)
    check_page(page, "dashboard-fault-fired")
    assert api_upload(server, user_id).status_code == 201  # times: 1, so the rule retired

    form.get_by_label("Parameters (JSON)").fill('{"status": 418}')
    form.get_by_role("button", name="Add rule").click()
    expect(page.locator("#fault-error")).to_contain_text("status")  # refused, saying why
    form.get_by_label("Parameters (JSON)").fill("{not json")
    form.get_by_role("button", name="Add rule").click()
    expect(page.locator("#fault-error")).to_contain_text("JSON object")

    remaining = page.locator("#faults tbody tr").filter(has_text=user_id)
    if remaining.count():
        remaining.get_by_role("button", name=re.compile("Remove rule")).click()
    expect(remaining).to_have_count(0)


def test_the_dashboard_obeys_the_admin_token_and_steers_clock_and_reset(
    page: Page, tmp_path: Path
) -> None:
    server = start_server(tmp_path / "data", env={"POSC_SIM_ADMIN_TOKEN": ADMIN_TOKEN})
    try:
        page.goto(f"{server.url}/_sim/")
        expect(page.locator("#token-status")).to_contain_text("needs the admin token")
        expect(page.locator("#clock-now")).to_have_text("…")
        page.get_by_label("Admin token").fill(ADMIN_TOKEN)
        page.get_by_role("button", name="Use token").click()
        expect(page.locator("#token-status")).to_be_empty()
        expect(page.locator("#clock-now")).to_have_text(re.compile(r"^\d{4}-\d\d-\d\dT"))

        clock = page.locator("#clock-form")
        clock.get_by_label("Set to (ISO time)").fill("2026-01-31T09:00:00-05:00")
        clock.get_by_label("Frozen").select_option("true")
        clock.get_by_role("button", name="Apply").click()
        expect(page.locator("#clock-frozen")).to_have_text("(frozen)")
        expect(page.locator("#clock-now")).to_contain_text("2026-01-31T14:00:00")
        clock.get_by_label("Set to (ISO time)").fill("")
        clock.get_by_label("Advance by").fill("P1D")
        clock.get_by_role("button", name="Apply").click()
        expect(page.locator("#clock-now")).to_contain_text("2026-02-01T14:00:00")
        clock.get_by_label("Advance by").fill("soon")
        clock.get_by_role("button", name="Apply").click()
        expect(page.locator("#clock-error")).not_to_be_empty()

        reset = page.locator("#reset-form")
        reset.get_by_label("Data set").select_option("empty")
        reset.get_by_label("Seed").fill("7")
        reset.get_by_role("button", name="Reset").click()
        expect(page.locator("#reset-result")).to_have_text(
            "Reset both sites with the empty data set and seed 7."
        )
        expect(page.locator("#clock-frozen")).to_have_text("(running)")
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        users = requests.get(f"{server.control_url}/users?site=test", headers=headers, timeout=10)
        assert users.json()["users"] == []
        check_page(page, "dashboard-clock-and-reset")
    finally:
        server.stop()
