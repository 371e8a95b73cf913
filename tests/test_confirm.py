"""Save before publish, and asking once more before what cannot be undone (issue 13,
`marketplace.confirm`, `static/js/confirm.js`)."""

from __future__ import annotations

from html import unescape

import pytest

from marketplace.challenges.models import ChallengeStatus
from tests.challenges_factories import form_data, officer_and_agency
from tests.factories import make_challenge
from tests.submissions_factories import make_draft, make_solver


def _officer_draft(session, login, **overrides):
    officer, agency = officer_and_agency(session)
    draft = make_challenge(session, agency=agency, creator=officer,
                           status=ChallengeStatus.DRAFT, **overrides)
    session.commit()
    login(officer)
    return draft


def test_an_irreversible_button_is_a_link_to_the_confirmation_without_javascript(
        client, session, login):
    user, org = make_solver(session)
    draft = make_draft(session, make_challenge(session), org, member=user)
    session.commit()
    login(user)
    html = unescape(client.get(f"/submissions/{draft.id}").get_data(as_text=True))
    action = f"/submissions/{draft.id}/submit"
    assert f'href="/confirm?action={action}&back=/submissions/{draft.id}"' in html
    assert f'<form method="post" action="{action}" class="d-inline js-confirm-form" hidden>' in html
    assert 'data-confirm="Nộp hồ sơ đề xuất giải pháp này?' in html
    assert '<script src="/static/js/confirm.js"></script>' in html
    # a reversible one posts at once, as before
    assert f'<form method="post" action="/submissions/{draft.id}/delete"' in html or \
        "Xóa bản nháp này?" in html


def test_the_confirmation_page_says_what_happens_and_holds_the_real_form(client):
    response = client.get("/confirm", query_string={"action": "/challenges/12/publish",
                                                    "back": "/challenges/12/edit"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Công bố bài toán này?" in html and "không thể xóa" in html
    assert '<form method="post" action="/challenges/12/publish"' in html
    assert 'name="csrf_token"' in html and 'href="/challenges/12/edit"' in html


def test_the_confirmation_page_learns_nothing_about_the_object(client):
    """It reads the URL map only: an id that exists and one that does not get one page."""
    pages = [client.get("/confirm", query_string={"action": f"/orders/{n}/offer"})
             for n in (1, 2_000_000_000)]
    assert [p.status_code for p in pages] == [200, 200]
    assert pages[0].get_data(as_text=True).replace("/orders/1/", "/orders/X/").split(
        'name="csrf_token"')[0] == pages[1].get_data(as_text=True).replace(
        "/orders/2000000000/", "/orders/X/").split('name="csrf_token"')[0]


def test_only_a_registered_action_on_this_site_has_a_confirmation(client):
    for action in ("/logout", "https://evil.example/challenges/1/publish", "//evil/x",
                   "/challenges/1", "", "/challenges/99999999999/publish"):
        assert client.get("/confirm", query_string={"action": action}).status_code == 404
    response = client.get("/confirm", query_string={"action": "/challenges/1/publish",
                                                    "back": "https://evil.example/"})
    assert 'href="https://evil.example/"' not in response.get_data(as_text=True)


def test_save_and_publish_saves_first_then_asks(client, session, login):
    draft = _officer_draft(session, login)
    path = f"/challenges/{draft.id}/edit"
    html = unescape(client.get(path).get_data(as_text=True))
    assert 'name="then_publish"' in html and 'data-confirm-field="confirmed"' in html
    data = form_data(session, title="Tiêu đề vừa sửa")
    response = client.post_form(path, {**data, "then_publish": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/confirm?")
    session.expire_all()
    assert draft.title == "Tiêu đề vừa sửa" and draft.status is ChallengeStatus.DRAFT


def test_save_and_publish_confirmed_in_the_dialog_does_both_at_once(client, session, login):
    draft = _officer_draft(session, login)
    path = f"/challenges/{draft.id}/edit"
    data = form_data(session, title="Tiêu đề công bố ngay")
    response = client.post_form(path, {**data, "then_publish": "1", "confirmed": "1"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/challenges/{draft.id}"
    session.expire_all()
    assert draft.title == "Tiêu đề công bố ngay" and draft.status is ChallengeStatus.PUBLISHED


def test_a_refused_publish_keeps_the_typed_text_and_lists_each_item_once(client, session,
                                                                         login):
    draft = _officer_draft(session, login, title="Tiêu đề cũ")
    path = f"/challenges/{draft.id}/edit"
    data = form_data(session, title="Tiêu đề mới", expected_outcomes="")
    data.pop("criteria-1-name"), data.pop("criteria-1-weight")
    data["criteria-0-weight"] = "60"  # weights no longer add up to 100: publish refuses
    response = client.post_form(path, {**data, "then_publish": "1", "confirmed": "1"})
    html = unescape(response.get_data(as_text=True))
    assert 'value="Tiêu đề mới"' in html
    session.expire_all()
    assert draft.title == "Tiêu đề cũ" and draft.status is ChallengeStatus.DRAFT
    box = html.split("<main", 1)[1]
    problems = [line for line in box.split("<li>")[1:]]
    assert problems, html[:3000]
    assert len({p.split("</li>")[0] for p in problems}) == len(problems)
    assert sum(box.count(p.split("</li>")[0]) for p in problems) == len(problems)


@pytest.mark.parametrize("action, question", [
    ("/orders/7/approve-follow-on", "Phê duyệt đơn đặt hàng mở rộng?"),
    ("/orders/7/outcome/publish", "Công bố kết quả thí điểm?"),
])
def test_the_follow_on_approval_and_the_outcome_ask_once_more(client, action, question):
    """An approver's second signature and a published outcome cannot be undone either."""
    response = client.get("/confirm", query_string={"action": action, "back": "/orders/7"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and question in html
    assert f'<form method="post" action="{action}"' in html
