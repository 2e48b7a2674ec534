"""Every page flow of both sites, clicked and typed through as a person does, in Chromium.

Each page visited is checked with axe-core (no serious or critical violation) and saved as a
screenshot under build/screenshots/.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import pytest
import requests

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (dev extra)")
from playwright.sync_api import Browser, Page, expect

from posc_sim_fixtures.x12_builders import Submitter, build_837p
from simulator.testing.server import SimulatorServer
from tests.browser.conftest import check_page, log_in, new_user
from tests.web.helpers import PASSWORD, QUESTIONS

pytestmark = [pytest.mark.server, pytest.mark.browser]
SITES = ["test", "prod"]
NEW_PASSWORD = "Chosen#2027"


def expect_site_label(page: Page, site: str) -> None:
    """The TEST label on every test-site page; none on production."""
    banner = page.locator("#site-banner")
    if site == "test":
        expect(banner).to_have_text("TEST")
    else:
        expect(banner).to_have_count(0)


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Logout").click()
    expect(page.get_by_role("heading", name="Secure Login")).to_be_visible()


@pytest.mark.parametrize("site", SITES)
def test_landing_login_welcome_and_logout(page: Page, server: SimulatorServer, site: str) -> None:
    page.goto(server.url)
    check_page(page, "landing")
    title = "Test Transactions" if site == "test" else "Production Transactions"
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name="Secure Login")).to_be_visible()
    expect_site_label(page, site)
    check_page(page, f"{site}-login")
    user_id = new_user(server, site)
    page.get_by_label("Submitter ID", exact=True).fill(user_id)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Welcome", exact=True)).to_be_visible()
    expect(page.locator("#welcome-user")).to_have_text(f"Welcome {user_id}")
    expect(page.locator("#header-date")).to_have_text(re.compile(r"^[A-Z][a-z]+ \d{1,2}, \d{4}$"))
    services = page.get_by_role("navigation", name="Provider Services")
    for item in ("Home", "Upload Batch File", "Download Batch File", "Profile"):
        expect(services.get_by_role("link", name=item, exact=True)).to_be_visible()
    expect_site_label(page, site)
    check_page(page, f"{site}-welcome")
    log_out(page)
    page.goto(f"{server.url}/{site}/welcome")
    expect(page.get_by_role("heading", name="Secure Login")).to_be_visible()


@pytest.mark.parametrize("site", SITES)
def test_a_forced_password_change_goes_on_to_welcome(
    page: Page, server: SimulatorServer, site: str
) -> None:
    user_id = new_user(server, site, must_change_password=True)
    log_in(page, server, site, user_id)
    expect(page.get_by_role("heading", name="Password Reset")).to_be_visible()
    expect(page.locator("#reason")).to_contain_text("initial password")
    expect_site_label(page, site)
    check_page(page, f"{site}-password-change")
    page.get_by_label("Current password", exact=True).fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Confirm new password", exact=True).fill("short")
    page.get_by_role("button", name="Update").click()
    expect(page.locator("#error")).to_contain_text("at least 8 characters")
    check_page(page, f"{site}-password-change-refused")
    page.get_by_label("Current password", exact=True).fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("heading", name="Welcome", exact=True)).to_be_visible()
    expect(page.locator("#message")).to_have_text("Your password was changed.")
    log_out(page)
    log_in(page, server, site, user_id, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Welcome", exact=True)).to_be_visible()


@pytest.mark.parametrize("site", SITES)
def test_profile_and_security_questions(page: Page, server: SimulatorServer, site: str) -> None:
    user_id = new_user(server, site, security_level="master")
    log_in(page, server, site, user_id)
    page.get_by_role("navigation", name="Provider Services").get_by_role(
        "link", name="Profile"
    ).click()
    expect(page.locator("#submitter-id")).to_have_text(user_id)
    expect(page.locator("#security-level")).to_have_text("Master User")
    expect_site_label(page, site)
    check_page(page, f"{site}-profile")
    page.get_by_label("First name", exact=True).fill("Alicia")
    page.get_by_label("E-mail address", exact=True).fill("not-an-email")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#error")).to_contain_text("e-mail")
    page.get_by_label("E-mail address", exact=True).fill("alicia@example.org")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#message")).to_have_text("Your profile was updated.")
    expect(page.get_by_label("First name", exact=True)).to_have_value("Alicia")

    page.get_by_role("link", name="Modify Security Information").first.click()
    expect(page.get_by_role("heading", name="Modify Security Information")).to_be_visible()
    expect(page.get_by_label("Question 1", exact=True)).to_have_value(QUESTIONS[0]["question"])
    expect_site_label(page, site)
    check_page(page, f"{site}-security")
    page.get_by_label("Current password", exact=True).fill(PASSWORD)
    page.get_by_label("Question 1", exact=True).select_option(
        "What was the name of your first pet?"
    )
    page.get_by_label("Answer to question 1", exact=True).fill("Rex")
    page.get_by_label("Question 2", exact=True).select_option(
        "What was the make of your first car?"
    )
    page.get_by_label("Answer to question 2", exact=True).fill("Volvo")
    page.get_by_role("button", name="Update").click()
    expect(page.locator("#message")).to_have_text("Your security information was updated.")
    log_out(page)

    page.get_by_role("link", name="Forgot Password").click()
    page.get_by_label("Submitter ID", exact=True).fill(user_id)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("What was the name of your first pet?", exact=True)).to_be_visible()
    expect(page.get_by_label("What was the make of your first car?", exact=True)).to_be_visible()


@pytest.mark.parametrize("site", SITES)
def test_forgot_password(page: Page, server: SimulatorServer, site: str) -> None:
    user_id = new_user(server, site)
    page.goto(f"{server.url}/{site}/login")
    page.get_by_role("link", name="Forgot Password").click()
    expect_site_label(page, site)
    check_page(page, f"{site}-forgot-password")
    page.get_by_label("Submitter ID", exact=True).fill(user_id)
    page.get_by_role("button", name="Continue").click()
    check_page(page, f"{site}-forgot-password-questions")
    page.get_by_label(QUESTIONS[0]["question"], exact=True).fill("wrong")
    page.get_by_label(QUESTIONS[1]["question"], exact=True).fill("wrong")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#error")).to_contain_text("try once more")
    page.get_by_label(QUESTIONS[0]["question"], exact=True).fill(QUESTIONS[0]["answer"])
    page.get_by_label(QUESTIONS[1]["question"], exact=True).fill(QUESTIONS[1]["answer"])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Password Reset")).to_be_visible()
    expect_site_label(page, site)
    check_page(page, f"{site}-forgot-password-reset")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Update").click()
    expect(page.locator("#message")).to_contain_text("Your password was reset.")
    log_in(page, server, site, user_id, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Welcome", exact=True)).to_be_visible()


@pytest.mark.parametrize("site", SITES)
def test_lockout_after_five_wrong_passwords(page: Page, server: SimulatorServer, site: str) -> None:
    user_id = new_user(server, site)
    for _ in range(4):
        log_in(page, server, site, user_id, "Wrong#1234")
        expect(page.locator("#error")).to_be_visible()
    log_in(page, server, site, user_id, "Wrong#1234")
    expect(page.locator("#error")).to_contain_text("Customer Services")
    expect_site_label(page, site)
    check_page(page, f"{site}-login-locked")
    log_in(page, server, site, user_id)
    expect(page.locator("#error")).to_contain_text("Customer Services")


@pytest.mark.parametrize("site", SITES)
def test_a_missing_file_shows_the_error_page(
    page: Page, server: SimulatorServer, site: str
) -> None:
    log_in(page, server, site, new_user(server, site))
    answer = page.goto(f"{server.url}/{site}/batch/files/999999")
    assert answer is not None
    assert answer.status == 404
    expect(page.locator("#error")).to_contain_text("There is no file")
    expect_site_label(page, site)
    check_page(page, f"{site}-error")


def claim_file(site: str) -> bytes:
    return build_837p(Submitter("SUB000001", usage_indicator="T" if site == "test" else "P"))


@pytest.mark.parametrize("site", SITES)
def test_upload_then_download_the_999_as_dat_and_zip(
    page: Page, server: SimulatorServer, site: str, tmp_path: Path
) -> None:
    user_id = new_user(server, site)
    log_in(page, server, site, user_id)
    page.get_by_role("link", name="Upload Batch File").first.click()
    expect(page.get_by_text("Select the type of transaction you are uploading:")).to_be_visible()
    expect_site_label(page, site)
    check_page(page, f"{site}-upload")
    page.get_by_label("Transaction Type *", exact=True).select_option("837P")
    claims = tmp_path / "claims.x12"
    claims.write_bytes(claim_file(site))
    with page.expect_file_chooser() as chooser:
        page.get_by_label("File *", exact=True).click()
    chooser.value.set_files(claims)
    expect(page.get_by_label("File 2", exact=True)).to_be_hidden()
    page.get_by_role("button", name="Add another file").click()
    extra = tmp_path / "more-claims.x12"
    extra.write_bytes(claim_file(site))
    page.get_by_label("File 2", exact=True).set_input_files(extra)
    page.get_by_role("button", name="Upload File").click()

    expect(page.get_by_role("heading", name="Batch Upload Confirmation")).to_be_visible()
    expect(page.locator("#confirmation")).to_have_text(
        "Your file was successfully received. The following tracking number should be "
        "retained for your records."
    )
    tracking_number = page.locator("#tracking-number").inner_text()
    assert re.fullmatch(r"\d{12}", tracking_number)
    expect(page.locator("#received-files")).to_contain_text("more-claims.x12")
    expect_site_label(page, site)
    check_page(page, f"{site}-upload-confirmation")
    wait_for_responses(server, site, user_id, tracking_number)

    page.get_by_role("link", name="Download Batch File").first.click()
    expect(page.get_by_text("You can enter the tracking # from your upload")).to_be_visible()
    page.get_by_label("Tracking #", exact=True).fill(tracking_number)
    page.get_by_role("button", name="Search").click()
    rows = page.locator("#results tr[data-file-id]")
    expect(rows.first).to_be_visible()
    expect_site_label(page, site)
    check_page(page, f"{site}-download")
    row = rows.filter(has_text="999").first  # one 999 per file uploaded, and their 277CAs
    file_name = row.locator("a.file-link").inner_text()
    with page.expect_download() as plain:
        row.get_by_role("link", name=file_name, exact=True).click()
    assert plain.value.suggested_filename == f"{file_name}.dat"
    assert Path(plain.value.path()).read_bytes().startswith(b"ISA")
    with page.expect_download() as zipped:
        row.get_by_role("link", name=f"Zip format of {file_name}").click()
    with zipfile.ZipFile(io.BytesIO(Path(zipped.value.path()).read_bytes())) as archive:
        assert archive.namelist() == [f"{file_name}.dat"]
    page.get_by_role("link", name="Clear").click()
    expect(page.get_by_label("Tracking #", exact=True)).to_have_value("")
    page.get_by_role("link", name="Close").click()
    expect(page.get_by_role("heading", name="Welcome", exact=True)).to_be_visible()


def test_upload_page_works_without_script(browser: Browser, server: SimulatorServer) -> None:
    """With JavaScript off every file field shows, and two files go up as one batch."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        user_id = new_user(server, "test")
        log_in(page, server, "test", user_id)
        page.goto(f"{server.url}/test/batch/upload")
        expect(page.locator("input[type=file][name=files]:visible")).to_have_count(5)
        page.get_by_label("Transaction Type *", exact=True).select_option("837P")
        page.get_by_label("File *", exact=True).set_input_files(
            {"name": "a.x12", "mimeType": "text/plain", "buffer": claim_file("test")}
        )
        page.get_by_label("File 3", exact=True).set_input_files(
            {"name": "b.x12", "mimeType": "text/plain", "buffer": claim_file("test")}
        )
        page.get_by_role("button", name="Upload File").click()
        expect(page.locator("#tracking-number")).to_have_text(re.compile(r"^\d{12}$"))
        expect(page.locator("#received-files tr")).to_have_count(3)
    finally:
        context.close()


def wait_for_responses(server: SimulatorServer, site: str, user_id: str, number: str) -> None:
    """Poll the batch status until the 999 is made (jobs run in the server's own thread)."""
    status_url = f"{server.url}/{site}/api/v1/batches/{number}"
    auth = (user_id, PASSWORD)
    for _ in range(100):
        answer = requests.get(status_url, auth=auth, timeout=10).json()
        if answer["response_files"]:
            return
        time.sleep(0.1)
    raise AssertionError(f"no response file for {number}: {answer}")
