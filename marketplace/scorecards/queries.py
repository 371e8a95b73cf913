"""The scorecards' figures, per agency, per province (of the agency) or per solver
organization, in ONE statement whatever the data size: a UNION ALL of small aggregates,
each row `(key, figure, part, value)`, folded by `services`. The definitions are on the
methodology page (`/methodology`); every figure reads public records only
(`marketplace.opendata.visibility`), under the dashboard's filters (year of publication,
technology group; `marketplace.dashboard.queries.Filters`).

Medians are exact and computed in SQL (the mean of the one or two middle values of each
key's ordered durations, window functions partitioned by the key)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Float, String, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from marketplace.accounts.models import Organization
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.dashboard.queries import Filters
from marketplace.dashboard.sql import days_between, days_since_local_date
from marketplace.opendata.visibility import (
    BID_STATUSES,
    COMMITTED_ORDER_STATUSES,
    bids_public,
    public_order,
    public_payment,
)
from marketplace.orders.models import (
    PUBLIC_ORDER_STATUSES,
    Milestone,
    MilestoneStatus,
    OrderKind,
    OrderStatus,
    PilotOrder,
    Rating,
    RatingSide,
)
from marketplace.outcomes.models import OutcomeResult, OutcomeStatus, PilotOutcome
from marketplace.payments.models import Payment
from marketplace.policy.feedback import OPEN_TO_FEEDBACK
from marketplace.scorecards.models import RedFlag
from marketplace.submissions.models import Submission

AGENCY, PROVINCE, SOLVER = "agency", "province", "solver"
KINDS = (AGENCY, PROVINCE, SOLVER)
PROMPT_DAYS = 30  # the UK prompt-payment targets: paid within 30 days, and within 5
FAST_DAYS = 5
SOLVER_CRITERIA = ("fairness", "clarity", "payment_speed")


def _agency_province(agency_column=Challenge.agency_id):
    return (select(Organization.province).where(Organization.id == agency_column)
            .scalar_subquery())


def _key(kind: str, solver_column):
    """The grouping column of the challenges' figures: the challenge's agency, that
    agency's province, or the solver (`solver_column`, the bid's lead organization)."""
    if kind == AGENCY:
        return Challenge.agency_id
    if kind == PROVINCE:
        return _agency_province()
    return solver_column


def _order_key(kind: str):
    """The grouping column of the orders' figures: the order's own agency (a follow-on
    order may be another agency's, on the pilot's challenge), its province, or its
    solver."""
    if kind == AGENCY:
        return PilotOrder.agency_id
    if kind == PROVINCE:
        return _agency_province(PilotOrder.agency_id)
    return PilotOrder.solver_id


def _row(key, figure: str, part, value):
    return (key.label("k"), literal(figure, String).label("figure"),
            cast(part, String).label("part"), cast(value, Float).label("value"))


def _median(durations, figure: str):
    """Per key, the exact median of `durations` (a subquery with columns k, d)."""
    ranked = select(durations.c.k, durations.c.d,
                    func.row_number().over(partition_by=durations.c.k,
                                           order_by=durations.c.d).label("rn"),
                    func.count().over(partition_by=durations.c.k).label("n")).subquery()
    return (select(ranked.c.k, literal(figure, String), literal("", String),
                   cast(func.avg(ranked.c.d), Float))
            .where(or_(ranked.c.rn == (ranked.c.n + 1) // 2,
                       ranked.c.rn == (ranked.c.n + 2) // 2))
            .group_by(ranked.c.k))


def statement(kind: str, filters: Filters, now: datetime, only=None):
    """The one SELECT of every figure of `kind` (AGENCY, PROVINCE or SOLVER) under
    `filters`, for the key `only` or every key. Rows: (key, figure, part, value)."""
    conditions = filters.conditions()
    order_key = _order_key(kind)

    def where(key, *more):
        clauses = [*conditions, *more]
        if only is not None:
            clauses.append(key == only)
        return clauses

    parts = []
    # challenges posted and their states (agency, province); bids made and won (solver)
    if kind == SOLVER:
        bid_key = Submission.organization_id
        parts.append(select(*_row(bid_key, "bids", Submission.status, func.count()))
                     .join(Challenge, Challenge.id == Submission.challenge_id)
                     .where(*where(bid_key, bids_public(), Submission.status.in_(BID_STATUSES)))
                     .group_by(bid_key, Submission.status))
    else:
        key = _key(kind, None)
        parts.append(select(*_row(key, "challenges", Challenge.status, func.count()))
                     .where(*where(key)).group_by(key, Challenge.status))
        to_award = (select(key.label("k"),
                           days_between(Challenge.awarded_at, Challenge.published_at).label("d"))
                    .where(*where(key, Challenge.status == ChallengeStatus.AWARDED,
                                  Challenge.awarded_at.is_not(None)))
                    .subquery())
        parts.append(_median(to_award, "days_to_award"))
    # from the award to the order signed by both sides (countersigned: active)
    to_order = (select(order_key.label("k"),
                       days_between(PilotOrder.active_at, Challenge.awarded_at).label("d"))
                .select_from(PilotOrder)
                .join(Challenge, Challenge.id == PilotOrder.challenge_id)
                .where(*where(order_key, public_order(), PilotOrder.kind == OrderKind.PILOT,
                              PilotOrder.active_at.is_not(None),
                              Challenge.awarded_at.is_not(None)))
                .subquery())
    parts.append(_median(to_order, "days_to_order"))
    # paid milestones: from acceptance to the transfer date recorded (paid_on)
    days = days_since_local_date(Payment.paid_on, Milestone.accepted_at)
    paid = (select(order_key.label("k"), days.label("d"))
            .select_from(Milestone)
            .join(Payment, and_(Payment.milestone_id == Milestone.id, public_payment()))
            .join(PilotOrder, PilotOrder.id == Milestone.order_id)
            .join(Challenge, Challenge.id == PilotOrder.challenge_id)
            .where(*where(order_key, public_order(), Milestone.status == MilestoneStatus.PAID,
                          Milestone.accepted_at.is_not(None), Payment.paid_on.is_not(None)))
            .subquery())
    parts.append(_median(paid, "days_to_pay"))
    parts.append(select(paid.c.k, literal("paid_milestones", String), literal("", String),
                        cast(func.count(), Float)).group_by(paid.c.k))
    parts.append(select(paid.c.k, literal("paid_within", String),
                        literal(str(PROMPT_DAYS), String),
                        cast(func.sum(case((paid.c.d <= PROMPT_DAYS, 1), else_=0)), Float))
                 .group_by(paid.c.k))
    parts.append(select(paid.c.k, literal("paid_within", String),
                        literal(str(FAST_DAYS), String),
                        cast(func.sum(case((paid.c.d <= FAST_DAYS, 1), else_=0)), Float))
                 .group_by(paid.c.k))
    # accepted milestones unpaid for more than 30 days, now
    parts.append(select(*_row(order_key, "overdue", literal(""), func.count()))
                 .select_from(Milestone)
                 .join(PilotOrder, PilotOrder.id == Milestone.order_id)
                 .join(Challenge, Challenge.id == PilotOrder.challenge_id)
                 .where(*where(order_key, public_order(),
                               PilotOrder.status != OrderStatus.TERMINATED,
                               Milestone.status == MilestoneStatus.ACCEPTED,
                               Milestone.accepted_at < now - timedelta(days=PROMPT_DAYS)))
                 .group_by(order_key))
    # orders by status, money committed and paid
    parts.append(select(*_row(order_key, "orders", PilotOrder.status, func.count()))
                 .join(Challenge, Challenge.id == PilotOrder.challenge_id)
                 .where(*where(order_key, public_order(), PilotOrder.kind == OrderKind.PILOT))
                 .group_by(order_key, PilotOrder.status))
    parts.append(select(*_row(order_key, "committed", literal(""), func.sum(PilotOrder.value)))
                 .join(Challenge, Challenge.id == PilotOrder.challenge_id)
                 .where(*where(order_key, public_order(),
                               PilotOrder.status.in_(COMMITTED_ORDER_STATUSES)))
                 .group_by(order_key))
    parts.append(select(*_row(order_key, "paid", literal(""), func.sum(Payment.amount)))
                 .select_from(Payment)
                 .join(PilotOrder, PilotOrder.id == Payment.order_id)
                 .join(Challenge, Challenge.id == PilotOrder.challenge_id)
                 .where(*where(order_key, public_order(), public_payment()))
                 .group_by(order_key))
    # pilots proven (a published outcome, issue 17) and scaled (bought again: a public
    # follow-on order of the pilot)
    parts.append(select(*_row(order_key, "proven", literal(""), func.count()))
                 .select_from(PilotOrder)
                 .join(PilotOutcome, PilotOutcome.order_id == PilotOrder.id)
                 .join(Challenge, Challenge.id == PilotOrder.challenge_id)
                 .where(*where(order_key, public_order(), PilotOrder.kind == OrderKind.PILOT,
                               PilotOutcome.status == OutcomeStatus.PUBLISHED,
                               PilotOutcome.result == OutcomeResult.PROVEN))
                 .group_by(order_key))
    follow_on = aliased(PilotOrder)
    bought_again = (select(follow_on.id)
                    .where(follow_on.follows_order_id == PilotOrder.id,
                           follow_on.status.in_(PUBLIC_ORDER_STATUSES),
                           follow_on.signed_at.is_not(None))
                    .exists())
    parts.append(select(*_row(order_key, "scaled", literal(""), func.count()))
                 .select_from(PilotOrder)
                 .join(Challenge, Challenge.id == PilotOrder.challenge_id)
                 .where(*where(order_key, public_order(), PilotOrder.kind == OrderKind.PILOT,
                               bought_again))
                 .group_by(order_key))
    # the citizens' index (issue 18, `marketplace.feedback`): the totals each public pilot
    # open to feedback (active or completed) keeps on its own row
    for part, column in (("n", PilotOrder.citizen_ratings),
                         ("sum", PilotOrder.citizen_rating_sum),
                         ("rejected", PilotOrder.citizen_comments_rejected)):
        parts.append(select(*_row(order_key, "citizens", literal(part), func.sum(column)))
                     .join(Challenge, Challenge.id == PilotOrder.challenge_id)
                     .where(*where(order_key, public_order(),
                                   PilotOrder.status.in_(OPEN_TO_FEEDBACK)))
                     .group_by(order_key))
    # satisfaction, from completed orders only: solvers rate agencies, agencies rate pilots
    side = RatingSide.AGENCY if kind == SOLVER else RatingSide.SOLVER
    rated = [*where(order_key, public_order(), PilotOrder.status == OrderStatus.COMPLETED,
                    Rating.side == side)]
    criteria = [("average", Rating.average)]
    if side is RatingSide.SOLVER:
        criteria += [(name, Rating.scores[name].as_float()) for name in SOLVER_CRITERIA]
    for part, column in criteria:
        parts.append(select(*_row(order_key, "rating", literal(part), func.avg(column)))
                     .select_from(Rating)
                     .join(PilotOrder, PilotOrder.id == Rating.order_id)
                     .join(Challenge, Challenge.id == PilotOrder.challenge_id)
                     .where(*rated).group_by(order_key))
    parts.append(select(*_row(order_key, "ratings", literal(""), func.count()))
                 .select_from(Rating)
                 .join(PilotOrder, PilotOrder.id == Rating.order_id)
                 .join(Challenge, Challenge.id == PilotOrder.challenge_id)
                 .where(*rated).group_by(order_key))
    # red flags, by kind
    flag_key = {AGENCY: RedFlag.agency_id, PROVINCE: _agency_province(),
                SOLVER: RedFlag.solver_id}[kind]
    parts.append(select(*_row(flag_key, "flags", RedFlag.kind, func.count()))
                 .select_from(RedFlag)
                 .join(Challenge, Challenge.id == RedFlag.challenge_id)
                 .where(*where(flag_key)).group_by(flag_key, RedFlag.kind))
    return union_all(*parts)


def rows(session, kind: str, filters: Filters, now: datetime, only=None) -> list[tuple]:
    """[(key, figure, part, value)]: see `statement`."""
    return [tuple(row) for row in session.execute(statement(kind, filters, now, only))]
