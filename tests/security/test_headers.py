"""Security headers on every kind of response — HTML pages, JSON, CSV, the Atom feed,
file downloads, static files, error pages (400, 403, 404, 405, 413, 500) — and the
production configuration: HSTS, Secure cookies, no debug."""

from __future__ import annotations

import pytest

from marketplace import create_app
from tests.factories import PRODUCTION_SETTINGS
from tests.security.matrix import Clients

# one worker builds this module's world (a second would build it again): xdist_group
pytestmark = [pytest.mark.shared_world, pytest.mark.xdist_group("security-headers")]


def _directives(csp: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
            for part in csp.split(";") if part.strip()}


def assert_secure_headers(response, where: str) -> None:
    headers = response.headers
    csp = _directives(headers.get("Content-Security-Policy", ""))
    scripts = csp.get("script-src", csp.get("default-src", ""))
    assert scripts, (where, "no script policy")
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, where
    assert "*" not in scripts.split(), where
    assert csp.get("frame-ancestors") == "'none'", (where, headers.get("Content-Security-Policy"))
    assert csp.get("object-src", csp.get("default-src")) in ("'none'",), where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in ("strict-origin-when-cross-origin", "no-referrer",
                                              "same-origin"), where
    assert headers.get("X-Frame-Options") == "DENY", where


@pytest.fixture
def propagate_off(app, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


def test_every_kind_of_response_carries_the_headers(app, client, world, monkeypatch,
                                                    propagate_off):
    clients = Clients(app, client)
    owner = clients.for_user(world.solver_owner)
    evaluator = clients.for_user(world.evaluator)
    anonymous = clients.for_user(None)
    responses = {
        "html": anonymous.get("/"),
        "html page of a challenge": anonymous.get(f"/challenges/{world.open.id}"),
        "logged-in html": owner.get("/profile"),
        "json api": anonymous.get("/api/v1/challenges"),
        "json health": anonymous.get("/healthz"),
        "ocds": anonymous.get("/opendata/ocds.json"),
        "csv": anonymous.get("/opendata/challenges.csv"),
        "atom": anonymous.get("/activity/feed.atom"),
        "static": anonymous.get("/static/css/site.css"),
        "file download": owner.get(f"/files/{world.sealed_attachment.id}"),
        "evaluator download": evaluator.get(
            f"/evaluation/submissions/{world.evaluated.id}/attachments/1"),
        "404": anonymous.get("/no/such/page"),
        "404 json": anonymous.get("/api/v1/challenges/999999"),
        "403": clients.for_user(world.other_officer).get(f"/challenges/{world.open.id}/cancel"),
        "405": anonymous.get("/logout"),
        "400 csrf": anonymous.post("/login", data={"email": "x@example.test"}),
        "redirect": anonymous.get("/profile"),
    }
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100)
    responses["413"] = anonymous.post("/login", data={"email": "x" * 500})
    monkeypatch.setitem(app.view_functions, "public.home", _boom)
    responses["500"] = anonymous.get("/")
    expected = {"404": 404, "404 json": 404, "403": 403, "405": 405, "400 csrf": 400,
                "413": 413, "500": 500, "redirect": 302}
    for where, response in responses.items():
        assert response.status_code == expected.get(where, 200), where
        assert_secure_headers(response, where)
        response.close()
    assert "Traceback" not in responses["500"].get_data(as_text=True)
    assert "RuntimeError" not in responses["500"].get_data(as_text=True)


def _boom():
    raise RuntimeError("a bug with a secret inside: hunter2")


def test_downloads_are_sandboxed(app, client, world):
    response = Clients(app, client).for_user(world.solver_owner).get(
        f"/files/{world.sealed_attachment.id}")
    csp = _directives(response.headers["Content-Security-Policy"])
    assert "sandbox" in csp and csp["default-src"] == "'none'"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_cookies_are_httponly_and_samesite(client, make_user, login):
    login(make_user())
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


@pytest.fixture
def production(database_url, tmp_path):
    app = create_app({**PRODUCTION_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url,
                      "UPLOAD_DIR": str(tmp_path / "u"), "SEARCH_INDEX_DIR": str(tmp_path / "s")})
    yield app
    from marketplace.extensions import db

    with app.app_context():
        db.engine.dispose()


def test_production_sends_hsts_and_secure_cookies_and_never_debugs(production):
    assert not production.debug and not production.config["DEBUG"]
    assert not production.config["TESTING"]
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    client = production.test_client()
    response = client.get("/login")
    hsts = response.headers["Strict-Transport-Security"]
    assert int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000
    assert_secure_headers(response, "production login page")
    set_cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    assert production.config["WTF_CSRF_ENABLED"] is not False


def test_production_ignores_flask_debug_in_the_environment(monkeypatch, database_url):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app({**PRODUCTION_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url})
    assert not app.debug
