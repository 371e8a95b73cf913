"""The rules of milestones (delivery, acceptance, rejection), of completion, and of what
the two sides say about each other once the pilot is over."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace import policy
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.files.services import attach
from marketplace.lifecycle import transition
from marketplace.orders import notices
from marketplace.orders.models import (
    Milestone,
    MilestoneDelivery,
    MilestoneStatus,
    OrderStatus,
    PilotOrder,
    Rating,
    RatingSide,
)
from marketplace.orders.states import MILESTONE_LIFECYCLE, ORDER_LIFECYCLE
from marketplace.types import utcnow

SOLVER_CRITERIA = ("fairness", "clarity", "payment_speed")


def deliver(session, user, milestone: Milestone, notes: str,
            files: Iterable[tuple[BinaryIO, str]] = ()) -> MilestoneDelivery:
    """The solver reports a delivery, with notes and evidence files."""
    notes = (notes or "").strip()
    if not notes:
        raise DomainError(_("Please describe what was delivered."), field="notes")
    MILESTONE_LIFECYCLE.find(milestone.status, MilestoneStatus.DELIVERED)
    policy.require(user, "milestone.deliver", milestone)
    delivery = MilestoneDelivery(milestone=milestone, notes=notes, delivered_by_id=user.id,
                                 delivered_at=utcnow())
    session.add(delivery)
    session.flush()
    for stream, filename in files:
        attach(session, user, owner_field="delivery_id", owner_id=delivery.id, stream=stream,
               filename=filename, max_total=current_app.config["MAX_SUBMISSION_BYTES"])
    transition(session, milestone, MilestoneStatus.DELIVERED, user,
               lifecycle=MILESTONE_LIFECYCLE, data={"delivery_id": delivery.id})
    notices.milestone_event(session, milestone, "milestone.delivered")
    return delivery


def _open_delivery(session, milestone: Milestone) -> MilestoneDelivery:
    pending = list(session.scalars(
        select(MilestoneDelivery).where(MilestoneDelivery.milestone_id == milestone.id,
                                        MilestoneDelivery.verdict.is_(None))
        .order_by(MilestoneDelivery.delivered_at, MilestoneDelivery.id)))
    if not pending:
        raise DomainError(_("There is no delivery waiting for a decision."))
    return pending[-1]


def accept(session, user, milestone: Milestone) -> None:
    MILESTONE_LIFECYCLE.find(milestone.status, MilestoneStatus.ACCEPTED)
    policy.require(user, "milestone.accept", milestone)
    delivery = _open_delivery(session, milestone)
    delivery.verdict = "accepted"
    delivery.decided_by_id = user.id
    delivery.decided_at = utcnow()
    transition(session, milestone, MilestoneStatus.ACCEPTED, user,
               lifecycle=MILESTONE_LIFECYCLE,
               data={"delivery_id": delivery.id, "amount": milestone.amount})
    notices.milestone_event(session, milestone, "milestone.accepted")


def reject(session, user, milestone: Milestone, reason: str) -> None:
    """Back to planned, with the reason, so the solver can deliver again."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give the reason for the rejection."), field="reason")
    MILESTONE_LIFECYCLE.find(milestone.status, MilestoneStatus.PLANNED)
    policy.require(user, "milestone.reject", milestone)
    delivery = _open_delivery(session, milestone)
    delivery.verdict = "rejected"
    delivery.verdict_reason = reason
    delivery.decided_by_id = user.id
    delivery.decided_at = utcnow()
    milestone.last_rejection_reason = reason
    transition(session, milestone, MilestoneStatus.PLANNED, user,
               lifecycle=MILESTONE_LIFECYCLE,
               data={"delivery_id": delivery.id, "reason": reason})
    notices.milestone_event(session, milestone, "milestone.rejected")


def mark_paid(session, actor, milestone: Milestone, *, by_system: bool, data: dict) -> None:
    """Accepted → paid, then the order completes if that was its last unpaid milestone.
    Called by the payments domain once a payment is confirmed, never directly."""
    transition(session, milestone, MilestoneStatus.PAID, actor,
               lifecycle=MILESTONE_LIFECYCLE, data=data, by_system=by_system)
    notices.milestone_event(session, milestone, "milestone.paid")
    complete_if_all_paid(session, milestone.order)


def complete_if_all_paid(session, order: PilotOrder) -> bool:
    if order.status is not OrderStatus.ACTIVE or not order.milestones:
        return False
    if any(m.status is not MilestoneStatus.PAID for m in order.milestones):
        return False
    transition(session, order, OrderStatus.COMPLETED, None, lifecycle=ORDER_LIFECYCLE,
               by_system=True, data={"paid": sum(m.amount for m in order.milestones)})
    return True


# --- after completion ---------------------------------------------------------------

def _score(value) -> int:
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise DomainError(_("Each score is a whole number from 1 to 5."), field="scores")
    return score


def _average(scores: dict[str, int]) -> Decimal:
    mean = Decimal(sum(scores.values())) / Decimal(len(scores))
    return mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _save_rating(session, user, order, side: RatingSide, scores: dict[str, int],
                 comment: str) -> Rating:
    taken = session.scalar(select(Rating.id).where(Rating.order_id == order.id,
                                                   Rating.side == side))
    if taken is not None:
        raise DomainError(_("This side has already rated the pilot."))
    rating = Rating(order=order, side=side, scores=scores, average=_average(scores),
                    comment=(comment or "").strip(), rated_by_id=user.id)
    session.add(rating)
    session.flush()
    record(session, user, f"order.rated_by_{side.value}", order,
           after={"scores": scores, "average": str(rating.average)}, public=True)
    return rating


def rate_pilot(session, user, order: PilotOrder, kpi_scores: dict[int, int],
               comment: str) -> Rating:
    """The agency rates the results against each KPI, 1–5."""
    policy.require(user, "order.rate_pilot", order)
    scores = {f"kpi:{kpi.id}": _score(kpi_scores.get(kpi.id)) for kpi in order.kpis}
    if not scores:
        raise DomainError(_("This order has no KPIs to rate."), field="scores")
    return _save_rating(session, user, order, RatingSide.AGENCY, scores, comment)


def rate_agency(session, user, order: PilotOrder, scores: dict[str, int],
                comment: str) -> Rating:
    """The solver rates the agency's fairness, clarity and payment speed, 1–5."""
    policy.require(user, "order.rate_agency", order)
    checked = {name: _score(scores.get(name)) for name in SOLVER_CRITERIA}
    return _save_rating(session, user, order, RatingSide.SOLVER, checked, comment)


def recommend(session, user, order: PilotOrder, *, recommended: bool, follow_on: str) -> None:
    """Whether the solution is recommended for scale-up, and the planned follow-on
    procurement if so: the measure of whether the first purchase created a market."""
    policy.require(user, "order.recommend", order)
    follow_on = (follow_on or "").strip()
    if recommended and not follow_on:
        raise DomainError(_("Please describe the planned follow-on procurement."),
                          field="follow_on_plan")
    before = {"recommended": order.scale_up_recommended, "follow_on": order.follow_on_plan}
    order.scale_up_recommended = recommended
    order.follow_on_plan = follow_on if recommended else ""
    session.flush()
    record(session, user, "order.scale_up", order, before=before,
           after={"recommended": recommended, "follow_on": order.follow_on_plan}, public=True)
