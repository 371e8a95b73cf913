"""The to-do page per role ("Việc cần làm", issue 13): where a user lands after login, what
each role finds there, each item linking to its action, at a bounded number of SQL
statements whatever the amount of work."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest

from marketplace.accounts.models import MemberRole, OrgStatus
from marketplace.challenges.models import ChallengeStatus, Clarification
from marketplace.evaluation import services as evaluation_services
from marketplace.evaluation.models import Award, AwardStatus
from marketplace.orders import milestones
from marketplace.orders.models import OrderStatus
from marketplace.submissions.models import ConsortiumPartner, SubmissionStatus
from marketplace.types import utcnow
from tests import factories
from tests.evaluation_factories import make_evaluation, score
from tests.orders_factories import make_award_item, make_order
from tests.test_dashboard import count_queries


def _officer_work(session, parties, copies: int) -> None:
    """`copies` of each kind of an officer's and an approver's work, on `parties`' agency."""
    agency, officer = parties.agency, parties.officer
    now = utcnow()
    past = {"clarification_deadline": now - timedelta(days=3),
            "submission_deadline": now - timedelta(days=1)}
    for _ in range(copies):
        factories.make_challenge(session, agency=agency, creator=officer,
                                 status=ChallengeStatus.DRAFT)
        asked = factories.make_challenge(session, agency=agency, creator=officer)
        asker = factories.make_user(session)
        org = factories.make_org(session, members={asker: MemberRole.OWNER})
        session.add(Clarification(challenge=asked, asked_by_id=asker.id, asker_org_id=org.id,
                                  question="Ngân sách có gồm thuế không?"))
        factories.make_challenge(session, agency=agency, creator=officer,
                                 status=ChallengeStatus.CLOSED, closed_at=now, **past)
        evaluating = factories.make_challenge(
            session, agency=agency, creator=officer, status=ChallengeStatus.EVALUATING,
            evaluating_at=now, **past)
        proposed = factories.make_challenge(
            session, agency=agency, creator=officer, status=ChallengeStatus.EVALUATING,
            evaluating_at=now, **past)
        session.add(Award(challenge=proposed, status=AwardStatus.PROPOSED,
                          justification="Điểm cao nhất.", total_amount=1_500_000_000,
                          requires_approval=True, proposed_by_id=officer.id))
        assert evaluating is not None
        make_award_item(session, amount=100_000_000, parties=parties)  # an order to draft
        order = make_order(session, make_award_item(session, amount=100_000_000,
                                                    parties=parties), value=90_000_000)
        first, second = order.milestones[0], order.milestones[1]
        milestones.deliver(session, order.parties.member, first, "Đã bàn giao.",
                           [(BytesIO(b"%PDF-1.4 bien ban"), "bien-ban.pdf")])
        milestones.deliver(session, order.parties.member, second, "Đã bàn giao.",
                           [(BytesIO(b"%PDF-1.4 bien ban"), "bien-ban.pdf")])
        milestones.accept(session, officer, second)
        make_order(session, make_award_item(session, amount=100_000_000, parties=parties),
                   status=OrderStatus.SIGNED, value=90_000_000)
    session.flush()


@pytest.fixture
def office(session):
    parties = make_award_item(session, amount=100_000_000)
    _officer_work(session, parties, 1)
    session.commit()
    return parties


def _page(client, login, user) -> str:
    login(user)
    response = client.get("/todo/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_login_lands_on_the_to_do_page_that_the_header_links_to(client, make_user):
    user = make_user()
    response = client.post_form("/login", {"email": user.email,
                                           "password": factories.PASSWORD})
    assert response.headers["Location"] == "/todo/"
    page = client.get("/todo/").get_data(as_text=True)
    assert 'href="/todo/"' in page
    assert "Việc cần làm" in page


def test_the_to_do_page_needs_a_login(client):
    response = client.get("/todo/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_officer_finds_every_kind_of_work_with_a_link_to_its_action(client, login, office):
    page = _page(client, login, office.officer)
    for title in ("Bài toán nháp cần hoàn thành và công bố", "Câu hỏi chờ trả lời",
                  "Bài toán đã đóng cần mở để đánh giá", "Hội đồng còn thiếu chuyên gia",
                  "Quyết định lựa chọn cần đề xuất", "Đơn đặt hàng thí điểm cần soạn",
                  "Kết quả bàn giao cần xem xét", "Mốc đã nghiệm thu cần thanh toán"):
        assert title in page, title
    assert "/edit" in page and "/questions" in page and "/panel" in page
    assert "/orders/new/" in page and "/pay" in page


def test_the_approver_finds_awards_and_orders_waiting_for_them(client, login, office):
    page = _page(client, login, office.approver)
    assert "Quyết định lựa chọn giải pháp chờ bạn phê duyệt" in page
    assert "Đơn đặt hàng thí điểm chờ bạn ký xác nhận" in page
    assert "/evaluation/awards/" in page and "/sign" in page
    assert "Bài toán nháp" not in page  # not an officer


def test_the_evaluator_finds_declarations_and_scores_pending(client, login, session):
    world = make_evaluation(session, submissions=3)
    evaluator = world.panel[1]
    score(session, evaluator, world.submissions[0], [8, 8, 8])
    evaluation_services.declare(session, evaluator, world.submissions[1], "none")
    session.commit()
    page = _page(client, login, evaluator)
    assert "Khai báo và chấm điểm còn chờ" in page
    assert f"#challenge-{world.challenge.id}" in page
    assert "1 bản khai báo" in page and "1 phiếu chấm" in page


def test_the_solver_finds_drafts_invitations_orders_and_milestones(client, login, session):
    parties = make_award_item(session)
    make_order(session, parties, status=OrderStatus.OFFERED)
    other = make_award_item(session, amount=100_000_000, parties=parties)
    active = make_order(session, other, value=90_000_000)
    challenge = factories.make_challenge(session)
    draft = factories.make_submission(session, challenge=challenge,
                                      organization=other.solver, member=other.owner,
                                      status=SubmissionStatus.DRAFT)
    lead = factories.make_submission(session, challenge=challenge,
                                     status=SubmissionStatus.DRAFT)
    session.add(ConsortiumPartner(submission=lead, organization_id=parties.solver.id,
                                  invited_by_id=lead.created_by_id))
    session.commit()
    owner_page = _page(client, login, parties.owner)
    assert "Đơn đặt hàng thí điểm cần ký" in owner_page
    assert "Lời mời liên danh cần trả lời" in owner_page
    assert "/submissions/invitations" in owner_page
    client.post_form("/logout", token_from="/todo/")
    page = _page(client, login, other.owner)
    assert f"/submissions/{draft.id}/edit" in page
    assert f"/orders/{active.id}/milestones/{active.milestones[0].id}/deliver" in page


def test_the_administrator_finds_organizations_to_verify(client, login, session):
    admin = factories.make_user(session, is_admin=True)
    factories.make_org(session, name_vi="Công ty Chờ Duyệt", status=OrgStatus.PENDING)
    session.commit()
    page = _page(client, login, admin)
    assert "Tổ chức chờ xác minh" in page and "Công ty Chờ Duyệt" in page


def test_someone_without_work_is_told_so(client, login, make_user):
    page = _page(client, login, make_user())
    assert "Xem các bài toán đang mở" in page or "Bài toán đang mở" in page


def test_the_number_of_statements_does_not_grow_with_the_work(app, client, login, session,
                                                             office):
    """Every role at once (officer, approver elsewhere, evaluator, solver owner,
    administrator): one more copy of every kind of work adds no statement."""
    user = office.officer
    user.is_admin = True
    approver_of = factories.make_agency(session)
    session.add(factories.Membership(user=user, organization=approver_of,
                                     role=MemberRole.APPROVER))
    solver = factories.make_org(session, members={user: MemberRole.OWNER})
    world = make_evaluation(session, submissions=2)
    evaluation_services.appoint(session, world.officer, world.challenge, user.email)
    factories.make_submission(session, challenge=factories.make_challenge(session),
                              organization=solver, member=user,
                              status=SubmissionStatus.DRAFT)
    factories.make_org(session, status=OrgStatus.PENDING)
    session.commit()
    login(user)
    before = count_queries(app, client, "/todo/")
    _officer_work(session, office, 2)
    factories.make_submission(session, challenge=factories.make_challenge(session),
                              organization=solver, member=user,
                              status=SubmissionStatus.DRAFT)
    factories.make_org(session, status=OrgStatus.PENDING)
    session.commit()
    after = count_queries(app, client, "/todo/")
    print(f"SELECT statements: {before} with one of each kind of work, {after} with three")
    assert after == before
    assert after <= 25, after


def test_a_deadline_on_the_to_do_page_says_viet_nam_time(client, login, session):
    owner = factories.make_user(session)
    factories.make_submission(session, challenge=factories.make_challenge(session),
                              member=owner, status=SubmissionStatus.DRAFT)
    session.commit()
    page = _page(client, login, owner)
    group = page.split('id="todo-submission_drafts"')[1].split("</section>")[0]
    assert re.search(r"Hạn nộp hồ sơ: \d\d:\d\d \d\d/\d\d/\d{4} \(giờ Việt Nam\)", group)
