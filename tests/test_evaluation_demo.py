"""The evaluation demo data loads, is real (audited) and loads once."""

from sqlalchemy import func, select

from marketplace.audit.models import AuditEvent
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.demo import accounts, evaluation
from marketplace.evaluation.models import Award, AwardStatus, Evaluation, EvaluationStatus


def test_demo_evaluation_loads_once(session):
    accounts.load(session)
    assert "1 awarded" in evaluation.load(session)
    under = session.scalar(select(Challenge).where(Challenge.title == evaluation.MARKER))
    awarded = session.scalar(select(Challenge).where(Challenge.title == evaluation.AWARDED_TITLE))
    assert under.status is ChallengeStatus.EVALUATING and under.blind_review
    assert awarded.status is ChallengeStatus.AWARDED
    award = session.scalar(select(Award).where(Award.challenge_id == awarded.id))
    assert award.status is AwardStatus.APPROVED and award.decided_by.email == evaluation.APPROVER
    statuses = session.scalars(select(Evaluation.status).join(Evaluation.submission)
                               .where(Challenge.id == under.id)
                               .join(Challenge)).all()
    assert EvaluationStatus.DRAFT in statuses and EvaluationStatus.SUBMITTED in statuses
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "award.approved"))
    count = session.scalar(select(func.count()).select_from(Challenge))
    assert evaluation.load(session) == "evaluation: already loaded"
    assert session.scalar(select(func.count()).select_from(Challenge)) == count
