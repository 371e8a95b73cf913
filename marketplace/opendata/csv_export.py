"""CSV downloads of the public data: challenges, awards, orders, payments.

Streamed in batches of `BATCH` rows by keyset (`id > last id`), so a download of any
size holds one batch in memory and costs one query per batch. UTF-8 with a byte order
mark, so that Excel opens Vietnamese text correctly. A text cell that a spreadsheet
would read as a formula (`textsafety.neutral_cell`: = + - @, a tab, a carriage return,
their full-width forms, or a quote before one) gets a leading apostrophe."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from marketplace.accounts.models import Organization
from marketplace.challenges.models import Challenge
from marketplace.evaluation.models import Award, AwardItem
from marketplace.opendata.ocds import iso
from marketplace.opendata.visibility import (
    BID_STATUSES,
    public_award,
    public_challenge,
    public_order,
    public_payment,
)
from marketplace.orders.models import Milestone, PilotOrder
from marketplace.payments.models import Payment
from marketplace.submissions.models import Submission
from marketplace.taxonomy.models import TechnologyGroup
from marketplace.textsafety import neutral_cell

BATCH = 500
BOM = "\ufeff"


def safe_cell(value) -> str | int:
    """A value as a CSV cell that no spreadsheet evaluates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return iso(value) or ""
    if isinstance(value, date):
        return value.isoformat()
    return neutral_cell(str(value))


def _challenges(session, after: int, limit: int) -> list[tuple]:
    bids = (select(func.count(Submission.id))
            .where(Submission.challenge_id == Challenge.id, Submission.status.in_(BID_STATUSES))
            .correlate(Challenge).scalar_subquery())
    rows = session.execute(
        select(Challenge.id, Challenge.title, Challenge.status, Organization.id,
               Organization.name_vi, Challenge.province, TechnologyGroup.code,
               TechnologyGroup.name_vi, Challenge.sector, Challenge.pilot_site,
               Challenge.budget_ceiling, Challenge.pilot_duration_months,
               Challenge.published_at, Challenge.clarification_deadline,
               Challenge.submission_deadline, Challenge.closed_at, Challenge.awarded_at,
               Challenge.cancelled_at, Challenge.cancel_reason, Challenge.closed_at.is_not(None),
               bids)
        .join(Organization, Organization.id == Challenge.agency_id)
        .outerjoin(TechnologyGroup, TechnologyGroup.id == Challenge.technology_group_id)
        .where(public_challenge(), Challenge.id > after)
        .order_by(Challenge.id).limit(limit)).all()
    return [(*row[:-2], row[-1] if row[-2] else None) for row in rows]


CHALLENGE_HEADER = [
    "id", "title", "status", "agency_id", "agency", "province", "technology_group_code",
    "technology_group", "sector", "pilot_site", "budget_ceiling_vnd", "pilot_duration_months",
    "published_at", "clarification_deadline", "submission_deadline", "closed_at",
    "awarded_at", "cancelled_at", "cancel_reason", "number_of_bids",
]


def _awards(session, after: int, limit: int) -> list[tuple]:
    return session.execute(
        select(AwardItem.id, Award.id, Challenge.id, Challenge.title, Organization.id,
               Organization.name_vi, Organization.kind, AwardItem.amount, AwardItem.rank,
               AwardItem.score, Award.decided_at, Award.justification)
        .join(Award, Award.id == AwardItem.award_id)
        .join(Challenge, Challenge.id == Award.challenge_id)
        .join(Submission, Submission.id == AwardItem.submission_id)
        .join(Organization, Organization.id == Submission.organization_id)
        .where(public_challenge(), public_award(), AwardItem.id > after)
        .order_by(AwardItem.id).limit(limit)).all()


AWARD_HEADER = ["award_item_id", "award_id", "challenge_id", "challenge_title", "solver_id",
                "solver", "solver_kind", "amount_vnd", "rank", "score", "decided_at",
                "justification"]


def _orders(session, after: int, limit: int) -> list[tuple]:
    agency, solver = aliased(Organization), aliased(Organization)
    paid = (select(func.coalesce(func.sum(Payment.amount), 0))
            .where(Payment.order_id == PilotOrder.id, public_payment())
            .correlate(PilotOrder).scalar_subquery())
    return session.execute(
        select(PilotOrder.id, PilotOrder.contract_number, PilotOrder.challenge_id, agency.id,
               agency.name_vi, solver.id, solver.name_vi, PilotOrder.value, paid,
               PilotOrder.start_date, PilotOrder.end_date, PilotOrder.status,
               PilotOrder.signed_at, PilotOrder.active_at, PilotOrder.completed_at,
               PilotOrder.terminated_at, PilotOrder.termination_reason,
               PilotOrder.scale_up_recommended)
        .join(agency, agency.id == PilotOrder.agency_id)
        .join(solver, solver.id == PilotOrder.solver_id)
        .where(public_order(), PilotOrder.id > after)
        .order_by(PilotOrder.id).limit(limit)).all()


ORDER_HEADER = ["id", "contract_number", "challenge_id", "agency_id", "agency", "solver_id",
                "solver", "value_vnd", "paid_vnd", "start_date", "end_date", "status",
                "signed_at", "active_at", "completed_at", "terminated_at",
                "termination_reason", "scale_up_recommended"]


def _payments(session, after: int, limit: int) -> list[tuple]:
    return session.execute(
        select(Payment.id, Payment.order_id, PilotOrder.contract_number, Payment.milestone_id,
               Milestone.position, Milestone.deliverable, Payment.amount, Payment.currency,
               Payment.method, Payment.paid_on, Payment.succeeded_at, Payment.treasury_name,
               Payment.budget_unit_code, Payment.payment_order_number,
               Payment.payment_order_date)
        .join(PilotOrder, PilotOrder.id == Payment.order_id)
        .join(Milestone, Milestone.id == Payment.milestone_id)
        .where(public_order(), public_payment(), Payment.id > after)
        .order_by(Payment.id).limit(limit)).all()


PAYMENT_HEADER = ["id", "order_id", "contract_number", "milestone_id", "milestone_position",
                  "milestone_deliverable", "amount", "currency", "method", "paid_on",
                  "succeeded_at", "treasury", "budget_unit_code", "payment_order_number",
                  "payment_order_date"]  # a State Treasury payment's order; no bank details

def _red_flags(session, after: int, limit: int) -> list[tuple]:
    from marketplace.scorecards.models import RedFlag

    agency = aliased(Organization)
    rows = session.execute(
        select(RedFlag.id, RedFlag.kind, RedFlag.agency_id, agency.name_vi, RedFlag.solver_id,
               RedFlag.challenge_id, RedFlag.order_id, RedFlag.milestone_id, RedFlag.detail,
               RedFlag.raised_at, RedFlag.computed_at)
        .join(agency, agency.id == RedFlag.agency_id)
        .where(RedFlag.id > after).order_by(RedFlag.id).limit(limit)).all()
    return [(*row[:8], json.dumps(row[8], sort_keys=True), *row[9:]) for row in rows]


RED_FLAG_HEADER = ["id", "kind", "agency_id", "agency", "solver_id", "challenge_id",
                   "order_id", "milestone_id", "detail", "raised_at", "computed_at"]

DATASETS: dict[str, tuple[list[str], Callable]] = {
    "challenges": (CHALLENGE_HEADER, _challenges),
    "awards": (AWARD_HEADER, _awards),
    "orders": (ORDER_HEADER, _orders),
    "payments": (PAYMENT_HEADER, _payments),
    "red_flags": (RED_FLAG_HEADER, _red_flags),  # issue 18: computed by the worker
}


def _line(writer, buffer: io.StringIO, row) -> str:
    writer.writerow(row)
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def stream(session_scope: Callable, name: str, batch: int = BATCH) -> Iterator[str]:
    """The dataset `name` as CSV text, one chunk per batch of rows. Each batch runs in
    its own `session_scope()` (a context manager giving a session): a streamed response
    outlives its request, and a keyset batch needs nothing from the one before."""
    header, fetch = DATASETS[name]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield BOM + _line(writer, buffer, header)
    after = 0
    while True:
        with session_scope() as session:
            rows = fetch(session, after, batch)
        if not rows:
            return
        for row in rows:
            writer.writerow([safe_cell(value) for value in row])
        chunk = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        yield chunk
        if len(rows) < batch:
            return
        after = rows[-1][0]
