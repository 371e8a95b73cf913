"""Panels, invitations and conflicts of interest."""

import io
import re

import pytest
from sqlalchemy import select

from marketplace import policy
from marketplace.accounts.models import MemberRole, Membership, User
from marketplace.audit.models import AuditEvent
from marketplace.challenges.models import ChallengeStatus
from marketplace.errors import DomainError, NotAllowed
from marketplace.evaluation import services
from marketplace.evaluation.models import ConflictDeclaration, ConflictKind, PanelMember
from marketplace.files.services import attach
from marketplace.submissions.models import ConsortiumPartner, PartnerStatus
from tests.evaluation_factories import make_evaluation, score
from tests.factories import PASSWORD, make_org, make_user


def test_officer_starts_evaluation_and_others_may_not(session, client, login):
    world = make_evaluation(session, status=ChallengeStatus.CLOSED)
    challenge = world.challenge
    outsider = make_user(session)
    with pytest.raises(NotAllowed):
        services.start_evaluation(session, outsider, challenge)
    login(world.officer)
    response = client.post_form(f"/evaluation/challenges/{challenge.id}/start",
                                token_from=f"/evaluation/challenges/{challenge.id}/panel")
    assert response.status_code == 302
    session.refresh(challenge)
    assert challenge.status is ChallengeStatus.EVALUATING and challenge.evaluating_at
    assert session.scalar(select(AuditEvent).where(
        AuditEvent.action == "challenge.evaluating", AuditEvent.object_id == challenge.id))


def test_appoint_existing_user_and_invite_a_new_one(session, client, login, outbox):
    world = make_evaluation(session, evaluators=0)
    challenge = world.challenge
    existing = make_user(session)
    login(world.officer)
    path = f"/evaluation/challenges/{challenge.id}/panel"
    assert client.post_form(path, {"email": existing.email, "chair": "y"}).status_code == 302
    response = client.post_form(path, {"email": "Chuyen.Gia@Example.TEST",
                                       "full_name": "TS. Chuyên Gia"})
    assert response.status_code == 302
    invited = session.scalar(select(User).where(User.email == "chuyen.gia@example.test"))
    assert invited is not None and invited.full_name == "TS. Chuyên Gia"
    members = session.scalars(select(PanelMember).where(
        PanelMember.challenge_id == challenge.id)).all()
    assert {(m.user_id, m.is_chair) for m in members} == {(existing.id, True),
                                                          (invited.id, False)}
    # the new evaluator chooses a password through the emailed reset link
    mail = next(m for m in outbox if m.to == "chuyen.gia@example.test")
    link = re.search(r"http://[^\s]+/password/reset/[^\s]+", mail.body).group(0)
    reset_path = link.split("localhost", 1)[1]
    client.post_form("/logout", token_from="/")
    response = client.post_form(reset_path, {"password": "mật-khẩu-mới-10",
                                             "confirm": "mật-khẩu-mới-10"})
    assert response.status_code == 302
    # appointing the same person twice is refused
    login(world.officer)
    html = client.post_form(path, {"email": existing.email}).get_data(as_text=True)
    assert "already on the panel" in html or "đã có trong hội đồng" in html


def test_one_chair_only(session):
    world = make_evaluation(session)
    other = world.panel[1]
    member = session.scalar(select(PanelMember).where(PanelMember.user_id == other.id))
    services.make_chair(session, world.officer, member)
    chairs = session.scalars(select(PanelMember.user_id).where(
        PanelMember.challenge_id == world.challenge.id, PanelMember.is_chair)).all()
    assert chairs == [other.id]


def test_only_the_officer_appoints(session):
    world = make_evaluation(session)
    for user in (world.approver, world.panel[0], make_user(session)):
        with pytest.raises(NotAllowed):
            services.appoint(session, user, world.challenge, "x@example.test")


def test_conflict_blocks_access_to_everything(session, client, login):
    world = make_evaluation(session)
    evaluator, submission = world.panel[1], world.submissions[0]
    submission.summary = "Nội dung bí mật của giải pháp"
    attachment = attach(session, submission.created_by, owner_field="submission_id",
                        owner_id=submission.id, stream=io.BytesIO(b"%PDF-1.4 x"),
                        filename="ho-so.pdf")
    login(evaluator)
    page = f"/evaluation/submissions/{submission.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Nội dung bí mật" not in html  # nothing before the declaration
    assert client.get(f"{page}/attachments/1").status_code == 404
    assert client.get(f"/files/{attachment.id}").status_code == 404
    assert not policy.can(evaluator, "submission.view", submission)
    # a conflict needs a note
    response = client.post_form(f"{page}/declare", {"kind": "financial", "note": ""},
                                token_from=page)
    assert response.status_code == 400
    response = client.post_form(f"{page}/declare", {"kind": "financial",
                                                    "note": "Tôi có cổ phần ở công ty này"},
                                token_from=page)
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Nội dung bí mật" not in html
    assert client.get(f"{page}/attachments/1").status_code == 404
    assert client.get(f"/files/{attachment.id}").status_code == 404
    with pytest.raises(NotAllowed):
        score(session, evaluator, submission, [5, 5, 5])
    # no conflict: now the content is there
    other = world.submissions[1]
    other.summary = "Giải pháp thứ hai"
    session.flush()
    other_page = f"/evaluation/submissions/{other.id}"
    client.post_form(f"{other_page}/declare", {"kind": "none"}, token_from=other_page)
    assert "Giải pháp thứ hai" in client.get(other_page).get_data(as_text=True)
    declarations = session.scalars(select(ConflictDeclaration).where(
        ConflictDeclaration.evaluator_id == evaluator.id)).all()
    assert {(d.submission_id, d.kind) for d in declarations} == {
        (submission.id, ConflictKind.FINANCIAL), (other.id, ConflictKind.NONE)}


def test_outsiders_do_not_reach_the_evaluation_pages(session, client, login):
    world = make_evaluation(session)
    login(make_user(session))
    assert client.get(f"/evaluation/submissions/{world.submissions[0].id}").status_code == 404
    assert client.get(f"/evaluation/challenges/{world.challenge.id}/panel").status_code == 403


def test_members_of_the_bidder_or_its_partners_are_recused_automatically(session):
    world = make_evaluation(session, evaluators=0, submissions=2)
    lead, second = world.submissions
    partner_org = make_org(session)
    second.partners.append(ConsortiumPartner(organization_id=partner_org.id,
                                             status=PartnerStatus.ACCEPTED,
                                             invited_by_id=second.created_by_id))
    session.flush()
    employee = make_user(session)
    session.add(Membership(user=employee, organization=lead.organization,
                           role=MemberRole.MEMBER))
    partner_member = make_user(session)
    session.add(Membership(user=partner_member, organization=partner_org,
                           role=MemberRole.MEMBER))
    session.flush()
    services.appoint(session, world.officer, world.challenge, employee.email)
    services.appoint(session, world.officer, world.challenge, partner_member.email)
    kinds = {(d.evaluator_id, d.submission_id): d.kind for d in session.scalars(
        select(ConflictDeclaration))}
    assert kinds == {(employee.id, lead.id): ConflictKind.AUTOMATIC,
                     (partner_member.id, second.id): ConflictKind.AUTOMATIC}
    assert not policy.can(employee, "submission.view_as_evaluator", lead)
    assert not policy.can(employee, "evaluation.declare", lead)
    # ... and at access time: someone who joins a bidder after declaring is shut out
    late = make_user(session)
    services.appoint(session, world.officer, world.challenge, late.email)
    services.declare(session, late, second, "none")
    assert policy.can(late, "submission.view_as_evaluator", second)
    session.add(Membership(user=late, organization=second.organization,
                           role=MemberRole.MEMBER))
    session.flush()
    session.expire(late)
    assert not policy.can(late, "submission.view_as_evaluator", second)
    with pytest.raises(NotAllowed):
        score(session, late, second, [5, 5, 5])


def test_recused_assignments_do_not_block_and_declarations_are_kept(session):
    world = make_evaluation(session, evaluators=3)
    a, b, c = world.panel
    s1, s2 = world.submissions
    services.declare(session, c, s1, "family", "Anh trai tôi làm ở đây")
    for evaluator in (a, b):
        for submission in (s1, s2):
            score(session, evaluator, submission, [6, 6, 6])
    score(session, c, s2, [7, 7, 7])
    states = {(x.member.user_id, x.submission.id): (x.recused, x.done)
              for x in services.assignments(session, world.challenge)}
    assert states[(c.id, s1.id)] == (True, True)
    assert all(done for _, done in states.values())
    assert s1.status.value == "scored" and s2.status.value == "scored"


def test_declaration_rules(session):
    world = make_evaluation(session)
    evaluator, submission = world.panel[0], world.submissions[0]
    with pytest.raises(DomainError):
        services.declare(session, evaluator, submission, "automatic")
    with pytest.raises(DomainError):
        services.declare(session, evaluator, submission, "other", "   ")
    services.declare(session, evaluator, submission, "none")
    with pytest.raises(NotAllowed):  # once only
        services.declare(session, evaluator, submission, "other", "changed my mind")


def test_work_list_shows_progress(session, client, login):
    world = make_evaluation(session, submissions=3)
    evaluator = world.panel[1]
    score(session, evaluator, world.submissions[0], [5, 5, 5])
    login(evaluator, PASSWORD)
    html = client.get("/evaluation/").get_data(as_text=True)
    assert world.challenge.title in html
    assert "1 / 3" in html or "1 of 3" in html or "1 trên 3" in html
    for letter in "ABC":
        assert f"Solution {letter}" in html or f"Giải pháp {letter}" in html


def test_the_means_and_spreads_are_written_the_vietnamese_way(client, login, session):
    """A decimal comma for the mean and the spread, on the panel and the chair's ranking
    (issue 13: "79,50 / 100"), as for the score."""
    from tests.test_evaluation_award import scored_world

    world = scored_world(session)  # means 90, 70 and 50; no spread
    session.commit()
    login(world.officer)
    panel = client.get(f"/evaluation/challenges/{world.challenge.id}/panel")
    client.post_form("/logout", token_from="/todo/")
    login(world.panel[0])  # the chair
    ranking = client.get("/evaluation/")
    for page in (panel.get_data(as_text=True), ranking.get_data(as_text=True)):
        assert page.count("<td>90,00</td>") == 2 and "<td>0,00</td>" in page  # mean, score
        assert not re.search(r"\b\d+\.\d\d\b", page.split("<main")[1])


@pytest.mark.parametrize("submissions, evaluators", [(2, 2), (4, 3)])
def test_the_panel_page_counts_each_members_progress(session, client, login, submissions,
                                                      evaluators):
    """The officer's progress column (`services.progress`, one pass over the work): each
    member's assignments done — submitted, or recused (a declared conflict) — of all
    their assignments, at two sizes of panel; a draft is not done."""
    world = make_evaluation(session, submissions=submissions, evaluators=evaluators)
    first, second, *_rest = world.panel
    score(session, first, world.submissions[0], [5, 5, 5])
    score(session, first, world.submissions[1], [6, 6, 6], submit=False)  # a draft
    services.declare(session, second, world.submissions[0], "family", "Em họ tôi")
    score(session, second, world.submissions[1], [7, 7, 7])
    session.commit()
    login(world.officer)
    html = client.get(f"/evaluation/challenges/{world.challenge.id}/panel").get_data(
        as_text=True)
    rows = re.findall(r"<td>([^<]*)</td><td>([^<]*)</td>\s*<td>(\d+) / (\d+)</td>", html)
    shown = {email: (int(done), int(total)) for _name, email, done, total in rows}
    expected = {first.email: (1, submissions), second.email: (2, submissions)}
    expected.update({user.email: (0, submissions) for user in world.panel[2:]})
    assert shown == expected
    assert services.progress(services.panel_of(session, world.challenge),
                             services.assignments(session, world.challenge)) == {
        m.id: expected[m.user.email] for m in services.panel_of(session, world.challenge)}
