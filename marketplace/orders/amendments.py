"""Amendments: after both sides have signed, the value, the dates and the milestones
change only by an amendment that both sides sign again (the solver's owner and the
agency's approver), each on the SHA-256 of the amended terms they were shown.

- Only an active order is amended, one amendment at a time.
- A milestone that has been delivered, accepted or paid is history: it stays exactly as
  it is. Planned milestones may change or go (unless they already have a delivery on
  record), and new ones may be added.
- The amended value obeys the same money rules as a draft: at most the awarded amount,
  within the challenge's budget ceiling with the other orders, and the milestone
  amounts add up to it exactly.
- The amendment takes effect when the second signature arrives; the order's version
  goes up by one, so the digest of the order as it now stands is the digest signed."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import object_session

from marketplace import policy
from marketplace.audit.services import record
from marketplace.documents import services as documents
from marketplace.errors import DomainError
from marketplace.orders.models import (
    Milestone,
    MilestoneDelivery,
    MilestoneStatus,
    OrderAmendment,
    PilotOrder,
)
from marketplace.orders.services import check_terms, signer
from marketplace.orders.terms import MilestonePlan, OrderTerms, terms_of, terms_sha256
from marketplace.policy.orders import is_approver, is_solver_owner
from marketplace.types import utcnow


def pending_amendment(session, order: PilotOrder) -> OrderAmendment | None:
    return session.scalar(select(OrderAmendment).where(
        OrderAmendment.order_id == order.id,
        (OrderAmendment.solver_signed_at.is_(None)) | (OrderAmendment.agency_signed_at.is_(None)),
    ).order_by(OrderAmendment.version.desc()).limit(1))


def _plan_json(plans) -> list[dict]:
    return [{"id": m.id, "deliverable": m.deliverable, "due_date": m.due_date.isoformat(),
             "amount": m.amount} for m in plans]


def proposed_terms(order: PilotOrder, amendment: OrderAmendment) -> OrderTerms:
    after = amendment.changes["after"]
    return terms_of(order).with_changes(
        value=after["value"], start_date=date.fromisoformat(after["start_date"]),
        end_date=date.fromisoformat(after["end_date"]),
        milestones=tuple(MilestonePlan(m["deliverable"], date.fromisoformat(m["due_date"]),
                                       m["amount"], m["id"]) for m in after["milestones"]),
        version=amendment.version)


def _check_history_kept(order: PilotOrder, plans: tuple[MilestonePlan, ...]) -> None:
    by_id = {m.id: m for m in order.milestones}
    planned_ids = [p.id for p in plans if p.id is not None]
    if any(pid not in by_id for pid in planned_ids) or len(set(planned_ids)) != len(
            planned_ids):
        raise DomainError(_("A milestone does not belong to this order."), field="milestones")
    kept = {p.id: p for p in plans if p.id is not None}
    # the milestones with a delivery on record: one statement, not one per milestone
    delivered = set(object_session(order).scalars(
        select(MilestoneDelivery.milestone_id).where(
            MilestoneDelivery.milestone_id.in_([m.id for m in order.milestones]))))
    for milestone in order.milestones:
        plan = kept.get(milestone.id)
        if milestone.status is not MilestoneStatus.PLANNED:
            if plan is None or (plan.deliverable.strip(), plan.due_date, plan.amount) != (
                    milestone.deliverable, milestone.due_date, milestone.amount):
                raise DomainError(_("A milestone that has been delivered, accepted or paid "
                                    "cannot be changed or removed."), field="milestones")
        elif plan is None and milestone.id in delivered:
            raise DomainError(_("A milestone with a delivery on record cannot be removed."),
                              field="milestones")


def propose(session, user, order: PilotOrder, *, value: int, start_date: date,
            end_date: date, milestones: list[MilestonePlan], reason: str) -> OrderAmendment:
    policy.require(user, "order.amend", order)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give the reason for the amendment."), field="reason")
    if pending_amendment(session, order) is not None:
        raise DomainError(_("Another amendment is waiting for signatures."))
    plans = tuple(MilestonePlan(m.deliverable.strip(), m.due_date, m.amount, m.id)
                  for m in milestones)
    current = terms_of(order)
    proposed = current.with_changes(value=value, start_date=start_date, end_date=end_date,
                                    milestones=plans, version=order.version + 1)
    if proposed.with_changes(version=order.version) == current:
        raise DomainError(_("The amendment changes nothing."))
    _check_history_kept(order, plans)
    check_terms(session, proposed, order.award_item, order=order)
    changes = {
        "before": {"value": current.value, "start_date": current.start_date.isoformat(),
                   "end_date": current.end_date.isoformat(),
                   "milestones": _plan_json(current.milestones)},
        "after": {"value": value, "start_date": start_date.isoformat(),
                  "end_date": end_date.isoformat(), "milestones": _plan_json(plans)},
    }
    amendment = OrderAmendment(order_id=order.id, version=order.version + 1, changes=changes,
                               reason=reason, proposed_by_id=user.id,
                               terms_sha256=terms_sha256(proposed))
    session.add(amendment)
    session.flush()
    record(session, user, "order.amendment_proposed", order,
           after={"version": amendment.version, "terms_sha256": amendment.terms_sha256,
                  **changes})
    documents.amendment_proposed(session, user, amendment)
    return amendment


def sign(session, user, amendment: OrderAmendment, *, full_name: str = "",
         confirmed: bool = False, shown_sha256: str = "", certificate=None) -> bool:
    """One side signs (typed name, or `certificate` as for `services.sign`); returns True
    when this signature put the amendment into effect."""
    order = amendment.order
    policy.require(user, "amendment.sign", amendment)
    if amendment.solver_signed_at is not None and amendment.agency_signed_at is not None:
        raise DomainError(_("This amendment is already in effect."))
    current = terms_sha256(proposed_terms(order, amendment))
    if current != amendment.terms_sha256 or order.version != amendment.version - 1:
        raise DomainError(_("The order changed after this amendment was proposed; it can no "
                            "longer be signed. Withdraw it and propose a new one."))
    name, kind = signer(user, amendment.terms_sha256, full_name=full_name, confirmed=confirmed,
                        shown_sha256=shown_sha256, certificate=certificate)
    if is_solver_owner(user, order) and amendment.solver_signed_at is None:
        amendment.solver_signed_at, amendment.solver_signed_by_id = utcnow(), user.id
        side = "solver"
    elif is_approver(user, order) and amendment.agency_signed_at is None:
        amendment.agency_signed_at, amendment.agency_signed_by_id = utcnow(), user.id
        side = "agency"
    else:
        raise DomainError(_("Your side has already signed this amendment."))
    session.flush()
    record(session, user, "order.amendment_signed", order,
           after={"version": amendment.version, "side": side, "signer_name": name,
                  "terms_sha256": amendment.terms_sha256, "signature": kind})
    if amendment.solver_signed_at is not None and amendment.agency_signed_at is not None:
        _apply(session, user, order, amendment)
        return True
    return False


def _apply(session, user, order: PilotOrder, amendment: OrderAmendment) -> None:
    proposed = proposed_terms(order, amendment)
    _check_history_kept(order, proposed.milestones)
    check_terms(session, proposed, order.award_item, order=order)
    by_id = {m.id: m for m in order.milestones}
    lines = []
    for position, plan in enumerate(proposed.milestones):
        milestone = by_id.get(plan.id) if plan.id is not None else None
        if milestone is None:
            milestone = Milestone(deliverable=plan.deliverable, due_date=plan.due_date,
                                  amount=plan.amount)
        elif milestone.status is MilestoneStatus.PLANNED:
            milestone.deliverable, milestone.due_date = plan.deliverable, plan.due_date
            milestone.amount = plan.amount
        milestone.position = position
        lines.append(milestone)
    order.milestones = lines
    order.value = proposed.value
    order.start_date, order.end_date = proposed.start_date, proposed.end_date
    order.version = amendment.version
    session.flush()
    if terms_sha256(order) != amendment.terms_sha256:  # pragma: no cover - a bug, not input
        raise RuntimeError("amended order does not match the signed amendment")
    record(session, user, "order.amended", order, public=True,
           before=amendment.changes["before"],
           after={**amendment.changes["after"], "version": order.version})
    documents.order_offered(session, user, order)  # the contract as amended


def withdraw(session, user, amendment: OrderAmendment) -> None:
    """The officer withdraws a proposal not yet in effect; the audit log keeps it."""
    order = amendment.order
    policy.require(user, "order.amend", order)
    if amendment.solver_signed_at is not None and amendment.agency_signed_at is not None:
        raise DomainError(_("This amendment is already in effect."))
    record(session, user, "order.amendment_withdrawn", order,
           before={"version": amendment.version, "terms_sha256": amendment.terms_sha256})
    session.delete(amendment)
    session.flush()
