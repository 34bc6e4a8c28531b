"""Real-browser flows: Debian's Chromium, driven by Playwright, against a real Fangkong server.

The server is `manage.py runserver` in a subprocess, on a free port, with its own SQLite database and
var/ folder holding the tiny demo district (`demo_district --size tiny`), so every demo account exists
and pages behave as in `make demo`. Each test gets a fresh browser context; the `ui` fixture fails the
test on any console error, uncaught page error or failed request (4xx/5xx or network), and saves a
screenshot of every step under var/e2e/<test>/.

A new flow is a new test module here that takes `ui`:

    def test_something(ui):
        ui.login("grid1")
        ui.goto("/screening/")
        ui.shot("key-person-list")
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "var" / "e2e"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "fangkong2026"  # noqa: S105 - the demo accounts' documented password
# Flags for a machine without outside network: no background calls home, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    var = tmp_path_factory.mktemp("e2e-var")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "FANGKONG_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'e2e.sqlite3'}",
        "DEBUG": "0",
        "DEMO_PASSWORD": PASSWORD,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True, timeout=300)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*manage, "demo_district", "--size", "tiny", "--base-url", base],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=300,
        stdout=subprocess.DEVNULL,
    )
    log = (var / "server.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/accounts/login/", timeout=2).close()  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"the test server did not start: {(var / 'server.log').read_text()}") from None
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make e2e` installs Debian's chromium package")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class UI:
    """One browser tab with what a flow needs: log in, go to a page, screenshot, and the problems seen."""

    page: Any
    base: str
    folder: Path
    problems: list[str] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)
    steps: int = 0

    def watch(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} at {message.location.get('url', '')}")

    def _request_failed(self, request: Any) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" in failure and request.resource_type == "document":
            return  # a navigation replaced by the next one (e.g. a download link)
        self.problems.append(f"request failed: {request.method} {request.url} {failure}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.status not in self.allowed_statuses:
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return response

    def overflow(self) -> tuple[float, str]:
        """How far the page reaches past the right edge of the screen, and its widest element (a hint).

        Against the screen, not the viewport: a mobile browser widens its viewport to fit content
        that is too wide, so a page never looks wider than its own viewport. Content scrolling
        inside its own box (a wide table in .table-responsive) does not widen the page.
        """
        widest = self.page.evaluate(
            """() => {
                let far = 0, name = "";
                for (const e of document.querySelectorAll("body *")) {
                    const right = e.getBoundingClientRect().right;
                    if (right > far) {
                        far = right;
                        const classes = typeof e.className === "string" ? e.className.trim().replace(/\\s+/g, ".") : "";
                        name = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (classes ? "." + classes : "");
                    }
                }
                return [document.documentElement.scrollWidth - window.screen.width, name];
            }"""
        )
        return float(widest[0]), str(widest[1])

    def shot(self, name: str) -> Path:
        self.steps += 1
        slug = re.sub(r"[^\w.-]+", "-", name).strip("-")
        path = self.folder / f"{self.steps:02d}-{slug}.png"
        try:
            self.page.screenshot(path=str(path), full_page=True)
        except PlaywrightError:
            # Chromium refuses a capture while a navigation is still swapping the page (a double
            # click's second submit, say): wait for the page that follows and take it once more.
            self.page.wait_for_load_state("load")
            self.page.wait_for_load_state("networkidle")
            self.page.screenshot(path=str(path), full_page=True)
        return path

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.goto("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("form:has(#id_username) button[type=submit]")
        self.page.wait_for_load_state("networkidle")
        assert "/accounts/login/" not in self.page.url, f"{username} could not log in"

    def text(self) -> str:
        return str(self.page.inner_text("body"))


def _ui(request: pytest.FixtureRequest, browser: Any, server: str, **context: Any) -> Iterator[UI]:
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    ctx = browser.new_context(accept_downloads=True, locale="zh-CN", **context)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    ui = UI(page=page, base=server, folder=folder)
    ui.watch()
    try:
        yield ui
    finally:
        if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
            with contextlib.suppress(Exception):  # the test already failed; its own error says why
                ui.shot("failure")
        ctx.close()
    assert not ui.problems, "The browser saw problems:\n  " + "\n  ".join(ui.problems)


@pytest.fixture
def ui(request: pytest.FixtureRequest, browser: Any, server: str) -> Iterator[UI]:
    yield from _ui(request, browser, server, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone_ui(request: pytest.FixtureRequest, browser: Any, server: str) -> Iterator[UI]:
    yield from _ui(request, browser, server, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
