"""CSV downloads of the public data: challenges, awards, orders, milestones, payments
(their columns: `marketplace/opendata/columns.py`).

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
from marketplace.opendata import columns
from marketplace.opendata.columns import Dataset
from marketplace.opendata.visibility import (
    BID_STATUSES,
    public_award,
    public_challenge,
    public_milestone_status,
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
        return columns.iso_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return neutral_cell(str(value))


def _ocid(prefix: str, challenge_id) -> str:
    return f"{prefix}-{challenge_id}"


def _challenges(session, after: int, limit: int, prefix: str) -> list[tuple]:
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
    return [(row[0], _ocid(prefix, row[0]), *row[1:-2], row[-1] if row[-2] else None)
            for row in rows]


def _awards(session, after: int, limit: int, prefix: str) -> list[tuple]:
    rows = session.execute(
        select(AwardItem.id, Award.id, Challenge.id, Challenge.title, Organization.id,
               Organization.name_vi, Organization.kind, AwardItem.amount, AwardItem.rank,
               AwardItem.score, Award.decided_at, Award.justification)
        .join(Award, Award.id == AwardItem.award_id)
        .join(Challenge, Challenge.id == Award.challenge_id)
        .join(Submission, Submission.id == AwardItem.submission_id)
        .join(Organization, Organization.id == Submission.organization_id)
        .where(public_challenge(), public_award(), AwardItem.id > after)
        .order_by(AwardItem.id).limit(limit)).all()
    return [(*row[:3], _ocid(prefix, row[2]), *row[3:]) for row in rows]


def _orders(session, after: int, limit: int, prefix: str) -> list[tuple]:
    agency, solver = aliased(Organization), aliased(Organization)
    paid = (select(func.coalesce(func.sum(Payment.amount), 0))
            .where(Payment.order_id == PilotOrder.id, public_payment())
            .correlate(PilotOrder).scalar_subquery())
    rows = session.execute(
        select(PilotOrder.id, PilotOrder.contract_number, PilotOrder.challenge_id,
               PilotOrder.award_item_id, agency.id, agency.name_vi, solver.id, solver.name_vi,
               PilotOrder.value, paid, PilotOrder.start_date, PilotOrder.end_date,
               PilotOrder.status, PilotOrder.signed_at, PilotOrder.active_at,
               PilotOrder.completed_at, PilotOrder.terminated_at,
               PilotOrder.termination_reason, PilotOrder.scale_up_recommended)
        .join(agency, agency.id == PilotOrder.agency_id)
        .join(solver, solver.id == PilotOrder.solver_id)
        .where(public_order(), PilotOrder.id > after)
        .order_by(PilotOrder.id).limit(limit)).all()
    return [(*row[:3], _ocid(prefix, row[2]), *row[3:]) for row in rows]


def _milestones(session, after: int, limit: int, prefix: str) -> list[tuple]:
    rows = session.execute(
        select(Milestone.id, Milestone.order_id, PilotOrder.contract_number,
               PilotOrder.challenge_id, Milestone.position, Milestone.deliverable,
               Milestone.due_date, Milestone.amount, Milestone.status, Milestone.accepted_at,
               Milestone.paid_at)
        .join(PilotOrder, PilotOrder.id == Milestone.order_id)
        .where(public_order(), Milestone.id > after)
        .order_by(Milestone.id).limit(limit)).all()
    return [(*row[:3], _ocid(prefix, row[3]), row[4] + 1, row[5], row[6], row[7],
             public_milestone_status(row[8]), *row[9:]) for row in rows]


def _payments(session, after: int, limit: int, prefix: str) -> list[tuple]:
    rows = session.execute(
        select(Payment.id, Payment.order_id, PilotOrder.contract_number,
               PilotOrder.challenge_id, Payment.milestone_id, Milestone.position,
               Milestone.deliverable, Payment.amount, Payment.method, Payment.paid_on,
               Payment.succeeded_at, Payment.treasury_name, Payment.budget_unit_code,
               Payment.payment_order_number, Payment.payment_order_date)
        .join(PilotOrder, PilotOrder.id == Payment.order_id)
        .join(Milestone, Milestone.id == Payment.milestone_id)
        .where(public_order(), public_payment(), Payment.id > after)
        .order_by(Payment.id).limit(limit)).all()
    # a State Treasury payment's order; no bank details (none are stored)
    return [(*row[:3], _ocid(prefix, row[3]), row[4], row[5] + 1, *row[6:]) for row in rows]


def _red_flags(session, after: int, limit: int, prefix: str) -> list[tuple]:
    from marketplace.scorecards.models import RedFlag

    agency = aliased(Organization)
    rows = session.execute(
        select(RedFlag.id, RedFlag.kind, RedFlag.agency_id, agency.name_vi, RedFlag.solver_id,
               RedFlag.challenge_id, RedFlag.order_id, RedFlag.milestone_id, RedFlag.detail,
               RedFlag.raised_at, RedFlag.computed_at)
        .join(agency, agency.id == RedFlag.agency_id)
        .where(RedFlag.id > after).order_by(RedFlag.id).limit(limit)).all()
    return [(*row[:6], _ocid(prefix, row[5]) if row[5] is not None else None, *row[6:8],
             json.dumps(row[8], sort_keys=True), *row[9:]) for row in rows]


DATASETS: dict[str, Dataset] = {dataset.name: dataset for dataset in (
    Dataset("challenges", "Bài toán", "Challenges", columns.CHALLENGE_COLUMNS, _challenges),
    Dataset("awards", "Kết quả trao thầu", "Awards", columns.AWARD_COLUMNS, _awards),
    Dataset("orders", "Đơn đặt hàng thí điểm", "Pilot orders", columns.ORDER_COLUMNS,
            _orders),
    Dataset("milestones", "Mốc thực hiện", "Milestones", columns.MILESTONE_COLUMNS,
            _milestones),
    Dataset("payments", "Thanh toán", "Payments", columns.PAYMENT_COLUMNS, _payments),
    # issue 18: computed by the worker (definitions at /methodology)
    Dataset("red_flags", "Dấu hiệu cảnh báo", "Red flags", columns.RED_FLAG_COLUMNS,
            _red_flags),
)}


def rows(session_scope: Callable, name: str, prefix: str,
         batch: int = BATCH) -> Iterator[list[list]]:
    """The dataset `name`'s rows as the file writes them (datetimes expanded to UTC and
    Viet Nam time), one list per batch. Each batch runs in its own `session_scope()` (a
    context manager giving a session): a streamed response outlives its request, and a
    keyset batch needs nothing from the one before."""
    dataset = DATASETS[name]
    after = 0
    while True:
        with session_scope() as session:
            fetched = dataset.fetch(session, after, batch, prefix)
        if not fetched:
            return
        yield [columns.expand_row(dataset, row) for row in fetched]
        if len(fetched) < batch:
            return
        after = fetched[-1][0]


def _line(writer, buffer: io.StringIO, row) -> str:
    writer.writerow(row)
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def stream(session_scope: Callable, name: str, prefix: str,
           batch: int = BATCH) -> Iterator[str]:
    """The dataset `name` as CSV text: the header, then one chunk per batch (`rows`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield BOM + _line(writer, buffer, DATASETS[name].header)
    for batch_rows in rows(session_scope, name, prefix, batch):
        for row in batch_rows:
            writer.writerow([safe_cell(value) for value in row])
        chunk = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        yield chunk
