"""Aggregation and ranking.

A submission's score is the mean of its evaluators' submitted totals, or the chair's
moderated score where there is one; the spread (max − min) above 20 points flags it for
the chair. The counts, sums and extremes come from one grouped query; the ranking is a
pure function of the scores.

Everything is exact (issue 14, "rankings on exact scores"): totals and moderated scores
are whole hundredths of a point, summed in the database as integer hundredths (the same
on SQLite, whose NUMERIC is a float, and on PostgreSQL), and a mean is the `Fraction`
sum / count. Ranks compare those exact values — two submissions tie only when their
scores are exactly equal — and only the displayed `mean`, `spread` and `score` are
rounded to cents (half up)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache

from sqlalchemy import BigInteger, bindparam, cast, func, select
from sqlalchemy.orm import joinedload

from marketplace.challenges.models import Challenge
from marketplace.evaluation.models import Evaluation, EvaluationStatus, Moderation
from marketplace.memo import per_session, recall, remember
from marketplace.submissions.models import (
    IN_EVALUATION,
    ConsortiumPartner,
    Submission,
    SubmissionStatus,
)

CENT = Decimal("0.01")
SPREAD_FLAG = Fraction(20)
Exact = Fraction | Decimal | int


def submissions_of(session, challenge: Challenge) -> list[Submission]:
    """Every submission that takes part in the evaluation (disqualified ones included),
    in submission order: the order of the blind labels. With their consortium partners
    (the bidder check reads them); read once per unit of work (`memo.per_session`)."""
    return per_session(session, ("submissions_of", challenge.id),
                       lambda: _submissions(session, [challenge.id])[challenge.id])


def taking_part(challenge_ids) -> tuple:
    """The criteria (a WHERE clause) of the submissions that take part in the evaluation
    of `challenge_ids` (a list, or an expanding bound parameter): the opened ones and
    those decided or disqualified since."""
    return (Submission.challenge_id.in_(challenge_ids),
            Submission.status.in_([*IN_EVALUATION, SubmissionStatus.DISQUALIFIED]))


def submission_ids_of(session, challenge: Challenge) -> list[int]:
    """The ids of `submissions_of`, in the same order, for a page that needs no more (the
    scoring page: whether a bid takes part, its blind label): taken from `submissions_of`
    when this unit of work read it, else one statement of the ids alone — no bids, no
    partners, no organizations loaded. Read once per unit of work."""
    def compute() -> list[int]:
        read = recall(session, ("submissions_of", challenge.id))
        if read is not None:
            return [submission.id for submission in read]
        return list(session.scalars(_ids_statement(), {"challenge_ids": [challenge.id]}))

    return per_session(session, ("submission_ids_of", challenge.id), compute)


@cache
def _ids_statement():
    """The statement of `submission_ids_of`, built once (`challenge_ids` bound)."""
    return (select(Submission.id)
            .where(*taking_part(bindparam("challenge_ids", expanding=True)))
            .order_by(Submission.id))


def read_submissions(session, challenge_ids: list[int]) -> dict[int, list[Submission]]:
    """`submissions_of` of many challenges (challenge id → its list): one statement
    whatever their number, kept for `submissions_of` to answer in this unit of work."""
    return remember(session, "submissions_of",
                    _submissions(session, challenge_ids) if challenge_ids else {})


def _submissions(session, challenge_ids: list[int]) -> dict[int, list[Submission]]:
    found: dict[int, list[Submission]] = {challenge_id: [] for challenge_id in challenge_ids}
    for submission in session.scalars(_submissions_statement(),
                                      {"challenge_ids": list(challenge_ids)}).unique():
        found[submission.challenge_id].append(submission)
    return found


@cache
def _submissions_statement():
    """The statement of `_submissions`, built once (`challenge_ids` bound at execution):
    building it, with its loader options, costs as much as running it. The partners
    joined too (few: most bids have none), not read by a second statement. Not the bids'
    authors: only the blind scoring page reads one (`services.identifying_names`), of
    the bid its own lookup joined it to (`routes._panel_submission`)."""
    return (select(Submission)
            .where(*taking_part(bindparam("challenge_ids", expanding=True)))
            .options(joinedload(Submission.partners).joinedload(ConsortiumPartner.organization),
                     joinedload(Submission.organization))
            .order_by(Submission.id))


def rank(scores: Mapping[Hashable, Exact | None]) -> dict[Hashable, int | None]:
    """Competition ranking, highest score first: equal scores share a rank and the next
    rank skips (1, 2, 2, 4). Keys without a score get no rank. Pass exact values
    (`Fraction`, `Decimal`, `int`): scores tie only when exactly equal."""
    ranked = sorted((s for s in scores.values() if s is not None), reverse=True)
    first = {}
    for position, score in enumerate(ranked, start=1):
        first.setdefault(score, position)
    return {key: (first[score] if score is not None else None) for key, score in scores.items()}


def cents(value: Exact | None) -> Decimal | None:
    """An exact score rounded half up to cents, for display only (70.025 → 70.03)."""
    if value is None:
        return None
    value = Fraction(value)  # a half cent has a terminating quotient: rounded right
    return (Decimal(value.numerator) / value.denominator).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Standing:
    """A submission's place in the evaluation. `exact_mean`, `exact_spread`,
    `exact_moderated` and `exact_score` are exact points (0–100, `Fraction`); `mean`,
    `spread`, `moderated` and `score` are the same rounded to cents, to show."""

    submission: Submission
    evaluations: int = 0  # submitted ones
    exact_mean: Fraction | None = None
    exact_spread: Fraction | None = None
    exact_moderated: Fraction | None = None
    rank: int | None = None

    @property
    def exact_score(self) -> Fraction | None:
        return self.exact_moderated if self.exact_moderated is not None else self.exact_mean

    @property
    def mean(self) -> Decimal | None:
        return cents(self.exact_mean)

    @property
    def spread(self) -> Decimal | None:
        return cents(self.exact_spread)

    @property
    def moderated(self) -> Decimal | None:
        return cents(self.exact_moderated)

    @property
    def score(self) -> Decimal | None:
        return cents(self.exact_score)

    @property
    def flagged(self) -> bool:
        return self.exact_spread is not None and self.exact_spread > SPREAD_FLAG

    @property
    def disqualified(self) -> bool:
        return self.submission.status is SubmissionStatus.DISQUALIFIED


def hundredths(column):
    """A two-decimal score column as whole hundredths of a point (an integer), exactly
    on both databases: SQLite keeps NUMERIC as a float, so 70.1 × 100 is rounded back."""
    return cast(func.round(column * 100), BigInteger)


def _aggregates(session, submission_ids: list[int]) -> dict[int, tuple]:
    """submission id → (count, sum, min, max of the submitted totals, moderated score),
    every score in integer hundredths of a point."""
    if not submission_ids:
        return {}
    rows = session.execute(_aggregates_statement(),
                           {"submission_ids": list(submission_ids)}).all()
    return {row[0]: tuple(row[1:]) for row in rows}


@cache
def _aggregates_statement():
    """The statement of `_aggregates`, built once (`submission_ids` bound at execution)."""
    total = hundredths(Evaluation.total)
    return (select(Evaluation.submission_id, func.count(Evaluation.id), func.sum(total),
                   func.min(total), func.max(total), hundredths(Moderation.score))
            .outerjoin(Moderation, Moderation.submission_id == Evaluation.submission_id)
            .where(Evaluation.submission_id.in_(bindparam("submission_ids", expanding=True)),
                   Evaluation.status == EvaluationStatus.SUBMITTED)
            .group_by(Evaluation.submission_id, Moderation.score))


def standings(session, challenge: Challenge) -> list[Standing]:
    """Every submission in the evaluation with its score and rank, best first;
    disqualified and not yet scored ones last, unranked. Read once per unit of work."""
    return list(per_session(session, ("standings", challenge.id),
                            lambda: _standings(session, challenge)))


def read_standings(session, challenges: list[Challenge]) -> None:
    """`standings` of many challenges, their submissions read already
    (`read_submissions`): one statement whatever their number, kept for `standings` to
    answer in this unit of work."""
    by_challenge = {c.id: submissions_of(session, c) for c in challenges}
    found = _aggregates(session, [s.id for subs in by_challenge.values() for s in subs])
    remember(session, "standings", {c.id: _rank(by_challenge[c.id], found) for c in challenges})


def _standings(session, challenge: Challenge) -> list[Standing]:
    submissions = submissions_of(session, challenge)
    return _rank(submissions, _aggregates(session, [s.id for s in submissions]))


def _rank(submissions: list[Submission], found: dict[int, tuple]) -> list[Standing]:
    result = []
    for submission in submissions:
        standing = Standing(submission)
        if submission.id in found:
            count, total, low, high, moderated = found[submission.id]
            standing.evaluations = count
            standing.exact_mean = Fraction(int(total), 100 * count)
            standing.exact_spread = Fraction(int(high) - int(low), 100)
            if moderated is not None:
                standing.exact_moderated = Fraction(int(moderated), 100)
        result.append(standing)
    ranks = rank({s.submission.id: (None if s.disqualified else s.exact_score)
                  for s in result})
    for standing in result:
        standing.rank = ranks[standing.submission.id]
    return sorted(result, key=lambda s: (s.rank is None, s.rank or 0, s.submission.id))


def standing_of(session, submission: Submission) -> Standing:
    for standing in standings(session, submission.challenge):
        if standing.submission.id == submission.id:
            return standing
    return Standing(submission)


def spread_flagged(session, submission: Submission) -> bool:
    """`Standing.flagged` of one submission (its evaluators disagree by more than
    `SPREAD_FLAG`: the chair moderates it), from its own aggregate — one statement, not
    the challenge's standings (its rank is not needed) — or from the standings when this
    unit of work read them."""
    if recall(session, ("standings", submission.challenge_id)) is not None:
        return standing_of(session, submission).flagged
    return _rank([submission], _aggregates(session, [submission.id]))[0].flagged
