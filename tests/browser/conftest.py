"""Headless Chromium (Debian's package, through Playwright) against a real ``posc-sim serve``.

Each test module gets one server; each test its own browser context (cookies) and its own
users, so tests stay apart while the server starts once per module. Where Chromium or
Playwright is missing, every browser test skips and says why.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from simulator.testing.server import SimulatorServer, start_server
from tests.web.helpers import PASSWORD, QUESTIONS

try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # the dev extra brings both; a bare install of the package does not
    sync_playwright = None

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SERIOUS = frozenset({"serious", "critical"})
TIMEOUT_MS = 15_000


def chromium_path() -> Path | None:
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if sync_playwright is None:
        pytest.skip("Playwright is not installed (pip install -e '.[dev]' brings it)")
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "no Chromium at /usr/bin/chromium: install Debian's 'chromium' package "
            "(python3 run.py test does so when run as root)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorServer]:
    started = start_server(tmp_path_factory.mktemp("browser-server"))
    yield started
    started.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    yield opened
    context.close()


def new_user(server: SimulatorServer, site: str, **fields: object) -> str:
    """A fresh user of provider 110048577A on ``site``, made through the control API."""
    user_id = f"U{uuid.uuid4().hex[:9].upper()}"
    body = {
        "site": site,
        "user_id": user_id,
        "password": PASSWORD,
        "providers": ["110048577A"],
        "security_questions": QUESTIONS,
        **fields,
    }
    response = requests.post(f"{server.control_url}/users", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return user_id


def check_page(page: Page, name: str) -> None:
    """Save a screenshot of the page as a build artifact and run axe-core in it.

    No violation of impact serious or critical is allowed; the message lists each one with
    the elements it points at.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in SERIOUS]
    described = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in serious
    ]
    assert not serious, f"{name}: " + "; ".join(described)


def log_in(
    page: Page, server: SimulatorServer, site: str, user_id: str, password: str = PASSWORD
) -> None:
    page.goto(f"{server.url}/{site}/login")
    page.get_by_label("Submitter ID").fill(user_id)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Submit").click()
