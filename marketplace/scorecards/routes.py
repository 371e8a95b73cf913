"""The public accountability pages (issue 18): an agency's scorecard (`/agencies/<id>`), a
solver organization's (`/organizations/<id>/scorecard`), the ranking across agencies and
provinces (`/rankings`, with `.csv` and `.xlsx`) and the methodology (`/methodology`)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from sqlalchemy import and_, select

from marketplace.accounts.models import Organization
from marketplace.cache import anonymous_page
from marketplace.challenges.models import Challenge
from marketplace.dashboard.queries import Filters
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.opendata.visibility import public_order, public_payment
from marketplace.orders.models import Milestone, PilotOrder
from marketplace.orders.terms import LOCAL_ZONE
from marketplace.payments.models import Payment
from marketplace.policy.feedback import ratings_min
from marketplace.scorecards import export, queries, services
from marketplace.scorecards.models import FlagKind, RedFlag
from marketplace.taxonomy.models import TechnologyGroup
from marketplace.web import authorize, get_or_404

bp = Blueprint("scorecards", __name__)
RECORDS_LIMIT = 200


def _organization(org_id: int, *, agency: bool) -> Organization:
    org = get_or_404(Organization, org_id)
    authorize("scorecard.view", org, hide=True)
    if org.is_agency is not agency:
        abort(404)
    return org


def _flags(column, org_id: int) -> list[tuple]:
    """[(flag, challenge title)] of one organization, newest first (one query)."""
    return db.session.execute(
        select(RedFlag, Challenge.title)
        .outerjoin(Challenge, Challenge.id == RedFlag.challenge_id)
        .where(column == org_id)
        .order_by(RedFlag.raised_at.desc(), RedFlag.id.desc())).all()


def _records(column, org_id: int) -> list[dict]:
    """The public orders behind the money, payment and pilot figures, each with its
    milestones and their transfer dates (one query, at most `RECORDS_LIMIT` milestones)."""
    rows = db.session.execute(
        select(PilotOrder.id, PilotOrder.contract_number, PilotOrder.status, PilotOrder.value,
               Milestone.id, Milestone.position, Milestone.status, Milestone.amount,
               Milestone.accepted_at, Payment.paid_on)
        .outerjoin(Milestone, Milestone.order_id == PilotOrder.id)
        .outerjoin(Payment, and_(Payment.milestone_id == Milestone.id, public_payment()))
        .where(public_order(), column == org_id)
        .order_by(PilotOrder.id.desc(), Milestone.position)
        .limit(RECORDS_LIMIT)).all()
    orders: dict[int, dict] = {}
    for (order_id, number, status, value, milestone_id, position, m_status, amount,
         accepted_at, paid_on) in rows:
        order = orders.setdefault(order_id, {"id": order_id, "number": number,
                                             "status": status, "value": value,
                                             "milestones": []})
        if milestone_id is not None:
            days = None
            if accepted_at is not None and paid_on is not None:
                days = (paid_on - accepted_at.astimezone(LOCAL_ZONE).date()).days
            order["milestones"].append({"id": milestone_id, "position": position,
                                        "status": m_status, "amount": amount,
                                        "accepted_at": accepted_at, "paid_on": paid_on,
                                        "days": days})
    return list(orders.values())


def _page(org: Organization, kind: str):
    column_flags = RedFlag.agency_id if kind == queries.AGENCY else RedFlag.solver_id
    column_orders = PilotOrder.agency_id if kind == queries.AGENCY else PilotOrder.solver_id
    card = services.cached_scorecard(db.session, kind, org.id)
    return render_template("scorecards/show.html", org=org, kind=kind, card=card,
                           flags=_flags(column_flags, org.id),
                           records=_records(column_orders, org.id),
                           records_limit=RECORDS_LIMIT, flag_kinds=list(FlagKind))


@bp.route("/agencies/<int:org_id>")
@anonymous_page
def agency(org_id: int):
    return _page(_organization(org_id, agency=True), queries.AGENCY)


@bp.route("/organizations/<int:org_id>/scorecard")
@anonymous_page
def solver(org_id: int):
    return _page(_organization(org_id, agency=False), queries.SOLVER)


def _ranking_args() -> tuple[str, Filters, str]:
    by = request.args.get("by")
    by = by if by in (queries.AGENCY, queries.PROVINCE) else queries.AGENCY
    parsed = Filters.from_args(request.args)
    filters = Filters(group_id=parsed.group_id, year=parsed.year)
    sort = request.args.get("sort")
    return by, filters, sort if sort in services.SORTS else services.DEFAULT_SORT


@bp.route("/rankings")
@anonymous_page
def ranking():
    authorize("ranking.view")
    by, filters, sort = _ranking_args()
    locale = current_language()
    rows = services.cached_ranking(db.session, by, filters, sort, locale)
    groups = db.session.execute(
        select(TechnologyGroup.id, TechnologyGroup.code, TechnologyGroup.name_vi,
               TechnologyGroup.name_en).order_by(TechnologyGroup.position,
                                                 TechnologyGroup.id)).all()
    return render_template("scorecards/ranking.html", rows=rows, by=by, filters=filters,
                           sort=sort, sorts=list(services.SORTS), groups=groups,
                           args={k: v for k, v in request.args.items() if v})


@bp.route("/rankings.<any(csv, xlsx):fmt>")
def ranking_download(fmt: str):
    authorize("ranking.view")
    by, filters, sort = _ranking_args()
    rows = services.cached_ranking(db.session, by, filters, sort, current_language())
    name = f"ranking-{by}"
    if fmt == "csv":
        return Response(export.to_csv(rows), headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(export.to_xlsx(rows, name), headers={
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": f'attachment; filename="{name}.xlsx"'})


@bp.route("/methodology")
@anonymous_page
def methodology():
    authorize("methodology.view")
    return render_template("scorecards/methodology.html", config=current_app.config,
                           prompt=queries.PROMPT_DAYS, fast=queries.FAST_DAYS,
                           flag_kinds=list(FlagKind), citizens_minimum=ratings_min())


@bp.app_template_global("describe_flag")
def describe_flag(kind, detail) -> str:
    """`display.describe`, for the challenge, order and scorecard pages."""
    from marketplace.scorecards.display import describe

    return describe(kind, detail)
