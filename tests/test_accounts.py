import re
import time

import pytest
from sqlalchemy import select

from marketplace.accounts import services
from marketplace.accounts.models import MemberRole, Organization, OrgStatus, User
from marketplace.audit.models import AuditEvent
from marketplace.errors import DomainError
from tests.factories import PASSWORD

GOOD = {"full_name": "Nguyễn Văn An", "email": "an@example.test", "password": "mật-khẩu-dài-10",
        "confirm": "mật-khẩu-dài-10", "join": "none"}


def test_register_without_organization(client, session):
    response = client.post_form("/register", GOOD)
    assert response.status_code == 302
    user = session.scalar(select(User).where(User.email == "an@example.test"))
    assert user is not None and user.memberships == []
    assert user.password_hash.startswith("$argon2id$")
    assert "Nguyễn Văn An" in client.get("/profile").get_data(as_text=True)


def test_register_with_new_organization_is_pending(client, session):
    data = {**GOOD, "join": "new", "org_kind": "university",
            "org_name_vi": "Trường Đại học Thử nghiệm", "org_name_en": "Test University",
            "org_registration_code": "dh-123", "org_province": "Huế"}
    assert client.post_form("/register", data).status_code == 302
    org = session.scalar(select(Organization).where(Organization.registration_code == "DH-123"))
    assert org.status is OrgStatus.PENDING and org.kind.value == "university"
    user = session.scalar(select(User).where(User.email == "an@example.test"))
    assert user.role_in(org.id) is MemberRole.OWNER
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"user.registered", "organization.registered"} <= actions


@pytest.mark.parametrize("change, field, message", [
    ({"email": "not-an-email"}, "email", None),
    ({"password": "short", "confirm": "short"}, "password", None),
    ({"confirm": "something else"}, "confirm", None),
    ({"full_name": ""}, "full_name", None),
    ({"join": "new", "org_name_vi": "", "org_registration_code": "", "org_province": ""},
     "org_name_vi", None),
])
def test_bad_registration_keeps_typed_input(client, session, change, field, message):
    data = {**GOOD, **change}
    response = client.post_form("/register", data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{field}"' in html and "is-invalid" in html
    if data["full_name"]:
        assert 'value="Nguyễn Văn An"' in html  # typed text is kept
    assert "mật-khẩu-dài-10" not in html  # passwords are not echoed back
    assert session.scalar(select(User).where(User.email == data["email"])) is None


def test_duplicate_email_and_registration_code(client, session, make_user, make_org):
    make_user(email="an@example.test")
    html = client.post_form("/register", GOOD).get_data(as_text=True)
    assert "is-invalid" in html and 'value="an@example.test"' in html
    make_org(registration_code="DUP-1")
    data = {**GOOD, "email": "binh@example.test", "join": "new", "org_kind": "startup",
            "org_name_vi": "Công ty", "org_registration_code": "dup-1", "org_province": "Huế"}
    html = client.post_form("/register", data).get_data(as_text=True)
    assert "is-invalid" in html
    assert session.scalar(select(User).where(User.email == "binh@example.test")) is None


def test_login_and_logout(client, make_user, login):
    user = make_user()
    login(user)
    assert user.full_name in client.get("/").get_data(as_text=True)
    response = client.post_form("/logout", token_from="/")
    assert response.status_code == 302
    assert client.get("/profile").status_code == 302


def test_login_failures_do_not_say_which_part_was_wrong(client, make_user):
    user = make_user()
    wrong_password = client.post_form("/login", {"email": user.email, "password": "nope-nope"})
    no_account = client.post_form("/login", {"email": "ghost@example.test", "password": "x" * 12})
    assert wrong_password.status_code == no_account.status_code == 400
    alert = re.compile(r'<div class="alert alert-danger"[^>]*>([^<]+)</div>')
    first = alert.findall(wrong_password.get_data(as_text=True))
    second = alert.findall(no_account.get_data(as_text=True))
    assert first and first == second  # the same words whichever part was wrong
    assert client.get("/profile").status_code == 302


def test_deactivated_user_cannot_log_in(client, make_user):
    user = make_user(active=False)
    response = client.post_form("/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 400


def test_login_is_rate_limited_per_account(client, make_user, app):
    user = make_user()
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    token = client.csrf_token("/login")
    for _ in range(limit):
        response = client.post("/login", data={"email": user.email, "password": "wrong-wrong",
                                               "csrf_token": token})
        assert response.status_code == 400
    blocked = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                          "csrf_token": token})
    assert blocked.status_code == 429  # even the right password waits now
    other = make_user()
    ok = client.post("/login", data={"email": other.email, "password": PASSWORD,
                                     "csrf_token": token})
    assert ok.status_code == 302  # another account from the same address still works


def test_login_is_rate_limited_per_address(client, make_user, app):
    limit = int(app.config["LOGIN_LIMIT_PER_ADDRESS"].split()[0])
    token = client.csrf_token("/login")
    for i in range(limit):
        response = client.post("/login", data={"email": f"ghost{i}@example.test",
                                               "password": "wrong-wrong", "csrf_token": token})
        assert response.status_code == 400
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 429
    other_address = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                                "csrf_token": token},
                                environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other_address.status_code == 302


def test_post_without_csrf_token_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/profile").status_code == 302


@pytest.mark.parametrize("target, expected", [
    ("/profile", "/profile"),
    ("https://evil.example/", "/todo/"),
    ("//evil.example/x", "/todo/"),
    ("/\\evil.example", "/todo/"),
    ("javascript:alert(1)", "/todo/"),
])
def test_next_only_redirects_within_the_site(client, make_user, target, expected):
    user = make_user()
    token = client.csrf_token("/login")
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_session_is_renewed_at_login_and_ended_at_logout(client, make_user, login, app):
    user = make_user()
    client.get("/")
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    login(user)
    with client.session_transaction() as s:
        assert "planted" not in s
    stolen = client.get_cookie("session").value
    client.post_form("/logout", token_from="/")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/profile").status_code == 302  # the copied cookie stopped working


def _reset_link(outbox) -> str:
    assert outbox, "no mail sent"
    return re.search(r"http://localhost(/password/reset/\S+)", outbox[-1].body).group(1)


def test_password_reset_flow_and_single_use(client, make_user, outbox, login):
    user = make_user()
    client.post_form("/password/forgot", {"email": user.email})
    link = _reset_link(outbox)
    new = {"password": "a-brand-new-pass", "confirm": "a-brand-new-pass"}
    response = client.post_form(link, new)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    login(user, "a-brand-new-pass")
    client.post_form("/logout", token_from="/")
    again = client.get(link)
    assert again.status_code == 302  # used once: now refused
    assert again.headers["Location"] == "/password/forgot"


def test_password_reset_token_expires(client, make_user, outbox, app, session):
    user = make_user()
    client.post_form("/password/forgot", {"email": user.email})
    link = _reset_link(outbox)
    app.config["PASSWORD_RESET_MAX_AGE"] = 1
    try:
        time.sleep(2.1)
        response = client.get(link)
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 3600
    assert response.status_code == 302 and response.headers["Location"] == "/password/forgot"
    with pytest.raises(DomainError, match="hết hạn"), app.test_request_context():
        app.config["PASSWORD_RESET_MAX_AGE"] = 1
        try:
            services.user_for_reset_token(session, link.rsplit("/", 1)[1])
        finally:
            app.config["PASSWORD_RESET_MAX_AGE"] = 3600


def test_forgot_password_does_not_reveal_accounts(client, outbox):
    response = client.post_form("/password/forgot", {"email": "ghost@example.test"})
    assert response.status_code == 302
    assert outbox == []


def test_profile_edit(client, make_user, login, session):
    user = make_user()
    login(user)
    response = client.post_form("/profile", {"full_name": "Trần Thị Bích", "phone": "+84 90 123",
                                             "locale": "en"})
    assert response.status_code == 302
    session.refresh(user)
    assert user.full_name == "Trần Thị Bích" and user.locale == "en"
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_password_change_needs_a_fresh_login(client, make_user, login, session, app):
    user = make_user()
    login(user)
    with client.session_transaction() as s:
        s["_fresh"] = False
    response = client.get("/profile/password")
    assert response.status_code == 302 and "/reauthenticate" in response.headers["Location"]
    client.post_form("/reauthenticate", {"password": PASSWORD})
    response = client.post_form("/profile/password", {
        "current_password": PASSWORD, "password": "another-good-one",
        "confirm": "another-good-one"})
    assert response.status_code == 302
    session.refresh(user)
    assert services.authenticate(session, user.email, "another-good-one") is not None


def test_every_request_checks_the_account_again(client, make_user, login, session):
    """`auth.load_user` reads the account on every request: raising its session version
    (a password change, "log out everywhere") or deactivating it ends a signed-in session
    at the next request; nothing of the user is kept from one request to the next."""
    user = make_user()
    login(user)
    assert client.get("/profile").status_code == 200
    user.session_version += 1
    session.commit()
    assert client.get("/profile").status_code == 302
    login(user)
    assert client.get("/profile").status_code == 200
    user.active = False
    session.commit()
    assert client.get("/profile").status_code == 302


def test_user_loader_refuses_what_is_not_a_session_of_an_account(app, make_user):
    from marketplace.accounts.auth import load_user

    user = make_user()
    good = f"{user.id}:{user.session_version}"
    assert load_user(good) is user
    assert load_user(f"{user.id}:{user.session_version + 1}") is None
    for bad in ("", "x", str(user.id), f"{user.id}:", f"x:{user.session_version}",
                f"{user.id + 1000}:{user.session_version}"):
        assert load_user(bad) is None, bad
