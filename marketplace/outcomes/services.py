"""The rules of outcomes, the catalogue and follow-on orders (issue 17).

Each takes the session, the acting user and plain values; it checks, changes, flushes,
audits and raises `DomainError` naming the form field at fault. None commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace import policy
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.files.services import attach
from marketplace.lifecycle import transition
from marketplace.orders.models import OrderKind, OrderStatus, PilotOrder
from marketplace.orders.services import _set_lines, _summary, check_terms
from marketplace.orders.terms import OrderTerms, local_today
from marketplace.outcomes.models import (
    CatalogueEntry,
    EntryStatus,
    KpiResult,
    KpiVerdict,
    OutcomeResult,
    OutcomeStatus,
    PilotOutcome,
)
from marketplace.outcomes.states import CATALOGUE_LIFECYCLE, OUTCOME_LIFECYCLE
from marketplace.policy.outcomes import buying_agencies
from marketplace.types import utcnow

EVIDENCE_MAX = 50 * 1024 * 1024  # bytes, the evidence files of one KPI together


@dataclass(frozen=True)
class KpiLine:
    """One KPI's result as typed: the KPI's id, the achieved value, the verdict."""

    kpi_id: int
    achieved: str
    verdict: KpiVerdict
    note: str = ""


# --- outcomes -------------------------------------------------------------------------

def check_result(order: PilotOrder, result: OutcomeResult, lines: list[KpiLine]) -> None:
    """The outcome must fit how the order ended and what its KPIs show:
    - a terminated order's outcome is `terminated` (its reason is already on record), and
      only a terminated order's;
    - `proven` needs every KPI recorded and none `not met` (the KPIs met: recommended to
      scale); `not proven, research risk accepted` is any completed order's.
    Raises `DomainError` (field `result` or `kpis`)."""
    if (order.status is OrderStatus.TERMINATED) != (result is OutcomeResult.TERMINATED):
        raise DomainError(_("A terminated order's outcome is “terminated”, and only a "
                            "terminated order's."), field="result")
    if result is OutcomeResult.PROVEN:
        recorded = {line.kpi_id for line in lines}
        if any(k.id not in recorded for k in order.kpis):
            raise DomainError(_("A proven outcome needs the result of every KPI."),
                              field="kpis")
        if any(line.verdict is KpiVerdict.NOT_MET for line in lines):
            raise DomainError(_("A KPI was not met: the outcome cannot be “proven”."),
                              field="result")


def save_outcome(session, user, order: PilotOrder, *, result: OutcomeResult, lessons: str,
                 lines: list[KpiLine], evidence: dict | None = None) -> PilotOutcome:
    """Write (or rewrite, while a draft) the outcome of a pilot order that completed or was
    terminated: the result of each KPI (achieved value, verdict) and the outcome;
    `evidence` maps a KPI's id to files `(stream, filename)` added as its evidence (public
    with the outcome). Raises `NotAllowed`, `DomainError`."""
    policy.require(user, "outcome.record", order)
    kpis = {k.id: k for k in order.kpis}
    if any(line.kpi_id not in kpis for line in lines):
        raise DomainError(_("This KPI is not one of the order's."), field="kpis")
    if any(not line.achieved.strip() for line in lines):
        raise DomainError(_("Each KPI result needs the achieved value."), field="kpis")
    check_result(order, result, lines)
    outcome = order.outcome
    if outcome is None:
        outcome = PilotOutcome(order=order, recorded_by_id=user.id, result=result,
                               status=OutcomeStatus.DRAFT)
        session.add(outcome)
    before = None if outcome.id is None else {"result": outcome.result.value}
    outcome.result = result
    outcome.lessons = (lessons or "").strip()
    outcome.updated_at = utcnow()
    existing = {r.kpi_id: r for r in outcome.kpi_results}
    for line in lines:
        row = existing.get(line.kpi_id)
        if row is None:
            row = KpiResult(kpi_id=line.kpi_id, achieved="", verdict=line.verdict)
            outcome.kpi_results.append(row)
        row.achieved = line.achieved.strip()
        row.verdict = line.verdict
        row.note = line.note.strip()
    session.flush()
    by_kpi = {r.kpi_id: r for r in outcome.kpi_results}
    for kpi_id, files in (evidence or {}).items():
        for stream, filename in files:
            if kpi_id in by_kpi:
                attach(session, user, owner_field="kpi_result_id", owner_id=by_kpi[kpi_id].id,
                       stream=stream, filename=filename, max_total=EVIDENCE_MAX)
    record(session, user, "outcome.recorded", outcome, before=before,
           after={"order_id": order.id, "result": result.value,
                  "kpis": {str(line.kpi_id): line.verdict.value for line in lines}})
    return outcome


def publish_outcome(session, user, outcome: PilotOutcome) -> CatalogueEntry | None:
    """Publish the outcome with its lessons learned; a proven one opens its catalogue
    entry (pending the solver's offer and the agency's confirmation), which is returned."""
    if not outcome.lessons.strip():
        raise DomainError(_("Please write the lessons learned."), field="lessons")
    check_result(outcome.order, outcome.result,
                 [KpiLine(r.kpi_id, r.achieved, r.verdict) for r in outcome.kpi_results])
    transition(session, outcome, OutcomeStatus.PUBLISHED, user, lifecycle=OUTCOME_LIFECYCLE,
               data={"result": outcome.result.value, "order_id": outcome.order_id})
    if outcome.result is not OutcomeResult.PROVEN:
        return None
    order = outcome.order
    submission = order.award_item.submission if order.award_item is not None else None
    entry = CatalogueEntry(outcome=outcome, order_id=order.id, solver_id=order.solver_id,
                           title=order.challenge.title[:300],
                           summary=submission.summary if submission is not None else "")
    session.add(entry)
    session.flush()
    record(session, None, "catalogue.opened", entry, after={"order_id": order.id})
    return entry


# --- sandbox --------------------------------------------------------------------------

@dataclass(frozen=True)
class Sandbox:
    """A controlled-testing permission: decision number, issuer, scope, dates (Viet Nam)."""

    decision: str
    issuer: str
    scope: str
    starts_on: date | None
    ends_on: date | None


def record_sandbox(session, user, order: PilotOrder, sandbox: Sandbox) -> None:
    """Record (or clear, with an empty decision number) the sandbox permission the pilot
    cites; public on the order's page. Raises `NotAllowed`, `DomainError`."""
    policy.require(user, "order.sandbox", order)
    decision = sandbox.decision.strip()
    if decision and not sandbox.issuer.strip():
        raise DomainError(_("Please enter who issued the permission."), field="issuer")
    if sandbox.starts_on and sandbox.ends_on and sandbox.ends_on < sandbox.starts_on:
        raise DomainError(_("The end date may not be before the start date."),
                          field="ends_on")
    before = {"decision": order.sandbox_decision, "issuer": order.sandbox_issuer}
    order.sandbox_decision = decision
    order.sandbox_issuer = sandbox.issuer.strip() if decision else ""
    order.sandbox_scope = sandbox.scope.strip() if decision else ""
    order.sandbox_starts_on = sandbox.starts_on if decision else None
    order.sandbox_ends_on = sandbox.ends_on if decision else None
    session.flush()
    record(session, user, "order.sandbox", order, before=before,
           after={"decision": order.sandbox_decision, "issuer": order.sandbox_issuer,
                  "scope": order.sandbox_scope,
                  "starts_on": order.sandbox_starts_on, "ends_on": order.sandbox_ends_on},
           public=True)


# --- the catalogue ----------------------------------------------------------------------

@dataclass(frozen=True)
class Offer:
    """The solver's follow-on offer: unit, reference price per unit (đồng), conditions,
    valid until (a day in Viet Nam), and a short description of the solution."""

    unit: str
    reference_price: int
    conditions: str
    valid_until: date
    summary: str = ""


def _maybe_list(session, entry: CatalogueEntry) -> None:
    """A pending entry is listed by the system once the offer and the facts are in."""
    if (entry.status is EntryStatus.PENDING and entry.reference_price is not None
            and entry.confirmed_at is not None):
        transition(session, entry, EntryStatus.LISTED, None, lifecycle=CATALOGUE_LIFECYCLE,
                   by_system=True)


def write_offer(session, user, entry: CatalogueEntry, offer: Offer) -> None:
    """The solver's owner writes or updates the follow-on offer (audited, public).
    Raises `NotAllowed`, `DomainError`."""
    policy.require(user, "catalogue.write_offer", entry)
    if not offer.unit.strip():
        raise DomainError(_("Please enter the unit the price is for."), field="unit")
    if offer.reference_price <= 0:
        raise DomainError(_("The reference price must be a positive amount of đồng."),
                          field="reference_price")
    if offer.valid_until < local_today():
        raise DomainError(_("The offer must be valid until today or later."),
                          field="valid_until")
    before = {"unit": entry.unit, "reference_price": entry.reference_price,
              "valid_until": entry.valid_until, "conditions": entry.conditions}
    entry.unit = offer.unit.strip()
    entry.reference_price = offer.reference_price
    entry.conditions = offer.conditions.strip()
    entry.valid_until = offer.valid_until
    if offer.summary.strip():
        entry.summary = offer.summary.strip()
    entry.offer_updated_at = utcnow()
    entry.offer_updated_by_id = user.id
    session.flush()
    record(session, user, "catalogue.offer", entry, before=before,
           after={"unit": entry.unit, "reference_price": entry.reference_price,
                  "valid_until": entry.valid_until, "conditions": entry.conditions},
           public=True)
    _maybe_list(session, entry)


def confirm_facts(session, user, entry: CatalogueEntry) -> None:
    """The agency that ran the pilot confirms the entry's facts (the KPIs achieved, the
    evidence, the cost), once; audited, public."""
    policy.require(user, "catalogue.confirm", entry)
    entry.confirmed_at = utcnow()
    entry.confirmed_by_id = user.id
    session.flush()
    record(session, user, "catalogue.confirmed", entry, after={"order_id": entry.order_id},
           public=True)
    _maybe_list(session, entry)


def withdraw_offer(session, user, entry: CatalogueEntry) -> None:
    transition(session, entry, EntryStatus.WITHDRAWN, user, lifecycle=CATALOGUE_LIFECYCLE)


def relist(session, user, entry: CatalogueEntry) -> None:
    transition(session, entry, EntryStatus.LISTED, user, lifecycle=CATALOGUE_LIFECYCLE)


# --- follow-on orders -------------------------------------------------------------------

def place_follow_on(session, user, entry: CatalogueEntry, agency, terms: OrderTerms, *,
                    quantity: int, scope: str, justification: str) -> PilotOrder:
    """A verified agency's officer places a follow-on order from a listed entry: a draft
    pilot order of kind `follow_on`, value ≤ reference price × `quantity` (đồng), with a
    justification that cites the proven pilot by its contract number. Above the agency's
    approval threshold it waits for the approver's second signature before it is offered;
    then it runs as any order (offer, two signatures, milestones, payments). Raises
    `NotAllowed`, `DomainError`."""
    policy.require(user, "followon.place", entry)
    if agency is None or agency not in buying_agencies(user):
        raise DomainError(_("Choose an agency you are an officer of."), field="agency")
    if quantity is None or quantity <= 0:
        raise DomainError(_("The quantity must be a positive whole number."),
                          field="quantity")
    pilot = entry.order
    justification = (justification or "").strip()
    if pilot.contract_number.casefold() not in justification.casefold():
        raise DomainError(_("The justification must cite the proven pilot by its contract "
                            "number (%(number)s).", number=pilot.contract_number),
                          field="justification")
    if not (scope or "").strip():
        raise DomainError(_("Please describe the scope of the order."), field="scope")
    terms = terms.with_changes(contract_number=terms.contract_number.strip(), version=1)
    check_terms(session, terms, None, ceiling=entry.reference_price * quantity,
                agency_id=agency.id)
    order = PilotOrder(
        kind=OrderKind.FOLLOW_ON, follows_order_id=pilot.id, challenge_id=pilot.challenge_id,
        agency_id=agency.id, solver_id=entry.solver_id, created_by_id=user.id,
        contract_number=terms.contract_number, value=terms.value,
        start_date=terms.start_date, end_date=terms.end_date, terms=terms.terms,
        status=OrderStatus.DRAFT, version=1, quantity=quantity, scope=scope.strip(),
        justification=justification)
    _set_lines(order, terms)
    session.add(order)
    session.flush()
    record(session, user, "order.follow_on_placed", order,
           after={**_summary(terms), "entry_id": entry.id, "follows_order_id": pilot.id,
                  "quantity": quantity})
    return order


def approve_follow_on(session, user, order: PilotOrder) -> None:
    """The agency approver's second signature of a follow-on order above the threshold."""
    policy.require(user, "order.approve_follow_on", order)
    order.approved_at = utcnow()
    order.approved_by_id = user.id
    session.flush()
    record(session, user, "order.follow_on_approved", order, after={"value": order.value})


def entry_of(session, order: PilotOrder) -> CatalogueEntry | None:
    """The catalogue entry a pilot order became, or a follow-on order was bought from."""
    pilot_id = order.follows_order_id or order.id
    return session.scalar(select(CatalogueEntry).where(CatalogueEntry.order_id == pilot_id))
