"""Fixtures of the dashboard tests: the real server over a store synced with the bundled
community sample (a forecast finished), users per role, and headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``.ci/run``) driven by Playwright,
started headless with a fresh profile and every background service off. Every request the
browser makes is recorded and any that would leave loopback is aborted, so the tests can
assert that none was tried; console errors and page errors are recorded the same way.
Screenshots go to ``reports/screenshots/`` (ignored by git).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import KEY, ROOT, Server, add_user, wait_for

SCREENSHOTS = ROOT / "reports" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "correct horse battery"
LOOPBACK = ("http://127.0.0.1", "https://127.0.0.1", "http://localhost", "file://", "data:",
            "about:", "blob:")


@pytest.fixture(scope="package")
def chromium():
    """Playwright's Chromium API, on the system's Chromium (skips when either is missing).

    Package-scoped: Playwright's sync API keeps an asyncio loop running in the thread while it
    is open, which would break later tests that call ``asyncio.run`` in the same worker."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        yield playwright.chromium


class Browser:
    """A fresh Chromium profile with its requests and console watched."""

    def __init__(self, chromium, folder: Path, width: int = 1280):
        self.context = chromium.launch_persistent_context(
            str(folder), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": width, "height": 900}, accept_downloads=True)
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.watch(self.page)

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if url.startswith(LOOPBACK):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def watch(self, page) -> None:
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def login(self, base: str, user: str) -> None:
        self.page.goto(base + "/login")
        self.page.fill("#username", user)
        self.page.fill("#password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(base + "/")

    def open(self, base: str, user: str, path: str) -> None:
        """Log in as ``user`` and go to ``path``."""
        self.login(base, user)
        self.page.goto(base + path)

    def play_and_pause(self) -> None:
        """Play the flow animation until its clock moves two hours, then pause it."""
        page = self.page
        page.wait_for_selector("#flow .flow-plot .main-svg", timeout=60_000)
        start = float(page.get_attribute("#flow", "data-time"))
        page.click(".flow-play")
        page.wait_for_function(
            f"() => +document.getElementById('flow').getAttribute('data-time') > {start + 2}")
        page.click(".flow-pause")
        assert page.get_attribute("#flow", "data-state") == "paused"

    def resize(self, width: int) -> None:
        self.page.set_viewport_size({"width": width, "height": 900})

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        width = self.page.viewport_size["width"]
        path = SCREENSHOTS / f"{name}-{width}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_clean(self) -> None:
        """No console error, and no request tried to leave loopback."""
        assert not self.outside, f"requests that would leave this machine: {self.outside}"
        assert not self.errors, f"browser console errors: {self.errors}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def browser(chromium, tmp_path):
    """A fresh browser; the test fails if it logged an error or tried to leave loopback."""
    made = Browser(chromium, tmp_path / "profile")
    yield made
    try:
        made.check_clean()
    finally:
        made.close()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """The server over a store synced with the community sample, with a forecast done; an
    analyst's and a viewer's token."""
    from hospitaltwin.eventlog.mapping import load_unit_map
    from hospitaltwin.store import Store

    folder = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{folder / 'twin.db'}"
    with Store.open(url) as store:
        store.sync([ROOT / "samples" / "community-adt.csv.gz"], KEY.encode(),
                   unit_map=load_unit_map(ROOT / "samples" / "community-units.yaml"))
    tokens = {role: add_user(url, role, role, PASSWORD) for role in ("viewer", "analyst")}
    server = Server(url, folder, "--horizon", "3d", "--whatif-workers", "1", mllp=False)
    with httpx.Client(base_url=server.http, timeout=30,
                      headers={"Authorization": f"Bearer {tokens['viewer']}"}) as client:
        wait_for(lambda: client.get("/api/v1/forecasts/latest").status_code == 200, 120,
                 what="the first forecast")
    yield server, tokens
    server.stop()
    server.kill()
