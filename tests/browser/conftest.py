"""Browser tests: Debian's Chromium driven by Playwright against the site served by a
real server process on 127.0.0.1, with its own database (migrated, demo data loaded).

Skipped, with the reason, when Chromium or Playwright is missing. Never downloads a
browser (`playwright install` is not used)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]


def pytest_collection_modifyitems(config, items):
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM}: browser tests skipped"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "Playwright is not installed: browser tests skipped"
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server_env(tmp_path_factory):
    base = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "MARKETPLACE_ENV": "development",
        "DATABASE_URL": f"sqlite:///{base / 'live.sqlite3'}",
        "SECRET_KEY": "browser-tests-secret",
        "UPLOAD_DIR": str(base / "uploads"),
        "SEARCH_INDEX_DIR": str(base / "search-index"),
        "MAIL_BACKEND": "console",
        "LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
        "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
    }
    env.pop("TEST_DATABASE_URL", None)
    env.pop("FLASK_DEBUG", None)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for args in (["db", "upgrade"], ["demo"]):
        subprocess.run(flask + args, cwd=ROOT, env=env, check=True, capture_output=True,
                       timeout=300)
    return env


@pytest.fixture(scope="session")
def live_server(server_env, tmp_path_factory):
    """The app served by a real server process; its mail goes to a log file."""
    port = _free_port()
    log = tmp_path_factory.mktemp("live-log") / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1",
             "--port", str(port), "--no-reload", "--with-threads"],
            cwd=ROOT, env=server_env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start:\n" + log.read_text()) from None
                time.sleep(0.2)
        yield LiveServer(url, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class LiveServer:
    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log

    def __call__(self, path: str = "/") -> str:
        return self.url + path

    def mail_log(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page, live_server, email: str, password: str = "demo-password") -> None:
    page.goto(live_server("/login"))
    page.get_by_label("Email").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]


def axe_violations(page, levels=("serious", "critical")) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in levels]


__all__ = ["axe_violations", "log_in", "shutil"]
