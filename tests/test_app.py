import pytest

from config import DEFAULT_SECRET_KEY
from marketplace import create_app
from tests.factories import PRODUCTION_SETTINGS


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_is_down(tmp_path):
    broken = create_app({"ENV_NAME": "testing",
                         "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/x"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_home_is_vietnamese_by_default_and_english_sticks(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Nhà nước là khách hàng đầu tiên" in html or "khách hàng đầu tiên" in html.lower()
    response = client.post_form("/language/en", {"next": "/login"}, token_from="/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "The state as the first customer of new technology" in html
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_language_switch_refuses_offsite_next(client):
    response = client.post_form("/language/en", {"next": "//evil.example/"}, token_from="/")
    assert response.headers["Location"] == "/"


def test_security_headers(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # only in production


def test_no_cdn_bootstrap_is_served_locally(client):
    html = client.get("/").get_data(as_text=True)
    assert "cdn.jsdelivr" not in html and "bootstrap.min.css" in html
    with client.get("/bootstrap/static/css/bootstrap.min.css") as css:
        assert css.status_code == 200 and len(css.data) > 100_000


@pytest.mark.parametrize("settings, message", [
    ({"SECRET_KEY": DEFAULT_SECRET_KEY}, "SECRET_KEY"),
    ({"SECRET_KEY": ""}, "SECRET_KEY"),
    ({"SECRET_KEY": "a-real-secret-" * 3, "DEBUG": True}, "DEBUG"),
])
def test_production_refuses_unsafe_settings(settings, message):
    with pytest.raises(RuntimeError, match=message):
        create_app({**PRODUCTION_SETTINGS, **settings})


def test_production_settings_are_hardened():
    app = create_app({**PRODUCTION_SETTINGS, "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///:memory:"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.debug
    response = app.test_client().get("/healthz")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_request_body_is_limited(app):
    assert app.config["MAX_CONTENT_LENGTH"] > 0


def test_oversized_request_is_refused(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = client.post("/login", data={"email": "x" * 5000})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413


def test_production_answers_only_for_its_own_host():
    """Requests for another host (Host, or X-Forwarded-Host once a proxy is trusted) are
    refused with 400: nothing is built for, or cached under, a host the sender chose."""
    settings = {k: v for k, v in PRODUCTION_SETTINGS.items() if k != "TRUSTED_HOSTS"}
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": "sqlite:///:memory:",
                      "PUBLIC_BASE_URL": "https://marketplace.example.gov.vn"})
    assert app.config["TRUSTED_HOSTS"] == ["marketplace.example.gov.vn"]
    client = app.test_client()
    assert client.get("/healthz", base_url="https://marketplace.example.gov.vn").status_code \
        == 200
    assert client.get("/healthz", base_url="https://evil.example").status_code == 400
