"""Accounts, beyond tests/test_accounts.py (which covers the login limits per account and
per address, CSRF on login, `next` on login, session renewal, server-side logout, reset
expiry and reuse): password guessing through the other password prompts, the limits
folding the email's case, the remember-me cookie, every endpoint that takes `next`, and
reset tokens that are forged, crossed or outlived by a password change."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD

EVIL = ["https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
        "javascript:alert(1)", "http:evil.example", "/\t/evil.example", " //evil.example",
        "///evil.example", "data:text/html,x", "https:/evil.example", "%2F%2Fevil.example"]


def _on_site(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\")) \
        and "evil.example" not in location.split("?")[0].split("/")[0:3][-1]


def _limit(app) -> int:
    return int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])


def test_the_account_limit_folds_case_and_spaces(client, make_user, app):
    """`User@X` and ` user@x ` are the same account: no way around the limit."""
    user = make_user()
    token = client.csrf_token("/login")
    variants = [user.email.upper(), f"  {user.email}  ", user.email.title()]
    for i in range(_limit(app)):
        client.post("/login", data={"email": variants[i % len(variants)],
                                    "password": "wrong-wrong", "csrf_token": token},
                    environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"})  # many addresses
    blocked = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                          "csrf_token": token},
                          environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert blocked.status_code == 429


@pytest.mark.parametrize("path, field", [
    ("/reauthenticate", "password"),
    ("/profile/password", "current_password"),
])
def test_password_prompts_of_a_logged_in_session_are_limited(client, make_user, login, app,
                                                             path, field):
    """A stolen session cannot be used to guess the password (to make the session fresh
    or to change the password) without limit."""
    user = make_user()
    login(user)
    token = client.csrf_token("/profile")
    if path == "/profile/password":
        client.post("/reauthenticate", data={"password": PASSWORD, "csrf_token": token})
    statuses = []
    for _ in range(_limit(app) + 1):
        response = client.post(path, data={field: "wrong-wrong", "password": "x" * 12,
                                           "confirm": "x" * 12, "csrf_token": token})
        statuses.append(response.status_code)
    assert statuses[-1] == 429, statuses
    assert set(statuses[:-1]) <= {200, 400}


def test_a_copied_remember_me_cookie_stops_working_at_logout(client, make_user, app):
    user = make_user()
    response = client.post_form("/login", {"email": user.email, "password": PASSWORD,
                                           "remember": "y"}, token_from="/login")
    assert response.status_code == 302
    remember = client.get_cookie("remember_token")
    assert remember is not None
    thief = app.test_client()
    thief.set_cookie("remember_token", remember.value)
    assert thief.get("/profile").status_code == 200  # the cookie works... until
    client.post_form("/logout", token_from="/")
    thief2 = app.test_client()
    thief2.set_cookie("remember_token", remember.value)
    assert thief2.get("/profile").status_code == 302


def test_a_password_change_ends_the_other_sessions(client, make_user, login, app):
    user = make_user()
    login(user)
    other_device = app.test_client()
    other_device.post_form("/login", {"email": user.email, "password": PASSWORD},
                           token_from="/login")
    assert other_device.get("/profile").status_code == 200
    token = client.csrf_token("/profile")
    response = client.post("/profile/password", data={
        "current_password": PASSWORD, "password": "a-new-long-password",
        "confirm": "a-new-long-password", "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200  # this device stays logged in
    assert other_device.get("/profile").status_code == 302


@pytest.mark.parametrize("target", EVIL)
def test_no_endpoint_that_takes_next_redirects_off_site(client, make_user, login, target):
    # login (GET while logged in, and POST)
    user = make_user()
    token = client.csrf_token("/login")
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and _on_site(response.headers["Location"]), target
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 302 and _on_site(response.headers["Location"]), target
    # reauthenticate
    token = client.csrf_token("/profile")
    response = client.post("/reauthenticate", query_string={"next": target},
                           data={"password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and _on_site(response.headers["Location"]), target
    # the language switch
    response = client.post("/language/en", data={"next": target, "csrf_token": token})
    assert response.status_code == 302 and _on_site(response.headers["Location"]), target
    client.post("/logout", data={"csrf_token": token})
    # registration
    response = client.post_form("/register", {
        "full_name": "Người mới", "email": f"new{abs(hash(target))}@example.test",
        "password": "correct horse battery", "confirm": "correct horse battery",
        "join": "none"}, query_string={"next": target}, token_from="/register")
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert _on_site(response.headers["Location"]), target


def test_no_next_anywhere_is_built_from_an_off_site_value(client):
    """The login page's own links keep `next` on the site."""
    html = client.get("/login", query_string={"next": "//evil.example"}).get_data(as_text=True)
    assert not re.search(r"""(href|action)=["'][^"']*//evil\.example""", html)


def _reset_token(client, outbox, user) -> str:
    outbox.clear()
    client.post_form("/password/forgot", {"email": user.email})
    return re.search(r"/password/reset/(\S+)", outbox[-1].body).group(1)


def test_reset_tokens_cannot_be_forged_or_crossed(client, make_user, outbox):
    alice, bob = make_user(), make_user()
    token = _reset_token(client, outbox, alice)
    for forged in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token + "x",
                   "x" * len(token), ""):
        response = client.get(f"/password/reset/{forged}")
        assert response.status_code in (302, 404), forged
        if response.status_code == 302:
            assert response.headers["Location"] == "/password/forgot"
    bob_token = _reset_token(client, outbox, bob)
    assert bob_token != token
    new = {"password": "alice-new-password", "confirm": "alice-new-password"}
    assert client.post_form(f"/password/reset/{token}", new).status_code == 302
    # alice's token reset alice only; bob's password is unchanged
    login = client.post_form("/login", {"email": bob.email, "password": PASSWORD},
                             token_from="/login")
    assert login.status_code == 302


def test_a_reset_token_dies_with_a_password_change(client, make_user, login, outbox):
    user = make_user()
    token = _reset_token(client, outbox, user)
    login(user)
    csrf = client.csrf_token("/profile")
    client.post("/profile/password", data={
        "current_password": PASSWORD, "password": "changed-password-1",
        "confirm": "changed-password-1", "csrf_token": csrf})
    client.post("/logout", data={"csrf_token": csrf})
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 302 and response.headers["Location"] == "/password/forgot"


def test_a_deactivated_account_cannot_reset_its_password(client, make_user, outbox, session):
    user = make_user()
    token = _reset_token(client, outbox, user)
    user.active = False
    session.flush()
    new = {"password": "back-from-the-dead", "confirm": "back-from-the-dead"}
    client.post_form(f"/password/reset/{token}", new, token_from="/password/forgot")
    response = client.post_form("/login", {"email": user.email,
                                           "password": "back-from-the-dead"},
                                token_from="/login")
    assert response.status_code == 400


@pytest.mark.parametrize("headers", [{"Host": "evil.example"},
                                     {"X-Forwarded-Host": "evil.example"}])
def test_the_reset_link_goes_only_to_this_site(app, make_user, outbox, monkeypatch, headers):
    """`POST /password/forgot` with a forged Host, or X-Forwarded-Host behind a proxy
    that is trusted (ProxyFix with x_host), mailed a reset link on evil.example: the
    link is built from PUBLIC_BASE_URL only, whatever the request says."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1))
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://marketplace.example.gov.vn")
    user = make_user()
    client = app.test_client()
    form = client.get("/password/forgot", headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', form).group(1)
    response = client.post("/password/forgot", data={"email": user.email, "csrf_token": token},
                           headers=headers)
    assert response.status_code == 302
    body = outbox[-1].body
    assert "evil.example" not in body
    assert re.search(r"https://marketplace\.example\.gov\.vn/password/reset/\S+", body)


def test_links_in_invitations_and_notifications_ignore_the_request_host(
        app, client, make_user, outbox, monkeypatch, session):
    """The other mails with links (an organization's invitation; notifications, whose
    links are made absolute) use the configured address too."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from marketplace.accounts.models import MemberRole
    from tests import factories

    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1))
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://marketplace.example.gov.vn")
    owner = make_user()
    org = factories.make_org(session, members={owner: MemberRole.OWNER})
    client.post_form("/login", {"email": owner.email, "password": PASSWORD},
                     token_from="/login")
    token = client.csrf_token(f"/organizations/{org.id}/members")
    client.post(f"/organizations/{org.id}/members",
                data={"email": "moi@example.test", "role": "member", "csrf_token": token},
                headers={"X-Forwarded-Host": "evil.example"})
    assert outbox, "no invitation sent"
    assert "evil.example" not in outbox[-1].body
    assert "https://marketplace.example.gov.vn/organizations/invitations/" in outbox[-1].body
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        from marketplace.notifications.services import _absolute

        assert _absolute("/challenges/1") == "https://marketplace.example.gov.vn/challenges/1"
