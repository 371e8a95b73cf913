"""Sign-in with a national identity provider (OpenID Connect, Authlib) against a provider
run by the tests on 127.0.0.1 (tests/oidc_provider.py): off by default; a valid login
creates or links an account under the site's session rules; a wrong nonce, an expired
token, a badly signed token, a wrong audience or issuer, a replayed code or an
unverified email are each refused with a Vietnamese message and no session."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from marketplace.accounts import oidc
from marketplace.accounts.models import ExternalIdentity, MemberRole, OrgStatus, User
from marketplace.audit.models import AuditEvent
from tests import factories
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

REFUSED = "Đăng nhập bằng VNeID không thành công"


@pytest.fixture(scope="module")
def provider():
    running = Provider().start()
    yield running
    running.stop()


@pytest.fixture
def national_id(app, provider, monkeypatch):
    provider.reset()
    for name, value in (("OIDC_ISSUER", provider.issuer), ("OIDC_CLIENT_ID", CLIENT_ID),
                        ("OIDC_CLIENT_SECRET", CLIENT_SECRET), ("OIDC_DISPLAY_NAME", "VNeID")):
        monkeypatch.setitem(app.config, name, value)
    monkeypatch.setitem(app.extensions, "marketplace.oidc", {})  # a fresh client per test
    return provider


def start(client, provider, **form):
    """Press the button; the browser is sent to the provider's authorization endpoint."""
    response = client.post_form("/login/oidc", form, token_from="/login")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"{provider.issuer}/authorize?")
    return location


def at_provider(location: str) -> str:
    """The provider approves and sends the browser back: the callback's path and query."""
    answer = requests.get(location, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/login/oidc/callback"
    return f"{back.path}?{back.query}"


def sign_in(client, provider):
    return client.get(at_provider(start(client, provider)))


def logged_in_user_id(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def assert_refused(client, response, message: str = REFUSED) -> None:
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert message in client.get("/login").get_data(as_text=True)
    assert logged_in_user_id(client) is None
    assert client.get("/profile").status_code == 302  # to the login page: no session
    with client.session_transaction() as session:
        assert not [key for key in session if key.startswith("_state_")]


def test_off_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert "/login/oidc" not in html and "VNeID" not in html
    assert client.post_form("/login/oidc", token_from="/login").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404


def test_half_configured_or_insecure_provider_fails_at_start():
    with pytest.raises(RuntimeError, match="OIDC_CLIENT_SECRET"):
        oidc.check_settings({"OIDC_ISSUER": "https://id.example.vn", "OIDC_CLIENT_ID": "x"})
    with pytest.raises(RuntimeError, match="https"):
        oidc.check_settings({"OIDC_ISSUER": "http://id.example.vn", "OIDC_CLIENT_ID": "x",
                             "OIDC_CLIENT_SECRET": "y"})
    oidc.check_settings({"OIDC_ISSUER": "https://id.example.vn", "OIDC_CLIENT_ID": "x",
                         "OIDC_CLIENT_SECRET": "y"})
    oidc.check_settings({})


def test_valid_login_creates_an_account(session, client, national_id):
    assert "Đăng nhập bằng VNeID" in client.get("/login").get_data(as_text=True)
    with client.session_transaction() as before:
        before["lang"] = "vi"
        before["left_over"] = "from before the login"
    location = start(client, national_id)
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"] and query["scope"] == ["openid email profile"]
    response = client.get(at_provider(location))
    assert response.status_code == 302 and national_id.token_answers == [200]
    user = session.scalar(select(User).where(User.email == "nguyen.van.an@example.vn"))
    assert user is not None and user.full_name == "Nguyễn Văn An" and not user.memberships
    identity = session.scalar(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    assert (identity.issuer, identity.subject) == (national_id.issuer, "vneid-001")
    assert logged_in_user_id(client) == f"{user.id}:{user.session_version}"
    with client.session_transaction() as after:  # a new session at login, the language kept
        assert "left_over" not in after and after.get("lang") == "vi"
    assert "được tạo từ danh tính" in client.get("/").get_data(as_text=True)
    assert client.get("/profile").status_code == 200
    # the session version rules: logging out everywhere ends this session too
    user.session_version += 1
    session.commit()
    assert client.get("/profile").status_code == 302
    # discovery was fetched from the configured issuer, at the well-known path
    assert "/.well-known/openid-configuration" in national_id.requests


def test_a_second_sign_in_finds_the_same_account(session, client, national_id):
    assert sign_in(client, national_id).status_code == 302
    first = logged_in_user_id(client).split(":")[0]
    client.post_form("/logout", token_from="/profile")
    national_id.identity["email"] = "new.address@example.vn"  # the subject decides
    assert sign_in(client, national_id).status_code == 302
    assert logged_in_user_id(client).split(":")[0] == first
    assert session.scalar(select(func.count()).select_from(ExternalIdentity)) == 1


def test_links_an_existing_account_by_verified_email(session, client, national_id):
    owner = factories.make_user(session, email="chu.so.huu@example.vn")
    org = factories.make_org(session, members={owner: MemberRole.OWNER}, status=OrgStatus.PENDING)
    session.commit()
    national_id.identity.update(sub="vneid-777", email="Chu.So.Huu@example.vn")
    assert sign_in(client, national_id).status_code == 302
    assert logged_in_user_id(client) == f"{owner.id}:{owner.session_version}"
    assert "liên kết với tài khoản" in client.get("/").get_data(as_text=True)
    session.expire_all()
    assert org.status is OrgStatus.PENDING  # a national identity verifies no organization
    assert session.scalar(select(func.count()).select_from(User).where(
        User.email == "chu.so.huu@example.vn")) == 1
    assert session.scalar(select(AuditEvent).where(
        AuditEvent.action == "user.identity_linked")) is not None


def test_an_unverified_email_links_nothing(session, client, national_id):
    factories.make_user(session, email="nguyen.van.an@example.vn")
    session.commit()
    national_id.identity["email_verified"] = False
    response = sign_in(client, national_id)
    assert_refused(client, response, "không xác nhận địa chỉ email")
    assert session.scalar(select(func.count()).select_from(ExternalIdentity)) == 0


def test_a_deactivated_account_is_refused(session, client, national_id):
    factories.make_user(session, email="nguyen.van.an@example.vn", active=False)
    session.commit()
    assert_refused(client, sign_in(client, national_id), "Tài khoản này đã bị vô hiệu hóa")


@pytest.mark.parametrize("tamper, reason", [
    ("nonce", "InvalidClaimError: invalid_claim: Invalid claim: 'nonce'"),
    ("expired", "ExpiredTokenError"),
    ("signature", "BadSignatureError"),
    ("audience", "InvalidClaimError: invalid_claim: Invalid claim: 'aud'"),
    ("audience with our azp", "InvalidClaimError: invalid_claim: Invalid claim: 'aud'"),
    ("issuer", "InvalidClaimError: invalid_claim: Invalid claim: 'iss'"),
])
def test_a_token_that_does_not_verify_is_refused(session, client, national_id, caplog,
                                                 tamper, reason):
    national_id.tamper = tamper
    with caplog.at_level("WARNING"):
        response = sign_in(client, national_id)
    assert national_id.token_answers == [200]  # the provider answered; we refused
    assert reason in caplog.text
    assert_refused(client, response)
    assert session.scalar(select(func.count()).select_from(User).where(
        User.email == "nguyen.van.an@example.vn")) == 0
    assert session.scalar(select(func.count()).select_from(ExternalIdentity)) == 0


def test_a_replayed_code_is_refused(session, client, national_id):
    callback = at_provider(start(client, national_id))
    assert client.get(callback).status_code == 302 and logged_in_user_id(client)
    client.post_form("/logout", token_from="/profile")
    # the same answer again: its state was used up with the first sign-in
    assert_refused(client, client.get(callback))
    # the old code with a fresh state: the provider refuses a code used once
    fresh = at_provider(start(client, national_id))
    old_code = parse_qs(urlsplit(callback).query)["code"][0]
    state = parse_qs(urlsplit(fresh).query)["state"][0]
    assert_refused(client, client.get(f"/login/oidc/callback?code={old_code}&state={state}"))
    assert national_id.token_answers == [200, 400]


def test_a_stray_callback_leaves_a_signed_in_user_alone(session, client, national_id):
    callback = at_provider(start(client, national_id))
    assert client.get(callback).status_code == 302
    signed_in = logged_in_user_id(client)
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 302
    assert logged_in_user_id(client) == signed_in


def test_a_forged_state_is_refused(client, national_id):
    callback = at_provider(start(client, national_id))
    code = parse_qs(urlsplit(callback).query)["code"][0]
    assert_refused(client, client.get(f"/login/oidc/callback?code={code}&state=forged"))
    assert national_id.token_answers == []  # the code was never even exchanged


def test_discovery_naming_another_issuer_is_refused(client, national_id):
    national_id.discovery_issuer = "https://elsewhere.example"
    response = client.post_form("/login/oidc", token_from="/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "Không kết nối được nhà cung cấp định danh" in client.get("/login").get_data(
        as_text=True)
    assert logged_in_user_id(client) is None


def test_refused_callbacks_are_rate_limited_per_address(client, national_id, app):
    assert sign_in(client, national_id).status_code == 302  # a success does not count
    client.post_form("/logout", token_from="/profile")
    limit = int(app.config["LOGIN_LIMIT_PER_ADDRESS"].split()[0])
    for _ in range(limit):
        assert client.get("/login/oidc/callback?code=x&state=forged").status_code == 302
    assert client.get("/login/oidc/callback?code=x&state=forged").status_code == 429
    other_address = client.get("/login/oidc/callback?code=x&state=forged",
                               environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other_address.status_code == 302


def test_the_redirect_uri_is_on_the_public_address(client, national_id, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://thitruong.example.gov.vn")
    location = start(client, national_id)
    assert parse_qs(urlsplit(location).query)["redirect_uri"] == [
        "https://thitruong.example.gov.vn/login/oidc/callback"]
