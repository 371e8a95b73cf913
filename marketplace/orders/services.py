"""The rules of the pilot order: drafting, offering, signing, countersigning, terminating.

Each rule takes the session, the acting user and plain values; it checks, changes,
flushes, audits (through `lifecycle.transition` or `audit.record`) and raises a
`DomainError` naming the form field at fault. None of them commits."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace import policy
from marketplace.audit.services import record
from marketplace.challenges.models import Challenge
from marketplace.complaints import standstill
from marketplace.documents import services as documents
from marketplace.documents.signatures import certificates_required
from marketplace.errors import DomainError
from marketplace.evaluation.models import AwardItem
from marketplace.formatting import local_date, thousands
from marketplace.lifecycle import transition
from marketplace.orders import notices
from marketplace.orders.models import (
    Kpi,
    Milestone,
    MilestoneStatus,
    OrderKind,
    OrderStatus,
    PilotOrder,
)
from marketplace.orders.states import ORDER_LIFECYCLE
from marketplace.orders.terms import (
    LOCAL_ZONE,
    OrderTerms,
    same_name,
    terms_of,
    terms_sha256,
)

SETTLED = (MilestoneStatus.ACCEPTED, MilestoneStatus.PAID)


# --- money checks shared by drafts and amendments -----------------------------------

def lock_challenge(session, challenge_id: int) -> None:
    """Serialize changes to one challenge's committed money (a row lock on PostgreSQL;
    SQLite has a single writer anyway)."""
    session.execute(select(Challenge.id).where(Challenge.id == challenge_id).with_for_update())


def committed(session, challenge_id: int, *, exclude_order_id: int | None = None) -> int:
    """Money committed by the orders of one challenge: a live order commits its value; a
    terminated one only what it settled (its accepted and paid milestones)."""
    live = select(func.coalesce(func.sum(PilotOrder.value), 0)).where(
        PilotOrder.challenge_id == challenge_id, PilotOrder.kind == OrderKind.PILOT,
        PilotOrder.status != OrderStatus.TERMINATED)
    settled = (select(func.coalesce(func.sum(Milestone.amount), 0))
               .join(PilotOrder, Milestone.order_id == PilotOrder.id)
               .where(PilotOrder.challenge_id == challenge_id,
                      PilotOrder.kind == OrderKind.PILOT,
                      PilotOrder.status == OrderStatus.TERMINATED,
                      Milestone.status.in_(SETTLED)))
    if exclude_order_id is not None:
        live = live.where(PilotOrder.id != exclude_order_id)
        settled = settled.where(PilotOrder.id != exclude_order_id)
    return int(session.scalar(live)) + int(session.scalar(settled))


def award_day(award_item: AwardItem) -> date | None:
    """The day (in Viet Nam) the award decision of `award_item` was made: the earliest
    start date of its pilot order; None while undecided."""
    decided = award_item.award.decided_at
    return decided.astimezone(LOCAL_ZONE).date() if decided is not None else None


def follow_on_ceiling(order: PilotOrder) -> int:
    """At most the catalogue offer's reference price times the quantity, in đồng, for a
    follow-on order (issue 17)."""
    return order.follows.outcome.entry.reference_price * order.quantity


def check_terms(session, terms: OrderTerms, award_item: AwardItem | None, *,
                order: PilotOrder | None = None, ceiling: int | None = None,
                agency_id: int | None = None) -> None:
    """Everything a set of terms must satisfy, whether drafted or amended. A pilot
    order stays within its award item and its challenge's budget ceiling; a follow-on
    order (`award_item` None) within `ceiling` (reference price × quantity, đồng; taken
    from `order` when not given) for `agency_id` (the buying agency; `order`'s when not
    given). Raises `DomainError` naming the field at fault."""
    if not terms.contract_number.strip():
        raise DomainError(_("Please enter the contract number."), field="contract_number")
    if terms.value <= 0:
        raise DomainError(_("The value must be a positive amount of đồng."), field="value")
    if award_item is None:
        ceiling = follow_on_ceiling(order) if ceiling is None else ceiling
        if terms.value > ceiling:
            raise DomainError(_("The value may not exceed the reference price times the "
                                "quantity (%(amount)s đồng).", amount=thousands(ceiling)),
                              field="value")
        _check_shape(session, terms, agency_id or order.agency_id, order)
        return
    challenge = award_item.award.challenge
    awarded = award_day(award_item)
    if awarded is not None and terms.start_date < awarded:
        # issue 16: a pilot cannot start before it was chosen (OCDS shows the contract's
        # start before its award date as incoherent)
        raise DomainError(_("The start date may not be before the date of the award "
                            "decision (%(date)s).", date=local_date(awarded)),
                          field="start_date")
    if terms.value > award_item.amount:
        raise DomainError(_("The value may not exceed the awarded amount (%(amount)s đồng).",
                            amount=thousands(award_item.amount)),
                          field="value")
    lock_challenge(session, challenge.id)
    others = committed(session, challenge.id,
                       exclude_order_id=order.id if order is not None else None)
    if others + terms.value > challenge.budget_ceiling:
        room = max(challenge.budget_ceiling - others, 0)
        raise DomainError(_("All orders of this challenge together may not exceed its budget "
                            "ceiling; at most %(room)s đồng remain.",
                            room=thousands(room)), field="value")
    _check_shape(session, terms, challenge.agency_id, order)


def _check_shape(session, terms: OrderTerms, agency_id: int, order: PilotOrder | None) -> None:
    """Dates, KPIs, milestones and the contract number, for every kind of order."""
    if terms.end_date < terms.start_date:
        raise DomainError(_("The end date may not be before the start date."),
                          field="end_date")
    if not terms.kpis:
        raise DomainError(_("Please enter at least one KPI with its target."), field="kpis")
    if any(not name.strip() or not target.strip() for name, target in terms.kpis):
        raise DomainError(_("Each KPI needs a name and a target."), field="kpis")
    if not terms.milestones:
        raise DomainError(_("Please enter at least one milestone."), field="milestones")
    for m in terms.milestones:
        if not m.deliverable.strip() or m.amount <= 0:
            raise DomainError(_("Each milestone needs a deliverable, a due date and a positive "
                                "amount."), field="milestones")
        if not terms.start_date <= m.due_date <= terms.end_date:
            raise DomainError(_("Each milestone is due between the start and the end date."),
                              field="milestones")
    total = sum(m.amount for m in terms.milestones)
    if total != terms.value:
        raise DomainError(_("The milestone amounts add up to %(total)s đồng; they must add up "
                            "to the value exactly.", total=thousands(total)),
                          field="milestones")
    clash = select(PilotOrder.id).where(PilotOrder.agency_id == agency_id,
                                        PilotOrder.contract_number == terms.contract_number)
    if order is not None:
        clash = clash.where(PilotOrder.id != order.id)
    if session.scalar(clash.limit(1)) is not None:
        raise DomainError(_("This agency already has a contract with this number."),
                          field="contract_number")


def _set_lines(order: PilotOrder, terms: OrderTerms) -> None:
    order.kpis = [Kpi(position=i, name=name.strip(), target=target.strip())
                  for i, (name, target) in enumerate(terms.kpis)]
    order.milestones = [Milestone(position=i, deliverable=m.deliverable.strip(),
                                  due_date=m.due_date, amount=m.amount)
                        for i, m in enumerate(terms.milestones)]


def _summary(terms: OrderTerms) -> dict:
    return {"contract_number": terms.contract_number, "value": terms.value,
            "start_date": terms.start_date.isoformat(), "end_date": terms.end_date.isoformat(),
            "milestones": [m.amount for m in terms.milestones]}


# --- drafting -----------------------------------------------------------------------

def draft_order(session, user, award_item: AwardItem, terms: OrderTerms) -> PilotOrder:
    """The agency officer drafts the order that carries out one approved award item."""
    policy.require(user, "order.create", award_item)
    existing = session.scalar(select(PilotOrder.id).where(
        PilotOrder.award_item_id == award_item.id))
    if existing is not None:
        raise DomainError(_("This award already has a pilot order."))
    terms = terms.with_changes(contract_number=terms.contract_number.strip(), version=1)
    check_terms(session, terms, award_item)
    challenge = award_item.award.challenge
    order = PilotOrder(
        award_item=award_item, challenge_id=challenge.id, agency_id=challenge.agency_id,
        solver_id=award_item.submission.organization_id, created_by_id=user.id,
        contract_number=terms.contract_number, value=terms.value,
        start_date=terms.start_date, end_date=terms.end_date, terms=terms.terms,
        status=OrderStatus.DRAFT, version=1)
    _set_lines(order, terms)
    session.add(order)
    session.flush()
    record(session, user, "order.drafted", order, after=_summary(terms))
    return order


def update_draft(session, user, order: PilotOrder, terms: OrderTerms) -> PilotOrder:
    policy.require(user, "order.edit", order)
    terms = terms.with_changes(contract_number=terms.contract_number.strip(),
                               version=order.version)
    check_terms(session, terms, order.award_item, order=order)
    before = _summary(terms_of(order))
    order.contract_number = terms.contract_number
    order.value = terms.value
    order.start_date, order.end_date = terms.start_date, terms.end_date
    order.terms = terms.terms
    _set_lines(order, terms)
    session.flush()
    record(session, user, "order.edited", order, before=before, after=_summary(terms))
    return order


def _standstill(session, order: PilotOrder) -> None:
    """Issue 19: no pilot order moves during its award's standstill; a follow-on order
    has no award."""
    if order.award_item is not None:
        standstill.ensure_orders_allowed(session, order.award_item.award)


def offer(session, user, order: PilotOrder) -> None:
    _standstill(session, order)
    transition(session, order, OrderStatus.OFFERED, user, lifecycle=ORDER_LIFECYCLE,
               data={"terms_sha256": terms_sha256(order)})
    documents.order_offered(session, user, order)
    notices.order_offered(session, order)


def withdraw_offer(session, user, order: PilotOrder) -> None:
    transition(session, order, OrderStatus.DRAFT, user, lifecycle=ORDER_LIFECYCLE)


# --- signatures ---------------------------------------------------------------------

def check_signature(user, *, full_name: str, confirmed: bool, shown_sha256: str,
                    current_sha256: str) -> None:
    """A signature: the signer's own full name typed, the box ticked, and the digest of
    the terms the signer was shown equal to the digest of the terms as they stand."""
    if not same_name(full_name, user.full_name):
        raise DomainError(_("Type your full name exactly as in your profile: %(name)s.",
                            name=user.full_name), field="full_name")
    if not confirmed:
        raise DomainError(_("Please confirm that you have read and accept the terms."),
                          field="confirm")
    if shown_sha256 != current_sha256:
        raise DomainError(_("The terms changed after you opened them. Please read them again "
                            "before signing."))


def _may(user, order: PilotOrder, target: OrderStatus) -> None:
    step = ORDER_LIFECYCLE.find(order.status, target)
    policy.require(user, step.action, order)


def signer(user, digest: str, *, full_name: str, confirmed: bool, shown_sha256: str,
            certificate) -> tuple[str, str]:
    """The signer's name and the kind of signature: a verified certificate signature
    (`documents.signing`) over these very terms, or — only where no trust list is
    configured — the typed name."""
    if certificate is not None:
        if certificate.terms_sha256 != digest:
            raise DomainError(_("The terms changed after you opened them. Please read them "
                                "again before signing."))
        return certificate.signer_name, "certificate"
    if certificates_required():
        raise DomainError(_("This site accepts digital signatures only: sign the contract "
                            "PDF with your certificate."))
    check_signature(user, full_name=full_name, confirmed=confirmed, shown_sha256=shown_sha256,
                    current_sha256=digest)
    return full_name.strip(), "typed"


def sign(session, user, order: PilotOrder, *, full_name: str = "", confirmed: bool = False,
         shown_sha256: str = "", certificate=None) -> None:
    """The solver's owner signs the offered terms (typed name, or `certificate`: a
    verified digital signature with `.signer_name` and `.terms_sha256`)."""
    _may(user, order, OrderStatus.SIGNED)
    _standstill(session, order)
    digest = terms_sha256(order)
    name, kind = signer(user, digest, full_name=full_name, confirmed=confirmed,
                         shown_sha256=shown_sha256, certificate=certificate)
    order.signed_by_id = user.id
    order.signer_name = name
    order.signed_terms_sha256 = digest
    transition(session, order, OrderStatus.SIGNED, user, lifecycle=ORDER_LIFECYCLE,
               data={"terms_sha256": digest, "signer_name": order.signer_name,
                     "signature": kind})
    notices.order_signed(session, order)


def countersign(session, user, order: PilotOrder, *, full_name: str = "",
                confirmed: bool = False, shown_sha256: str = "", certificate=None) -> None:
    """The agency's approver countersigns the terms the solver signed; the order is then
    active. `certificate` as for `sign`."""
    _may(user, order, OrderStatus.ACTIVE)
    _standstill(session, order)
    digest = terms_sha256(order)
    name, kind = signer(user, digest, full_name=full_name, confirmed=confirmed,
                         shown_sha256=shown_sha256, certificate=certificate)
    if digest != order.signed_terms_sha256:
        raise DomainError(_("The terms differ from what the solver signed."))
    order.countersigned_by_id = user.id
    order.countersigner_name = name
    order.countersigned_terms_sha256 = digest
    transition(session, order, OrderStatus.ACTIVE, user, lifecycle=ORDER_LIFECYCLE,
               data={"terms_sha256": digest, "countersigner_name": order.countersigner_name,
                     "signature": kind})
    notices.order_countersigned(session, order)


# --- termination --------------------------------------------------------------------

def terminate(session, user, order: PilotOrder, reason: str) -> dict:
    """End the order early, with a public reason, settling what is owed.

    Settlement: a milestone the agency has *accepted* is owed — it stays accepted and
    payable after the termination (`milestone.pay` allows a terminated order), and a paid
    one stays paid. A *planned* or *delivered* (not yet accepted) milestone is cancelled:
    it keeps its last status for the record but can never move again (every milestone
    step needs an active order), is not owed, and is shown as cancelled. The amount owed
    and the cancelled milestones are written in the termination's audit event, and the
    order then commits only its accepted and paid milestones against the budget ceiling.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give the reason for the termination."), field="reason")
    _may(user, order, OrderStatus.TERMINATED)
    owed = sum(m.amount for m in order.milestones if m.status is MilestoneStatus.ACCEPTED)
    paid = sum(m.amount for m in order.milestones if m.status is MilestoneStatus.PAID)
    cancelled = [m.id for m in order.milestones if m.status not in SETTLED]
    order.termination_reason = reason
    transition(session, order, OrderStatus.TERMINATED, user, lifecycle=ORDER_LIFECYCLE,
               data={"reason": reason, "owed": owed, "paid": paid,
                     "cancelled_milestones": cancelled})
    return {"owed": owed, "paid": paid, "cancelled": cancelled}
