"""Clarifications: verified solvers ask before the deadline; the agency answers; the
answer is public without the asker's identity; the asker is notified."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts.models import OrgStatus
from marketplace.challenges import clarifications
from marketplace.challenges.models import Clarification
from marketplace.errors import DomainError, NotAllowed
from marketplace.notifications.models import Notification
from marketplace.types import utcnow
from tests import factories
from tests.challenges_factories import officer_and_agency, solver_member


@pytest.fixture
def setting(session):
    officer, agency = officer_and_agency(session)
    challenge = factories.make_challenge(session, agency=agency, creator=officer)
    asker, org = solver_member(session)
    return officer, challenge, asker, org


def test_ask_and_answer(session, setting):
    officer, challenge, asker, org = setting
    question = clarifications.ask(session, asker, challenge, "Có yêu cầu chứng chỉ ISO không?")
    assert question.asker_org_id == org.id and not question.is_answered
    assert session.scalar(select(Notification).where(
        Notification.user_id == officer.id, Notification.kind == "clarification.asked"))
    clarifications.answer(session, officer, question, "Không bắt buộc.")
    assert question.is_answered and question.answered_by_id == officer.id
    note = session.scalar(select(Notification).where(Notification.user_id == asker.id))
    assert note.kind == "clarification.answered" and challenge.title in note.message
    with pytest.raises(DomainError, match="đã được trả lời"):
        clarifications.answer(session, officer, question, "Lần hai")


def test_no_questions_after_the_deadline(session, setting):
    _, challenge, asker, _ = setting
    challenge.clarification_deadline = utcnow() - timedelta(minutes=1)
    with pytest.raises(DomainError, match="Hạn đặt câu hỏi") as caught:
        clarifications.ask(session, asker, challenge, "Muộn quá?")
    assert caught.value.field == "question"


@pytest.mark.parametrize("who", ["pending_solver", "agency_officer", "nobody", "plain_user"])
def test_only_verified_solvers_ask(session, setting, who):
    officer, challenge, _, _ = setting
    users = {"pending_solver": solver_member(session, status=OrgStatus.PENDING)[0],
             "agency_officer": officer, "nobody": None,
             "plain_user": factories.make_user(session)}
    with pytest.raises(NotAllowed):
        clarifications.ask(session, users[who], challenge, "Câu hỏi?")


def test_only_the_agency_officer_answers(session, setting):
    _, challenge, asker, _ = setting
    question = clarifications.ask(session, asker, challenge, "Câu hỏi?")
    other_officer, _ = officer_and_agency(session)
    for user in (asker, other_officer, factories.make_user(session, is_admin=True)):
        with pytest.raises(NotAllowed):
            clarifications.answer(session, user, question, "Trả lời")


def test_the_whole_flow_through_the_pages(client, session, setting, login):
    officer, challenge, asker, org = setting
    login(asker)
    page = f"/challenges/{challenge.id}"
    response = client.post_form(f"{page}/clarifications", {"question": ""}, token_from=page)
    assert response.status_code == 400
    response = client.post_form(f"{page}/clarifications",
                                {"question": "Dữ liệu thử nghiệm có sẵn chưa?"}, token_from=page)
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Dữ liệu thử nghiệm có sẵn chưa?" in html  # the asker sees their own question
    client.post_form("/logout", token_from="/")
    assert "Dữ liệu thử nghiệm có sẵn chưa?" not in client.get(page).get_data(as_text=True)

    login(officer)
    questions = client.get(f"{page}/questions").get_data(as_text=True)
    assert "Dữ liệu thử nghiệm có sẵn chưa?" in questions
    assert asker.full_name not in questions and org.name_vi not in questions
    question = session.scalar(select(Clarification))
    answer_path = f"{page}/clarifications/{question.id}/answer"
    response = client.post_form(answer_path, {"answer": ""}, token_from=f"{page}/questions")
    assert response.status_code == 400
    response = client.post_form(answer_path, {"answer": "Có, dữ liệu 12 tháng."},
                                token_from=f"{page}/questions")
    assert response.status_code == 302
    client.post_form("/logout", token_from="/")

    public = client.get(page).get_data(as_text=True)
    assert "Dữ liệu thử nghiệm có sẵn chưa?" in public and "Có, dữ liệu 12 tháng." in public
    assert asker.full_name not in public and asker.email not in public
    assert org.name_vi not in public


def test_a_late_question_through_the_page_says_why_and_keeps_it(client, session, setting,
                                                                login):
    _, challenge, asker, _ = setting
    challenge.clarification_deadline = utcnow() - timedelta(hours=1)
    session.flush()
    login(asker)
    page = f"/challenges/{challenge.id}"
    response = client.post_form(f"{page}/clarifications", {"question": "Còn kịp không?"},
                                token_from=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Hạn đặt câu hỏi cho bài toán này đã kết thúc" in html
    assert session.scalar(select(Clarification)) is None


def test_other_solvers_never_see_who_asked(client, session, setting, login):
    officer, challenge, asker, org = setting
    question = clarifications.ask(session, asker, challenge, "Câu hỏi công khai?")
    clarifications.answer(session, officer, question, "Câu trả lời công khai.")
    other, _ = solver_member(session)
    login(other)
    html = client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert "Câu trả lời công khai." in html
    assert asker.full_name not in html and org.name_vi not in html
