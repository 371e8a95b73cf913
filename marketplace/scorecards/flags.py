"""The red flags' rules (dấu hiệu cần lưu ý), each a query over public records only, and
their recomputation by the worker (`recompute`, the periodic job `recompute_flags`, and
`flask flags recompute`). The definitions are on the methodology page
(`templates/scorecards/methodology.html`); the thresholds are settings (`config.py`,
`FLAG_*`, documented in the README's configuration table).

A flag says "look here", never "guilty". Only public records are read: published
challenges, bids counted once the challenge closed, approved awards, orders the solver
signed (`marketplace.opendata.visibility`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, select

from marketplace.challenges.models import Amendment, Challenge, ChallengeStatus
from marketplace.dashboard.sql import days_between
from marketplace.evaluation.models import Award, AwardItem
from marketplace.opendata.visibility import (
    bids_public,
    public_award,
    public_challenge,
    public_order,
)
from marketplace.orders.models import (
    Milestone,
    MilestoneDelivery,
    MilestoneStatus,
    OrderAmendment,
    OrderStatus,
    PilotOrder,
)
from marketplace.scorecards.models import FlagKind, RedFlag
from marketplace.submissions.models import IN_EVALUATION, Submission
from marketplace.types import utcnow

CLOSED_STATUSES = (ChallengeStatus.CLOSED, ChallengeStatus.EVALUATING, ChallengeStatus.AWARDED)


@dataclass(frozen=True)
class Thresholds:
    """The flags' thresholds (calendar days, counts, percent); defaults as in `config.py`."""

    min_submission_days: int = 14
    ceiling_margin_percent: float = 2.0
    max_amendments: int = 3
    late_amendment_days: int = 3
    unpaid_days: int = 30
    undecided_days: int = 30
    stalled_days: int = 90
    repeat_wins: int = 3
    repeat_window_days: int = 730

    @classmethod
    def from_config(cls, config: Mapping) -> Thresholds:
        """From the app's `FLAG_*` settings; a setting that is absent keeps its default."""
        names = {"min_submission_days": "FLAG_MIN_SUBMISSION_DAYS",
                 "ceiling_margin_percent": "FLAG_CEILING_MARGIN_PERCENT",
                 "max_amendments": "FLAG_MAX_AMENDMENTS",
                 "late_amendment_days": "FLAG_LATE_AMENDMENT_DAYS",
                 "unpaid_days": "FLAG_UNPAID_DAYS", "undecided_days": "FLAG_UNDECIDED_DAYS",
                 "stalled_days": "FLAG_STALLED_DAYS", "repeat_wins": "FLAG_REPEAT_WINS",
                 "repeat_window_days": "FLAG_REPEAT_WINDOW_DAYS"}
        return cls(**{field: config[key] for field, key in names.items() if key in config})


def _days(delta: timedelta) -> int:
    return int(delta.total_seconds() // 86400)


def single_bid(session, t: Thresholds, now: datetime) -> Iterator[RedFlag]:
    """A closed challenge (closed, under evaluation or awarded) with exactly one valid
    submission (opened, scored, shortlisted, awarded or not awarded: not disqualified)."""
    rows = session.execute(
        select(Challenge.id, Challenge.agency_id, Challenge.closed_at)
        .join(Submission, and_(Submission.challenge_id == Challenge.id,
                               Submission.status.in_(IN_EVALUATION)))
        .where(public_challenge(), bids_public(), Challenge.status.in_(CLOSED_STATUSES))
        .group_by(Challenge.id, Challenge.agency_id, Challenge.closed_at)
        .having(func.count(Submission.id) == 1))
    for challenge_id, agency_id, closed_at in rows:
        yield RedFlag(kind=FlagKind.SINGLE_BID, agency_id=agency_id, challenge_id=challenge_id,
                      raised_at=closed_at, detail={"submissions": 1})


def short_period(session, t: Thresholds, now: datetime) -> Iterator[RedFlag]:
    """A public challenge whose submission period (publication to submission deadline, as
    the deadline stands now) is shorter than `min_submission_days` calendar days."""
    period = days_between(Challenge.submission_deadline, Challenge.published_at)
    rows = session.execute(
        select(Challenge.id, Challenge.agency_id, Challenge.published_at, period)
        .where(public_challenge(), Challenge.submission_deadline.is_not(None),
               period < t.min_submission_days))
    for challenge_id, agency_id, published_at, days in rows:
        yield RedFlag(kind=FlagKind.SHORT_PERIOD, agency_id=agency_id,
                      challenge_id=challenge_id, raised_at=published_at,
                      detail={"days": round(float(days), 1),
                              "threshold": t.min_submission_days})


def _awards(session):
    """(award id, challenge id, agency id, ceiling, total, decided_at, best rank, a solver)
    of every approved award on a public challenge; the solver is the lead organization of
    its item (of the lowest organization id when parallel pilots were awarded)."""
    best = (select(AwardItem.award_id, func.min(AwardItem.rank).label("rank"),
                   func.min(Submission.organization_id).label("solver"))
            .join(Submission, Submission.id == AwardItem.submission_id)
            .group_by(AwardItem.award_id).subquery())
    return session.execute(
        select(Award.id, Challenge.id, Challenge.agency_id, Challenge.budget_ceiling,
               Award.total_amount, Award.decided_at, best.c.rank, best.c.solver)
        .join(Challenge, Challenge.id == Award.challenge_id)
        .join(best, best.c.award_id == Award.id)
        .where(public_award(), public_challenge())).all()


def award_flags(session, t: Thresholds, now: datetime) -> Iterator[RedFlag]:
    """On each approved award: `NOT_TOP_RANKED` when none of its items is the submission
    ranked first; `NEAR_CEILING` when its total is at least (100 − margin)% of the
    challenge's budget ceiling."""
    for _award_id, challenge_id, agency_id, ceiling, total, decided_at, rank, solver in \
            _awards(session):
        if rank and rank > 1:
            yield RedFlag(kind=FlagKind.NOT_TOP_RANKED, agency_id=agency_id,
                          solver_id=solver, challenge_id=challenge_id, raised_at=decided_at,
                          detail={"rank": rank})
        if ceiling and total * 100 >= ceiling * (100 - t.ceiling_margin_percent):
            yield RedFlag(kind=FlagKind.NEAR_CEILING, agency_id=agency_id, solver_id=solver,
                          challenge_id=challenge_id, raised_at=decided_at,
                          detail={"percent": round(100 * total / ceiling, 2),
                                  "threshold": t.ceiling_margin_percent})


def amendment_flags(session, t: Thresholds, now: datetime) -> Iterator[RedFlag]:
    """`MANY_AMENDMENTS`: more than `max_amendments` amendments to one public challenge;
    `LATE_AMENDMENT`: an amendment made less than `late_amendment_days` days before the
    submission deadline as it stands now (an amendment that moved the deadline later by
    enough is not late). One flag per challenge for each."""
    rows = session.execute(
        select(Challenge.id, Challenge.agency_id, Challenge.submission_deadline,
               Amendment.created_at)
        .join(Amendment, Amendment.challenge_id == Challenge.id)
        .where(public_challenge())
        .order_by(Challenge.id, Amendment.created_at)).all()
    per_challenge: dict[int, list] = {}
    for row in rows:
        per_challenge.setdefault(row[0], []).append(row)
    for challenge_id, amendments in per_challenge.items():
        agency_id, deadline = amendments[0][1], amendments[0][2]
        if len(amendments) > t.max_amendments:
            yield RedFlag(kind=FlagKind.MANY_AMENDMENTS, agency_id=agency_id,
                          challenge_id=challenge_id, raised_at=amendments[-1][3],
                          detail={"amendments": len(amendments),
                                  "threshold": t.max_amendments})
        late = [made for _c, _a, _d, made in amendments
                if deadline and deadline - timedelta(days=t.late_amendment_days) < made
                <= deadline]
        if late:
            yield RedFlag(kind=FlagKind.LATE_AMENDMENT, agency_id=agency_id,
                          challenge_id=challenge_id, raised_at=late[-1],
                          detail={"hours_before": int((deadline - late[-1]).total_seconds()
                                                      // 3600),
                                  "threshold": t.late_amendment_days})


def milestone_flags(session, t: Thresholds, now: datetime) -> Iterator[RedFlag]:
    """On the milestones of public orders: `UNPAID_ACCEPTED`, accepted more than
    `unpaid_days` days ago and not paid; `UNDECIDED_DELIVERY`, delivered more than
    `undecided_days` days ago and neither accepted nor rejected (still "delivered")."""
    rows = session.execute(
        select(Milestone.id, Milestone.status, Milestone.accepted_at, Milestone.delivered_at,
               PilotOrder.id, PilotOrder.agency_id, PilotOrder.solver_id,
               PilotOrder.challenge_id)
        .join(PilotOrder, PilotOrder.id == Milestone.order_id)
        .where(public_order(), PilotOrder.status != OrderStatus.TERMINATED,
               Milestone.status.in_((MilestoneStatus.ACCEPTED, MilestoneStatus.DELIVERED)))
        .order_by(Milestone.id))
    for (milestone_id, status, accepted_at, delivered_at, order_id, agency_id, solver_id,
         challenge_id) in rows:
        if status is MilestoneStatus.ACCEPTED and accepted_at \
                and now - accepted_at > timedelta(days=t.unpaid_days):
            kind, start, limit = FlagKind.UNPAID_ACCEPTED, accepted_at, t.unpaid_days
        elif status is MilestoneStatus.DELIVERED and delivered_at \
                and now - delivered_at > timedelta(days=t.undecided_days):
            kind, start, limit = FlagKind.UNDECIDED_DELIVERY, delivered_at, t.undecided_days
        else:
            continue
        yield RedFlag(kind=kind, agency_id=agency_id, solver_id=solver_id,
                      challenge_id=challenge_id, order_id=order_id, milestone_id=milestone_id,
                      raised_at=start + timedelta(days=limit),
                      detail={"days": _days(now - start), "threshold": limit})


def stalled_pilots(session, t: Thresholds, now: datetime) -> Iterator[RedFlag]:
    """An active public order whose last recorded activity is more than `stalled_days` days
    old. Activity: the countersignature (the order's start), a milestone delivered,
    accepted, rejected or paid, a contract amendment proposed or signed."""
    milestones = (select(Milestone.order_id.label("order_id"),
                         func.max(Milestone.delivered_at).label("a"),
                         func.max(Milestone.accepted_at).label("b"),
                         func.max(Milestone.paid_at).label("c"))
                  .group_by(Milestone.order_id).subquery())
    deliveries = (select(Milestone.order_id.label("order_id"),
                         func.max(MilestoneDelivery.delivered_at).label("a"),
                         func.max(MilestoneDelivery.decided_at).label("b"))
                  .join(Milestone, Milestone.id == MilestoneDelivery.milestone_id)
                  .group_by(Milestone.order_id).subquery())
    amendments = (select(OrderAmendment.order_id.label("order_id"),
                         func.max(OrderAmendment.proposed_at).label("a"),
                         func.max(OrderAmendment.solver_signed_at).label("b"),
                         func.max(OrderAmendment.agency_signed_at).label("c"))
                  .group_by(OrderAmendment.order_id).subquery())
    rows = session.execute(
        select(PilotOrder.id, PilotOrder.agency_id, PilotOrder.solver_id,
               PilotOrder.challenge_id, PilotOrder.active_at, PilotOrder.signed_at,
               milestones.c.a, milestones.c.b, milestones.c.c, deliveries.c.a, deliveries.c.b,
               amendments.c.a, amendments.c.b, amendments.c.c)
        .outerjoin(milestones, milestones.c.order_id == PilotOrder.id)
        .outerjoin(deliveries, deliveries.c.order_id == PilotOrder.id)
        .outerjoin(amendments, amendments.c.order_id == PilotOrder.id)
        .where(public_order(), PilotOrder.status == OrderStatus.ACTIVE))
    for order_id, agency_id, solver_id, challenge_id, *stamps in rows:
        last = max((stamp for stamp in stamps if stamp is not None), default=None)
        if last is None or now - last <= timedelta(days=t.stalled_days):
            continue
        yield RedFlag(kind=FlagKind.STALLED_PILOT, agency_id=agency_id, solver_id=solver_id,
                      challenge_id=challenge_id, order_id=order_id,
                      raised_at=last + timedelta(days=t.stalled_days),
                      detail={"days": _days(now - last), "threshold": t.stalled_days})


def repeat_winners(session, t: Thresholds, now: datetime) -> Iterator[RedFlag]:
    """The same solver (the organization that led the awarded submission) awarded
    `repeat_wins` or more challenges by the same agency, in approved awards decided within
    the last `repeat_window_days` days. One flag per (agency, solver), on the latest."""
    since = now - timedelta(days=t.repeat_window_days)
    rows = session.execute(
        select(Challenge.agency_id, Submission.organization_id,
               func.count(func.distinct(Challenge.id)), func.max(Challenge.id),
               func.max(Award.decided_at))
        .select_from(AwardItem)
        .join(Award, Award.id == AwardItem.award_id)
        .join(Submission, Submission.id == AwardItem.submission_id)
        .join(Challenge, Challenge.id == Award.challenge_id)
        .where(public_award(), public_challenge(), Award.decided_at >= since)
        .group_by(Challenge.agency_id, Submission.organization_id)
        .having(func.count(func.distinct(Challenge.id)) >= t.repeat_wins))
    for agency_id, solver_id, wins, latest, decided_at in rows:
        yield RedFlag(kind=FlagKind.REPEAT_WINNER, agency_id=agency_id, solver_id=solver_id,
                      challenge_id=latest, raised_at=decided_at,
                      detail={"wins": int(wins), "threshold": t.repeat_wins,
                              "window_days": t.repeat_window_days})


RULES = (single_bid, short_period, award_flags, amendment_flags, milestone_flags,
         stalled_pilots, repeat_winners)


def find(session, thresholds: Thresholds, now: datetime | None = None) -> list[RedFlag]:
    """Every flag that holds at `now` (UTC, default the present), unsaved."""
    now = now or utcnow()
    found = [flag for rule in RULES for flag in rule(session, thresholds, now)]
    for flag in found:
        flag.computed_at = now
    return found


def recompute(session, thresholds: Thresholds, now: datetime | None = None) -> int:
    """Replace the stored flags with those that hold now; the number stored. Flushes, does
    not commit (the caller — the worker's job or the CLI — commits)."""
    found = find(session, thresholds, now)
    session.execute(delete(RedFlag))
    session.add_all(found)
    session.flush()
    return len(found)
