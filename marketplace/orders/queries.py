"""What the order pages show, loaded in a fixed number of queries (templates never
query): the order with its parties, KPIs, milestones, ratings and amendments; for the
parties, also deliveries, evidence files, payments and a pending amendment."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import object_session

from marketplace.files.models import Attachment
from marketplace.orders.models import (
    Milestone,
    MilestoneDelivery,
    MilestoneStatus,
    OrderAmendment,
    OrderStatus,
    PilotOrder,
    RatingSide,
)
from marketplace.orders.terms import LOCAL_ZONE, local_today
from marketplace.payments.models import Payment, PaymentStatus

OPEN = (MilestoneStatus.PLANNED, MilestoneStatus.DELIVERED)


# what an order's pages show: joined into the lookup that decides whether the order is
# known (`web.lookup_or_404`), then each collection in one statement (five in all)
PAGE_JOINED = ("agency", "solver", "challenge", "red_flags", "outcome")  # one-to-one each
PAGE_COLLECTIONS = ("kpis", "milestones", "ratings", "amendments")


def orders_by_award_item(session, item_ids) -> dict[int, PilotOrder]:
    """The pilot order of each of these award items that has one (one query)."""
    if not item_ids:
        return {}
    return {order.award_item_id: order for order in session.scalars(
        select(PilotOrder).where(PilotOrder.award_item_id.in_(list(item_ids))))}


def _local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_ZONE).date()


def is_overdue(milestone: Milestone, order: PilotOrder, today: date) -> bool:
    return (order.status is OrderStatus.ACTIVE and milestone.status in OPEN
            and milestone.due_date < today)


@dataclass
class MilestoneLine:
    milestone: Milestone
    overdue: bool
    cancelled: bool
    days_to_payment: int | None


@dataclass
class OrderSummary:
    order: PilotOrder
    lines: list[MilestoneLine]
    accepted_total: int
    paid_total: int
    overdue_count: int
    agency_rating: object = None
    solver_rating: object = None


def transfer_dates(order: PilotOrder) -> dict[int, date]:
    """Milestone id → the date of its transfer as the agency recorded it (`paid_on` of its
    succeeded payment): days to pay count to it, not to when it was typed in."""
    session = object_session(order)
    if session is None or not any(m.paid_at is not None for m in order.milestones):
        return {}  # nothing paid: no query (the public page's budget of statements)
    rows = session.execute(select(Payment.milestone_id, Payment.paid_on).where(
        Payment.order_id == order.id, Payment.status == PaymentStatus.SUCCEEDED))
    return {milestone_id: paid_on for milestone_id, paid_on in rows if paid_on is not None}


def summarize(order: PilotOrder, today: date | None = None,
              paid_on: dict[int, date] | None = None) -> OrderSummary:
    """The order's milestones with their state and totals; `paid_on` (milestone id →
    transfer date, as `transfer_dates`) when the caller already read the payments (the
    parties' page: `PartyView.transfer_dates`), else read here."""
    today = today or local_today()
    paid_on = transfer_dates(order) if paid_on is None else paid_on
    lines = []
    for m in order.milestones:
        days = None
        if m.accepted_at is not None and paid_on.get(m.id) is not None:
            days = (paid_on[m.id] - _local_date(m.accepted_at)).days
        lines.append(MilestoneLine(
            milestone=m, overdue=is_overdue(m, order, today),
            cancelled=order.status is OrderStatus.TERMINATED and m.status in OPEN,
            days_to_payment=days))
    accepted = sum(m.amount for m in order.milestones
                   if m.status in (MilestoneStatus.ACCEPTED, MilestoneStatus.PAID))
    paid = sum(m.amount for m in order.milestones if m.status is MilestoneStatus.PAID)
    ratings = {r.side: r for r in order.ratings}
    return OrderSummary(order=order, lines=lines, accepted_total=accepted, paid_total=paid,
                        overdue_count=sum(1 for line in lines if line.overdue),
                        agency_rating=ratings.get(RatingSide.AGENCY),
                        solver_rating=ratings.get(RatingSide.SOLVER))


@dataclass
class PartyView:
    deliveries: dict[int, list[MilestoneDelivery]] = field(default_factory=dict)
    files: dict[int, list[Attachment]] = field(default_factory=dict)
    payments: dict[int, list[Payment]] = field(default_factory=dict)
    pending_amendment: OrderAmendment | None = None
    paid_on: dict[int, date] = field(default_factory=dict)  # as `transfer_dates`


def party_view(session, order: PilotOrder) -> PartyView:
    """What the two parties see besides the public page: deliveries with their files and
    payments per milestone, the pending amendment, the transfer dates. Two statements
    whatever the number of milestones, deliveries, files or payments."""
    milestone_ids = [m.id for m in order.milestones]
    rows = session.execute(
        select(MilestoneDelivery, Attachment)
        .outerjoin(Attachment, Attachment.delivery_id == MilestoneDelivery.id)
        .where(MilestoneDelivery.milestone_id.in_(milestone_ids))
        .order_by(MilestoneDelivery.delivered_at, MilestoneDelivery.id, Attachment.id)).all()
    deliveries = list(dict.fromkeys(d for d, _f in rows))
    files = [f for _d, f in rows if f is not None]
    payments = list(session.scalars(
        select(Payment).where(Payment.order_id == order.id).order_by(Payment.created_at)))
    view = PartyView()
    by_milestone = defaultdict(list)
    for d in deliveries:
        by_milestone[d.milestone_id].append(d)
    view.deliveries = dict(by_milestone)
    by_delivery = defaultdict(list)
    for f in files:
        by_delivery[f.delivery_id].append(f)
    view.files = dict(by_delivery)
    by_payment = defaultdict(list)
    for p in payments:
        by_payment[p.milestone_id].append(p)
    view.payments = dict(by_payment)
    view.pending_amendment = next((a for a in order.amendments if not a.in_effect), None)
    view.paid_on = {p.milestone_id: p.paid_on for p in payments
                    if p.status is PaymentStatus.SUCCEEDED and p.paid_on is not None}
    return view
