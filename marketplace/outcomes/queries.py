"""Read models of the catalogue, the scale-up record and the dashboard's figures
(issue 17). Amounts in đồng; ratings 1–5 (the agency's rating of each pilot and
follow-on order, `orders.models.Rating`); days in Viet Nam's calendar."""

from __future__ import annotations

import functools
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import bindparam, func, literal, select, true
from sqlalchemy.orm import aliased, joinedload, selectinload

from marketplace.challenges.models import Challenge
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
from marketplace.outcomes.models import (
    CatalogueEntry,
    KpiResult,
    OutcomeResult,
    OutcomeStatus,
    PilotOutcome,
)
from marketplace.search import services as search


@dataclass
class Card:
    """One catalogue entry as the list and its page show it."""

    entry: CatalogueEntry
    pilot: PilotOrder
    follow_ons: list[PilotOrder] = field(default_factory=list)  # public ones, oldest first
    rating: Decimal | None = None  # the buyers' average rating (pilot and follow-ons)

    @property
    def follow_on_value(self) -> int:
        return sum(o.value for o in self.follow_ons)

    @property
    def challenge(self) -> Challenge:
        return self.pilot.challenge


def paid_totals(session, order_ids: list[int]) -> dict[int, int]:
    """order id → the amount of its paid milestones (đồng), in one statement."""
    if not order_ids:
        return {}
    return dict(session.execute(
        select(Milestone.order_id, func.sum(Milestone.amount))
        .where(Milestone.order_id.in_(order_ids), Milestone.status == MilestoneStatus.PAID)
        .group_by(Milestone.order_id)).all())


def order_record(session, order: PilotOrder) -> tuple[PilotOutcome | None, list[PilotOrder]]:
    """What an order's page shows of issue 17: its outcome (None before it ended: no query
    then) and, for a pilot, its signed follow-on orders ("who bought it again")."""
    if order.status not in (OrderStatus.COMPLETED, OrderStatus.TERMINATED):
        return None, []
    again = (public_follow_ons(session, [order.id])[order.id]
             if order.kind is OrderKind.PILOT else [])
    return order.outcome, again


@functools.cache
def _follow_ons_statement():
    """`public_follow_ons`' statement, the pilots' ids an expanding parameter: built once
    (an ended order's page asks it on every view)."""
    return (select(PilotOrder)
            .where(PilotOrder.follows_order_id.in_(bindparam("pilot_ids", expanding=True)),
                   PilotOrder.kind == OrderKind.FOLLOW_ON, PilotOrder.is_public)
            .options(joinedload(PilotOrder.agency))
            .order_by(PilotOrder.signed_at, PilotOrder.id))


def public_follow_ons(session, pilot_ids: list[int]) -> dict[int, list[PilotOrder]]:
    """pilot id → its signed (public) follow-on orders, oldest first."""
    out: dict[int, list[PilotOrder]] = {i: [] for i in pilot_ids}
    if not pilot_ids:
        return out
    rows = session.scalars(_follow_ons_statement(), {"pilot_ids": list(pilot_ids)})
    for order in rows:
        out[order.follows_order_id].append(order)
    return out


def ratings(session, order_ids: list[int]) -> dict[int, Decimal]:
    """order id → the agency's rating of it (1–5), where one exists."""
    if not order_ids:
        return {}
    return dict(session.execute(select(Rating.order_id, Rating.average).where(
        Rating.order_id.in_(order_ids), Rating.side == RatingSide.AGENCY)).all())


def cards(session, entries: list[CatalogueEntry]) -> list[Card]:
    pilots = [e.order for e in entries]
    follow = public_follow_ons(session, [p.id for p in pilots])
    every = [p.id for p in pilots] + [o.id for os in follow.values() for o in os]
    rated = ratings(session, every)
    out = []
    for entry in entries:
        mine = follow[entry.order_id]
        values = [rated[i] for i in [entry.order_id, *[o.id for o in mine]] if i in rated]
        out.append(Card(entry, entry.order, mine,
                        (sum(values) / len(values)).quantize(Decimal("0.01"))
                        if values else None))
    return out


def catalogue(session, *, text: str = "", group_id: int | None = None, province: str = "",
              price_max: int | None = None, rating_min: int | None = None) -> list[Card]:
    """Every catalogue entry, newest first, filtered: `text` (what /search finds in the
    pilot's challenge, or every word of it — folded — in the entry's title, summary,
    unit or solver), technology group, province (of the pilot), reference price at most
    `price_max` đồng, buyers' rating at least `rating_min` (1–5)."""
    query = (select(CatalogueEntry).join(PilotOrder, PilotOrder.id == CatalogueEntry.order_id)
             .join(Challenge, Challenge.id == PilotOrder.challenge_id)
             .options(selectinload(CatalogueEntry.order).selectinload(PilotOrder.challenge),
                      selectinload(CatalogueEntry.solver))
             .order_by(CatalogueEntry.created_at.desc(), CatalogueEntry.id.desc()))
    if group_id is not None:
        query = query.where(Challenge.technology_group_id == group_id)
    if province:
        query = query.where(Challenge.province == province)
    if price_max is not None:
        query = query.where(CatalogueEntry.reference_price <= price_max)
    text = (text or "").strip()
    found: set[int] = set()
    if text:  # the one notion of "matches" (issue 21): what /search finds
        found = set(session.scalars(select(CatalogueEntry.id).join(
            PilotOrder, PilotOrder.id == CatalogueEntry.order_id).where(
            search.matching(PilotOrder.challenge_id, text, "challenge"))))
    entries = list(session.scalars(query))
    if text:
        matches = search.text_matcher(text)
        entries = [e for e in entries if e.id in found or matches(
            e.title, e.summary, e.unit, e.solver.name_vi, e.solver.name_en)]
    out = cards(session, entries)
    if rating_min is not None:
        out = [c for c in out if c.rating is not None and c.rating >= rating_min]
    return out


def load_entry(session, entry_id: int) -> CatalogueEntry | None:
    """One entry with what its page shows, in a fixed number of statements: the pilot,
    its challenge, group, agency, the solver and consortium partners, the KPI results."""
    from marketplace.evaluation.models import AwardItem
    from marketplace.submissions.models import ConsortiumPartner, Submission

    return session.scalar(select(CatalogueEntry).where(CatalogueEntry.id == entry_id).options(
        joinedload(CatalogueEntry.solver),
        joinedload(CatalogueEntry.order).joinedload(PilotOrder.challenge)
        .joinedload(Challenge.technology_group),
        joinedload(CatalogueEntry.order).joinedload(PilotOrder.agency),
        joinedload(CatalogueEntry.order).joinedload(PilotOrder.award_item)
        .joinedload(AwardItem.submission).selectinload(Submission.partners)
        .joinedload(ConsortiumPartner.organization),
        joinedload(CatalogueEntry.outcome).selectinload(PilotOutcome.kpi_results)
        .joinedload(KpiResult.kpi)))


def evidence(session, outcome: PilotOutcome) -> dict[int, list]:
    """KPI result id → its evidence files, in one statement."""
    from marketplace.files.models import Attachment

    ids = [r.id for r in outcome.kpi_results]
    out: dict[int, list] = {i: [] for i in ids}
    if ids:
        for a in session.scalars(select(Attachment).where(Attachment.kpi_result_id.in_(ids))
                                 .order_by(Attachment.id)):
            out[a.kpi_result_id].append(a)
    return out


def entry_of_order(session, order: PilotOrder) -> CatalogueEntry | None:
    pilot_id = order.follows_order_id or order.id
    return session.scalar(select(CatalogueEntry).where(CatalogueEntry.order_id == pilot_id))


def scale_up(session) -> dict:
    """The dashboard's figures of issue 17, in one statement whatever the data:
    `proven` pilots (published outcomes), those `with_follow_on` (at least one signed
    follow-on order), `follow_on_value` (đồng, signed follow-on orders not terminated),
    `median_days_to_follow_on` (from a pilot's completion to its first signed follow-on
    order; None without any), `despite_proven` (challenges published despite a proven
    solution), `risk_accepted` (not proven, research risk accepted).

    The statement is one row per proven pilot (or one row of NULLs when there is none),
    each carrying the three counts as scalar subqueries: the dashboard's cold cost stays
    within issue 7's budget."""
    follow = aliased(PilotOrder)
    first = (select(func.min(follow.signed_at))
             .where(follow.follows_order_id == PilotOrder.id,
                    follow.kind == OrderKind.FOLLOW_ON, follow.signed_at.is_not(None),
                    follow.status.in_(PUBLIC_ORDER_STATUSES))
             .correlate(PilotOrder).scalar_subquery())
    proven = (select(PilotOrder.id.label("id"), PilotOrder.completed_at.label("completed"),
                     first.label("signed"))
              .join(PilotOutcome, PilotOutcome.order_id == PilotOrder.id)
              .where(PilotOutcome.status == OutcomeStatus.PUBLISHED,
                     PilotOutcome.result == OutcomeResult.PROVEN)).subquery()
    risk = (select(func.count(PilotOutcome.id))
            .where(PilotOutcome.status == OutcomeStatus.PUBLISHED,
                   PilotOutcome.result == OutcomeResult.NOT_PROVEN).scalar_subquery())
    despite = (select(func.count(Challenge.id))
               .where(Challenge.is_public, Challenge.similarity_justification != "")
               .scalar_subquery())
    value = (select(func.coalesce(func.sum(PilotOrder.value), 0))
             .where(PilotOrder.kind == OrderKind.FOLLOW_ON, PilotOrder.is_public,
                    PilotOrder.status != OrderStatus.TERMINATED).scalar_subquery())
    one = select(literal(1).label("one")).subquery()
    rows = session.execute(
        select(risk, despite, value, proven.c.id, proven.c.completed, proven.c.signed)
        .select_from(one).outerjoin(proven, true())).all()
    risk_n, despite_n, total = rows[0][:3]
    pilots = [(completed, signed) for _r, _d, _v, order_id, completed, signed in rows
              if order_id is not None]
    days = [max((signed - completed).total_seconds() / 86400, 0)
            for completed, signed in pilots if signed is not None and completed is not None]
    return {"proven": len(pilots), "with_follow_on": sum(1 for p in pilots if p[1] is not None),
            "follow_on_value": int(total or 0),
            "median_days_to_follow_on": round(statistics.median(days), 1) if days else None,
            "despite_proven": int(despite_n or 0), "risk_accepted": int(risk_n or 0)}
