"""Panels that can change, on the record (issue 19): removing or replacing an evaluator
with a reason, before and after scoring; amending a declaration of no conflict."""

import pytest
from sqlalchemy import select

from marketplace import policy
from marketplace.audit.models import AuditEvent
from marketplace.errors import DomainError, NotAllowed
from marketplace.evaluation import panel_changes, report, services
from marketplace.evaluation.models import (
    ConflictKind,
    Evaluation,
    EvaluationStatus,
    PanelMember,
    Score,
)
from marketplace.evaluation.ranking import standing_of
from marketplace.notifications.models import Notification
from tests.evaluation_factories import make_evaluation, score
from tests.factories import make_user


def _member(session, world, user):
    return session.scalar(select(PanelMember).where(PanelMember.challenge_id == world.challenge.id,
                                                    PanelMember.user_id == user.id))


def _told(session, user, kind):
    return session.scalars(select(Notification.message).where(
        Notification.user_id == user.id, Notification.kind == kind)).all()


def test_removing_before_any_score_replaces_cleanly(session):
    world = make_evaluation(session, submissions=1, evaluators=2)
    leaving, submission = world.panel[1], world.submissions[0]
    score(session, leaving, submission, [5, 5, 5], submit=False)  # a draft only
    newcomer = make_user(session)
    new = panel_changes.remove_evaluator(session, world.officer, _member(session, world, leaving),
                                         "Bận công tác nước ngoài.",
                                         replacement_email=newcomer.email)
    assert new.user_id == newcomer.id
    assert _member(session, world, leaving) is None
    assert session.scalar(select(Evaluation).where(Evaluation.evaluator_id == leaving.id)) is None
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.action == "evaluation.evaluator_removed"))
    assert event.after["reason"] == "Bận công tác nước ngoài."
    assert event.after["evaluations_set_aside"] == []
    assert any("Bận công tác" in m for m in _told(session, leaving, "evaluation.assigned"))
    assert session.scalar(select(AuditEvent).where(
        AuditEvent.action == "evaluation.evaluator_replaced"))


def test_removing_after_scoring_sets_the_scores_aside_with_the_reason(session):
    world = make_evaluation(session, submissions=1, evaluators=2, min_evaluators=1)
    submission = world.submissions[0]
    score(session, world.panel[0], submission, [8, 8, 8])
    score(session, world.panel[1], submission, [2, 2, 2])
    assert standing_of(session, submission).evaluations == 2
    panel_changes.remove_evaluator(session, world.officer,
                                   _member(session, world, world.panel[1]),
                                   "Phát hiện quan hệ với đơn vị dự thi.")
    evaluation = session.scalar(select(Evaluation).where(
        Evaluation.evaluator_id == world.panel[1].id))
    assert evaluation.status is EvaluationStatus.SET_ASIDE
    assert evaluation.set_aside_reason == "Phát hiện quan hệ với đơn vị dự thi."
    assert sorted(session.scalars(select(Score.score).where(
        Score.evaluation_id == evaluation.id))) == [2, 2, 2]  # kept
    standing = standing_of(session, submission)
    assert standing.evaluations == 1 and standing.mean == 80  # out of the ranking
    rows = report.rows(report.build(session, world.challenge))
    assert any(r[0] == "evaluation" and r[10] == "set_aside"
               and r[11] == "Phát hiện quan hệ với đơn vị dự thi." for r in rows)


def test_a_change_needs_a_reason_and_the_officer(session):
    world = make_evaluation(session, submissions=1, evaluators=2)
    member = _member(session, world, world.panel[1])
    with pytest.raises(DomainError):
        panel_changes.remove_evaluator(session, world.officer, member, "  ")
    for someone in (world.approver, world.panel[0], make_user(session)):
        with pytest.raises(NotAllowed):
            panel_changes.remove_evaluator(session, someone, member, "Lý do")
    assert _member(session, world, world.panel[1]) is not None


def test_amending_a_declaration_recuses_and_sets_the_scores_aside(session):
    world = make_evaluation(session, submissions=1, evaluators=2, min_evaluators=1)
    evaluator, submission = world.panel[1], world.submissions[0]
    score(session, world.panel[0], submission, [8, 8, 8])
    score(session, evaluator, submission, [3, 3, 3])
    assert policy.can(evaluator, "evaluation.read", submission)
    declaration = panel_changes.amend_declaration(session, evaluator, submission, "family",
                                                  "Em họ tôi làm ở đơn vị này.")
    assert declaration.kind is ConflictKind.FAMILY and declaration.recused
    assert not policy.can(evaluator, "evaluation.read", submission)
    assert not policy.can(evaluator, "evaluation.score", submission)
    evaluation = services.evaluation_for(session, evaluator, submission)
    assert evaluation.status is EvaluationStatus.SET_ASIDE
    assert "Em họ tôi" in evaluation.set_aside_reason
    assert standing_of(session, submission).evaluations == 1
    assert _told(session, world.officer, "evaluation.conflict_amended")
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"evaluation.conflict_amended", "evaluation.set_aside"} <= actions


@pytest.mark.parametrize("declared, kind, note", [
    ("financial", "family", "Có"),  # already a conflict: nothing to amend
    (None, "family", "Có"),  # never declared
    ("none", "none", "Không"),  # an amendment declares a conflict
    ("none", "automatic", "Không"),
    ("none", "family", " "),  # with a description
])
def test_what_cannot_be_amended(session, declared, kind, note):
    world = make_evaluation(session, submissions=1, evaluators=1)
    evaluator, submission = world.panel[0], world.submissions[0]
    if declared:
        services.declare(session, evaluator, submission, declared,
                         "Cổ phần." if declared != "none" else "")
    with pytest.raises(DomainError):
        panel_changes.amend_declaration(session, evaluator, submission, kind, note)


def test_an_outsider_cannot_amend(session):
    world = make_evaluation(session, submissions=1, evaluators=1)
    submission = world.submissions[0]
    services.declare(session, world.panel[0], submission, "none")
    with pytest.raises(DomainError):  # no declaration of theirs to amend
        panel_changes.amend_declaration(session, make_user(session), submission, "family", "X")


def test_the_pages(client, login, session):
    world = make_evaluation(session, submissions=1, evaluators=2)
    evaluator, submission = world.panel[1], world.submissions[0]
    services.declare(session, evaluator, submission, "none")
    login(evaluator)
    page = client.get(f"/evaluation/submissions/{submission.id}").get_data(as_text=True)
    assert "amend-declaration" in page
    response = client.post_form(f"/evaluation/submissions/{submission.id}/amend-declaration",
                                {"kind": "collaboration", "note": "Đồng tác giả năm ngoái."})
    assert response.status_code == 302
    assert services.declarations_of(session, world.challenge)[
        (submission.id, evaluator.id)].kind is ConflictKind.COLLABORATION
    client.post_form("/logout", token_from="/")
    login(world.officer)
    member = _member(session, world, evaluator)
    assert "remove" in client.get(f"/evaluation/challenges/{world.challenge.id}/panel"
                                  ).get_data(as_text=True)
    response = client.post_form(f"/evaluation/panel/{member.id}/remove",
                                {"reason": "Xung đột lợi ích."},
                                token_from=f"/evaluation/challenges/{world.challenge.id}/panel")
    assert response.status_code == 302
    assert _member(session, world, evaluator) is None
