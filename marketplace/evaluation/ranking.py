"""Aggregation and ranking.

A submission's score is the mean of its evaluators' submitted totals, or the chair's
moderated score where there is one; the spread (max − min) above 20 points flags it for
the chair. The counts, sums and extremes come from one grouped query; the ranking is a
pure function of the scores."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from marketplace.challenges.models import Challenge
from marketplace.evaluation.models import Evaluation, EvaluationStatus, Moderation
from marketplace.submissions.models import IN_EVALUATION, Submission, SubmissionStatus

CENT = Decimal("0.01")
SPREAD_FLAG = Decimal(20)


def submissions_of(session, challenge: Challenge) -> list[Submission]:
    """Every submission that takes part in the evaluation (disqualified ones included),
    in submission order: the order of the blind labels."""
    return list(session.scalars(select(Submission).where(
        Submission.challenge_id == challenge.id,
        Submission.status.in_([*IN_EVALUATION, SubmissionStatus.DISQUALIFIED]),
    ).order_by(Submission.id)))


def rank(scores: Mapping[Hashable, Decimal | None]) -> dict[Hashable, int | None]:
    """Competition ranking, highest score first: equal scores share a rank and the next
    rank skips (1, 2, 2, 4). Keys without a score get no rank."""
    ranked = sorted((s for s in scores.values() if s is not None), reverse=True)
    first = {}
    for position, score in enumerate(ranked, start=1):
        first.setdefault(score, position)
    return {key: (first[score] if score is not None else None) for key, score in scores.items()}


@dataclass
class Standing:
    submission: Submission
    evaluations: int = 0  # submitted ones
    mean: Decimal | None = None
    spread: Decimal | None = None
    moderated: Decimal | None = None
    rank: int | None = None

    @property
    def score(self) -> Decimal | None:
        return self.moderated if self.moderated is not None else self.mean

    @property
    def flagged(self) -> bool:
        return self.spread is not None and self.spread > SPREAD_FLAG

    @property
    def disqualified(self) -> bool:
        return self.submission.status is SubmissionStatus.DISQUALIFIED


def _aggregates(session, submission_ids: list[int]) -> dict[int, tuple]:
    if not submission_ids:
        return {}
    rows = session.execute(
        select(Evaluation.submission_id, func.count(Evaluation.id), func.sum(Evaluation.total),
               func.min(Evaluation.total), func.max(Evaluation.total), Moderation.score)
        .outerjoin(Moderation, Moderation.submission_id == Evaluation.submission_id)
        .where(Evaluation.submission_id.in_(submission_ids),
               Evaluation.status == EvaluationStatus.SUBMITTED)
        .group_by(Evaluation.submission_id, Moderation.score)
    ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def _cents(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def standings(session, challenge: Challenge) -> list[Standing]:
    """Every submission in the evaluation with its score and rank, best first;
    disqualified and not yet scored ones last, unranked."""
    submissions = submissions_of(session, challenge)
    found = _aggregates(session, [s.id for s in submissions])
    result = []
    for submission in submissions:
        standing = Standing(submission)
        if submission.id in found:
            count, total, low, high, moderated = found[submission.id]
            standing.evaluations = count
            standing.mean = _cents(Decimal(str(total)) / count)
            standing.spread = _cents(Decimal(str(high)) - Decimal(str(low)))
            standing.moderated = _cents(moderated)
        result.append(standing)
    ranks = rank({s.submission.id: (None if s.disqualified else s.score) for s in result})
    for standing in result:
        standing.rank = ranks[standing.submission.id]
    return sorted(result, key=lambda s: (s.rank is None, s.rank or 0, s.submission.id))


def standing_of(session, submission: Submission) -> Standing:
    for standing in standings(session, submission.challenge):
        if standing.submission.id == submission.id:
            return standing
    return Standing(submission)
