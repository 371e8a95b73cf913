"""Factories of the evaluation domain: a challenge under evaluation with its bidders and
panel, and an evaluator's declared and submitted scores."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from marketplace.challenges.models import ChallengeStatus
from marketplace.evaluation import services
from marketplace.policy.evaluation import declaration
from marketplace.submissions.models import SubmissionStatus
from marketplace.types import utcnow
from tests.factories import make_agency, make_challenge, make_submission, make_user


def make_evaluation(session, *, submissions: int = 2, evaluators: int = 2, blind: bool = False,
                    status: ChallengeStatus = ChallengeStatus.EVALUATING,
                    prices: list[int] | None = None, **challenge_overrides) -> SimpleNamespace:
    """A closed challenge (under evaluation by default) with opened submissions and a
    panel whose first member chairs it. Weights 40/35/25; budget 2 000 000 000."""
    officer, approver = make_user(session), make_user(session)
    agency = make_agency(session, officer=officer, approver=approver,
                         approval_threshold=1_000_000_000)
    now = utcnow()
    challenge = make_challenge(
        session, agency=agency, creator=officer, status=status, blind_review=blind,
        clarification_deadline=now - timedelta(days=10),
        submission_deadline=now - timedelta(days=1), closed_at=now - timedelta(days=1),
        evaluating_at=now if status is ChallengeStatus.EVALUATING else None,
        **challenge_overrides)
    prices = prices or [900_000_000] * submissions
    bids = [make_submission(session, challenge=challenge, status=SubmissionStatus.OPENED,
                            opened_at=now, proposed_price=prices[i])
            for i in range(submissions)]
    panel = [make_user(session) for _ in range(evaluators)]
    if status is ChallengeStatus.EVALUATING:
        for i, user in enumerate(panel):
            services.appoint(session, officer, challenge, user.email, chair=(i == 0))
    return SimpleNamespace(officer=officer, approver=approver, agency=agency,
                           challenge=challenge, submissions=bids, panel=panel)


def score(session, evaluator, submission, scores: list[int], *, submit: bool = True,
          comment: str = "Nhận xét"):
    """Declare no conflict (if not yet) and score each criterion in order."""
    if declaration(evaluator, submission) is None:
        services.declare(session, evaluator, submission, "none")
    values = {c.id: (s, f"{comment} {c.name}") for c, s in
              zip(submission.challenge.criteria, scores, strict=True)}
    return services.save_scores(session, evaluator, submission, values, submit=submit)


def score_everything(session, world, table: list[list[list[int]]]) -> None:
    """table[evaluator][submission] = the scores per criterion."""
    for evaluator, rows in zip(world.panel, table, strict=True):
        for submission, scores in zip(world.submissions, rows, strict=True):
            score(session, evaluator, submission, scores)
