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
            # one pytest-xdist worker runs them all: one live server, one demo load
            item.add_marker(pytest.mark.xdist_group("browser"))
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def signing_ca():
    """The throw-away certificate authority the live server trusts (tests/documents_pki)."""
    from tests.documents_pki import Authority

    return Authority.create("Browser Test CA")


@pytest.fixture(scope="session")
def server_env(tmp_path_factory, signing_ca):
    base = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "MARKETPLACE_ENV": "development",
        "DATABASE_URL": f"sqlite:///{base / 'live.sqlite3'}",
        "SECRET_KEY": "browser-tests-secret",
        "UPLOAD_DIR": str(base / "uploads"),
        "SEARCH_INDEX_DIR": str(base / "search-index"),
        "JOBS_URL": f"sqlite:///{base / 'jobs.sqlite3'}",
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
    # the demo's orders keep their typed signatures; from now on, certificates only
    from tests.documents_pki import write_trust_list

    env["SIGNATURE_TRUST_LIST"] = str(write_trust_list(base / "trust", signing_ca, crls=True))
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
        # The worker beside it, as `make run` and docs/deploy.md run the site: mail, search
        # updates and the dashboard's figures are its jobs; its mail goes to the same log.
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=ROOT, env=server_env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loaded machine imports slowly
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
        for proc in (process, worker):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # a loaded machine: kill it, and reap it
                proc.kill()
                proc.wait(timeout=10)


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
        new_context = chromium.new_context

        def accepting_context(*, dialogs: bool = True, **options):
            """A context whose pages answer "OK" to the site's confirmation dialogs
            (static/js/confirm.js); Playwright would dismiss them. `dialogs=False`: the
            test answers them itself."""
            context = new_context(**options)
            if dialogs:
                context.on("page",
                           lambda page: page.on("dialog", lambda dialog: dialog.accept()))
            return context

        chromium.new_context = accepting_context
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


def account_menu(page):
    """The header's account menu (a <details>: the account, the user's submissions,
    administration, log out), opened."""
    menu = page.locator("header .account-menu details")
    if not menu.evaluate("details => details.open"):
        menu.locator("summary").click()
    return menu


NEW_PASSWORD = "mat-khau-thu-nghiem-2026"  # noqa: S105 - accounts the tests register


def register(page, live_server, *, name, email, kind, org_name, code,
             password: str = NEW_PASSWORD) -> None:
    """A new user registers through the form with a new organization of `kind`
    ("startup", "university", …) in Đà Nẵng, and is logged in on `page`."""
    page.goto(live_server("/"))
    page.get_by_role("link", name=vi("Register"), exact=True).first.click()
    page.locator("#full_name").fill(name)
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#confirm").fill(password)
    page.locator("input[name=join][value=new]").check()
    page.locator("#org_kind").select_option(kind)
    page.locator("#org_name_vi").fill(org_name)
    page.locator("#org_registration_code").fill(code)
    page.locator("#org_province").select_option("Đà Nẵng")
    page.get_by_role("button", name=vi("Create account")).click()
    page.wait_for_load_state()
    assert "/register" not in page.url, page.locator("main .alert").all_inner_texts()


def verify_organizations(admin, names) -> None:
    """The administrator on page `admin` verifies the organizations named `names`, from
    the administration's list of organizations waiting."""
    import re

    account_menu(admin).get_by_role("link", name=vi("Administration"), exact=True).click()
    admin.get_by_role("link", name=re.compile(vi("%(n)d organizations waiting for verification",
                                                  n=0).replace("0", r"\d+"))).click()
    for org in names:
        admin.locator("tr", has_text=org).get_by_role("button", name=vi("Verify")).click()
        admin.wait_for_load_state()
        assert admin.locator("tr", has_text=org).count() == 0  # no longer waiting


@pytest.fixture(scope="session")
def user_states(tmp_path_factory):
    """Logged-in storage states, one per email, made once per session (never logged out:
    logging out ends every session of that user)."""
    return {"dir": tmp_path_factory.mktemp("states")}


@pytest.fixture
def as_user(browser, live_server, user_states):
    """as_user(email) -> a page in its own context, logged in (Vietnamese, Viet Nam time)."""
    contexts = []

    def open_page(email: str | None = None, password: str = "demo-password"):
        state = user_states.get(email)
        context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                      storage_state=state)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if email is not None and state is None:
            log_in(page, live_server, email, password)
            path = user_states["dir"] / f"{email}.json"
            context.storage_state(path=str(path))
            user_states[email] = str(path)
        else:
            page.goto(live_server("/"))
        return page

    yield open_page
    for context in contexts:
        context.close()


_CATALOG = None


def vi(msgid: str, context: str | None = None, **values) -> str:
    """The Vietnamese text the site shows for an English msgid, in its message context if
    it has one (from the compiled catalog)."""
    global _CATALOG
    if _CATALOG is None:
        import gettext

        _CATALOG = gettext.translation("messages", localedir=str(ROOT / "marketplace" /
                                                                  "translations"),
                                       languages=["vi"])
    text = _CATALOG.pgettext(context, msgid) if context else _CATALOG.gettext(msgid)
    return text % values if values else text


def axe_violations(page, levels=("serious", "critical")) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in levels]


__all__ = ["account_menu", "axe_violations", "log_in", "register", "shutil", "verify_organizations",
           "vi"]


def draft_challenge(page, live_server, title: str, *, days: int = 20) -> str:
    """The officer on `page` drafts a complete challenge open to every kind of solver,
    through the form, and saves it; returns the path of its edit page."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    page.goto(live_server("/challenges/new"))
    page.locator("#title").fill(title)
    page.locator("#problem").fill("Bài toán thử nghiệm trên trình duyệt.")
    page.locator("#technology_group_id").select_option(index=1)
    page.locator("#budget_ceiling").fill("900.000.000")
    page.locator("#pilot_duration_months").fill("4")
    for box in page.locator("input[name=eligible_kinds]").all():
        box.check()
    page.locator("#criteria-0-name").fill("Chất lượng")
    page.locator("#criteria-0-weight").fill("100")
    local = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    page.locator("#clarification_deadline").fill(
        (local + timedelta(days=days - 5)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#submission_deadline").fill(
        (local + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/edit" in page.url, page.locator("main").inner_text()[:1000]
    return page.url.removeprefix(live_server.url)


def publish_challenge(page, live_server, title: str, *, days: int = 20) -> str:
    """The officer on `page` drafts and publishes a complete challenge open to every
    kind of solver, through the form; returns its path."""
    draft_challenge(page, live_server, title, days=days)
    page.locator("main").get_by_role("button", name=vi("Save and publish")).click()
    page.wait_for_load_state()
    assert page.url.rsplit("/", 1)[-1].isdigit(), page.locator("main").inner_text()[:1000]
    return page.url.removeprefix(live_server.url)


@pytest.fixture(scope="session")
def open_challenge(browser, live_server):
    """One challenge open for submissions for twenty days, shared by the form tests:
    (its id, its path, its title)."""
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    try:
        log_in(page, live_server, "officer@agency.demo.example")
        title = "Số hóa hồ sơ bệnh án tại trạm y tế xã Hòa Vang"
        path = publish_challenge(page, live_server, title)
    finally:
        context.close()
    return int(path.rsplit("/", 1)[-1]), path, title
