"""A session that ended never costs the text (issue 13, `marketplace.form_recovery`): a post
whose CSRF token is no longer valid, or that comes from a session logged out elsewhere,
shows the same form again with what was typed and a Vietnamese message; nothing changes;
passwords are never carried."""

from __future__ import annotations

import re
from html import unescape

from werkzeug.datastructures import MultiDict

from marketplace.accounts import services as account_services
from marketplace.challenges.models import ChallengeStatus
from tests.challenges_factories import form_data, officer_and_agency
from tests.factories import PASSWORD, make_challenge
from tests.submissions_factories import make_draft, make_solver

APPROACH = ("Chúng tôi dùng cảm biến IoT đo mực nước theo thời gian thực. " * 150)[:9000]
FORM = {"summary": "Hệ thống cảnh báo ngập lụt sớm", "technical_approach": APPROACH,
        "trl": "7", "proposed_price": "1.200.000.000 đ", "timeline": "5 tháng",
        "team": "6 kỹ sư"}


def _hidden(html: str) -> list[tuple[str, str]]:
    """The hidden fields of the page's login form."""
    form = html.split('action="/login"', 1)[-1].split("</form>", 1)[0] \
        if 'action="/login"' in html else html.split("<main", 1)[1].split("</form>", 1)[0]
    return [(unescape(name), unescape(value)) for name, value in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)]


def _draft(session, login):
    user, org = make_solver(session)
    draft = make_draft(session, make_challenge(session), org, member=user,
                       technical_approach="Bản cũ")
    session.commit()
    login(user)
    return user, draft


def test_an_expired_token_shows_the_submission_form_again_with_the_9000_characters(
        client, session, login):
    _user, draft = _draft(session, login)
    response = client.post(f"/submissions/{draft.id}/edit",
                           data={**FORM, "csrf_token": "expired-or-from-another-session"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 400  # refused, shown again
    assert APPROACH in html and "Hệ thống cảnh báo ngập lụt sớm" in html
    assert "Biểu mẫu đã hết hạn" in html and "bấm nút một lần nữa" in html
    assert 'name="csrf_token"' in html  # a fresh token: pressing again works
    session.expire_all()
    assert draft.technical_approach == "Bản cũ"  # nothing was saved
    again = client.post_form(f"/submissions/{draft.id}/edit", FORM)
    assert again.status_code == 302
    session.expire_all()
    assert draft.technical_approach == APPROACH


def test_an_expired_token_on_the_register_form_keeps_all_but_the_password(client):
    data = {"email": "moi@example.test", "full_name": "Nguyễn Văn Mới", "join": "none",
            "password": "mat-khau-rat-dai-123", "confirm": "mat-khau-rat-dai-123",
            "csrf_token": "stale"}
    html = unescape(client.post("/register", data=data).get_data(as_text=True))
    assert "Nguyễn Văn Mới" in html and "moi@example.test" in html
    assert "mat-khau-rat-dai-123" not in html
    assert "Biểu mẫu đã hết hạn" in html


def test_a_post_only_button_with_an_expired_token_keeps_the_error_page(client, session, login):
    _user, draft = _draft(session, login)
    response = client.post(f"/submissions/{draft.id}/submit", data={"csrf_token": "stale"})
    assert response.status_code == 400


def test_a_session_ended_elsewhere_keeps_the_challenge_text_through_the_login(client,
                                                                             session, login):
    officer, agency = officer_and_agency(session)
    challenge = make_challenge(session, agency=agency, creator=officer,
                               status=ChallengeStatus.DRAFT, title="Tiêu đề cũ")
    session.commit()
    login(officer)
    path = f"/challenges/{challenge.id}/edit"
    token = client.csrf_token(path)
    account_services.end_sessions(session, officer)  # "log out everywhere", elsewhere
    session.commit()
    typed = form_data(session, title="Tiêu đề mới gõ suốt một giờ", problem=APPROACH)

    ended = client.post(path, data={**typed, "csrf_token": token})
    html = ended.get_data(as_text=True)
    assert ended.status_code == 401
    assert "Phiên đăng nhập đã kết thúc" in html
    kept = _hidden(html)
    assert ("kept-title", "Tiêu đề mới gõ suốt một giờ") in kept
    assert ("resume", path) in kept
    assert not any("password" in name for name, _ in kept)

    # a wrong password first: the login page carries the kept fields on
    wrong = client.post("/login", data=MultiDict(
        [*kept, ("email", officer.email), ("password", "sai")]))
    assert wrong.status_code == 400
    kept = [(n, v) for n, v in _hidden(wrong.get_data(as_text=True))]
    assert ("kept-title", "Tiêu đề mới gõ suốt một giờ") in kept

    body = MultiDict([*kept, ("email", officer.email), ("password", PASSWORD)])
    back = client.post("/login", data=body)
    assert back.status_code == 307 and back.headers["Location"] == path
    shown = client.post(path, data=body)  # what the browser does with a 307
    html = unescape(shown.get_data(as_text=True))
    assert shown.status_code == 400
    assert "Bạn đã đăng nhập lại" in html
    assert 'value="Tiêu đề mới gõ suốt một giờ"' in html and APPROACH in html
    assert PASSWORD not in html and officer.email not in html.split("<main", 1)[1]
    session.expire_all()
    assert challenge.title == "Tiêu đề cũ"  # saved only when the button is pressed again
    assert client.post_form(path, typed).status_code == 302
    session.expire_all()
    assert challenge.title == "Tiêu đề mới gõ suốt một giờ"


def test_an_ended_session_on_a_page_get_still_goes_to_the_login(client, session, login):
    user, draft = _draft(session, login)
    account_services.end_sessions(session, user)
    session.commit()
    response = client.get(f"/submissions/{draft.id}/edit")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
