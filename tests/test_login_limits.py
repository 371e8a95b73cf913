"""The login limits count wrong credentials only, per real client address.

- A request that fails for another reason (no CSRF token, a server error) is not a
  failed login: after a burst of our own errors, the right password still works.
- Behind `TRUSTED_PROXIES` reverse proxies, the limit per address is keyed on the client
  address they forward (X-Forwarded-For), so one client's mistakes do not lock out the
  others behind the same proxy; with no trusted proxy (the default) a forged
  X-Forwarded-For changes nothing."""

import pytest

from marketplace import create_app
from marketplace.accounts import services
from marketplace.extensions import limiter
from tests.conftest import IsolatedClient
from tests.factories import PASSWORD


def _limit(app, name: str) -> int:
    return int(app.config[name].split()[0])


def test_forms_refused_for_another_reason_do_not_count(client, make_user, app):
    user = make_user()
    token = client.csrf_token("/login")
    for _ in range(_limit(app, "LOGIN_LIMIT_PER_ACCOUNT") + 1):
        response = client.post("/login", data={"email": user.email, "password": "",
                                               "csrf_token": token})
        assert response.status_code == 400  # no password given: not a wrong one
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def test_server_errors_do_not_count(client, make_user, app, monkeypatch):
    user = make_user()
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    original = services.record_login

    def broken(*_args, **_kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(services, "record_login", broken)
    token = client.csrf_token("/login")
    for _ in range(_limit(app, "LOGIN_LIMIT_PER_ADDRESS") + 1):
        response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 500
    monkeypatch.setattr(services, "record_login", original)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def test_wrong_current_password_counts_and_a_weak_new_one_does_not(client, make_user, app,
                                                                   login):
    user = make_user()
    login(user)
    limit = _limit(app, "LOGIN_LIMIT_PER_ACCOUNT")
    for _ in range(limit + 1):
        weak = client.post_form("/profile/password", {
            "current_password": PASSWORD, "password": "short", "confirm": "short"})
        assert weak.status_code == 200
    for _ in range(limit):
        wrong = client.post_form("/profile/password", {
            "current_password": "wrong-wrong-wrong", "password": "a much better one 42",
            "confirm": "a much better one 42"})
        assert wrong.status_code == 200
    blocked = client.post_form("/profile/password", {
        "current_password": PASSWORD, "password": "a much better one 42",
        "confirm": "a much better one 42"})
    assert blocked.status_code == 429


@pytest.fixture
def proxied(app, session, database_url, tmp_path):
    """The app as served behind one trusted reverse proxy."""
    behind = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url,
                         "UPLOAD_DIR": str(tmp_path / "uploads"),
                         "SEARCH_INDEX_DIR": str(tmp_path / "index"), "TRUSTED_PROXIES": 1})
    behind.test_client_class = IsolatedClient
    limiter.reset()
    return behind


def _wrong_logins_from_many_clients(client, app):
    """Every client behind the proxy (127.0.0.1) mistypes once; None, or the first 429."""
    token = client.csrf_token("/login")
    for i in range(_limit(app, "LOGIN_LIMIT_PER_ADDRESS") + 1):
        response = client.post("/login", data={"email": f"ghost{i}@example.test",
                                               "password": "wrong-wrong", "csrf_token": token},
                               headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
                               environ_base={"REMOTE_ADDR": "127.0.0.1"})
        if response.status_code == 429:
            return i
        assert response.status_code == 400
    return None


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(proxied, make_user):
    client = proxied.test_client()
    assert _wrong_logins_from_many_clients(client, proxied) is None
    user = make_user()
    token = client.csrf_token("/login")
    right = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                        "csrf_token": token},
                        headers={"X-Forwarded-For": "198.51.100.7"},
                        environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert right.status_code == 302
    # one client that keeps guessing is limited on its own address
    client = proxied.test_client()
    token = client.csrf_token("/login")
    for k in range(_limit(proxied, "LOGIN_LIMIT_PER_ADDRESS")):
        assert client.post("/login", data={"email": f"guess{k}@example.test",
                                           "password": "wrong-wrong", "csrf_token": token},
                    headers={"X-Forwarded-For": "203.0.113.200"},
                    environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 400
    again = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                        "csrf_token": token},
                        headers={"X-Forwarded-For": "203.0.113.200"},
                        environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert again.status_code == 429


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(client, app):
    assert app.config["TRUSTED_PROXIES"] == 0
    limited_at = _wrong_logins_from_many_clients(client, app)
    assert limited_at == _limit(app, "LOGIN_LIMIT_PER_ADDRESS")
