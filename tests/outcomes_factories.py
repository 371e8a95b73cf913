"""Factories of issue 17: a completed pilot with its outcome, a listed catalogue entry,
a buying agency. Through the real rules, except the order's completion (the system's step
when the last milestone is paid), taken directly to keep tests fast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from marketplace.accounts.models import Organization, User
from marketplace.lifecycle import transition
from marketplace.orders.models import OrderStatus, PilotOrder
from marketplace.orders.states import ORDER_LIFECYCLE
from marketplace.orders.terms import local_today
from marketplace.outcomes import services
from marketplace.outcomes.models import CatalogueEntry, KpiVerdict, OutcomeResult
from tests import factories
from tests.orders_factories import make_order


def complete(session, order: PilotOrder) -> PilotOrder:
    transition(session, order, OrderStatus.COMPLETED, None, lifecycle=ORDER_LIFECYCLE,
               by_system=True)
    return order


def kpi_lines(order: PilotOrder, verdict: KpiVerdict = KpiVerdict.MET):
    return [services.KpiLine(k.id, "đạt 97%", verdict) for k in order.kpis]


def make_outcome(session, order: PilotOrder | None = None, *,
                 result: OutcomeResult = OutcomeResult.PROVEN, publish: bool = True):
    order = order or complete(session, make_order(session))
    verdict = KpiVerdict.MET if result is OutcomeResult.PROVEN else KpiVerdict.NOT_MET
    outcome = services.save_outcome(session, order.parties.officer, order, result=result,
                                    lessons="Cần chuẩn bị dữ liệu sớm hơn.",
                                    lines=kpi_lines(order, verdict))
    if publish:
        services.publish_outcome(session, order.parties.officer, outcome)
    return outcome


def make_entry(session, *, price: int = 100_000_000, listed: bool = True) -> CatalogueEntry:
    """A catalogue entry of a proven pilot; listed (offer written, facts confirmed)."""
    outcome = make_outcome(session)
    entry = outcome.entry
    parties = outcome.order.parties
    if listed:
        services.write_offer(session, parties.owner, entry, services.Offer(
            unit="điểm triển khai", reference_price=price, conditions="Bảo hành 12 tháng.",
            valid_until=local_today() + timedelta(days=365)))
        services.confirm_facts(session, parties.officer, entry)
    entry.parties = parties
    return entry


@dataclass
class Buyer:
    officer: User
    approver: User
    agency: Organization


def make_buyer(session, *, threshold: int = 1_000_000_000) -> Buyer:
    officer, approver = factories.make_user(session), factories.make_user(session)
    agency = factories.make_agency(session, officer=officer, approver=approver,
                                   approval_threshold=threshold)
    return Buyer(officer, approver, agency)
