"""The read-only JSON API of the public data (documented in docs/api.md).

GET only; errors are JSON (`{"error": ...}`, see errors_web); lists are paginated with
`page` and `per_page` (at most 100) and carry `total` and `next`/`prev` links. Every
query keeps to the public rules of `marketplace/opendata/visibility.py`."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from marketplace import conditional, keyset
from marketplace.accounts.models import Organization
from marketplace.api import schema, serializers
from marketplace.challenges.models import (
    PUBLIC_STATUSES,
    Challenge,
    ChallengeStatus,
    Clarification,
    Criterion,
)
from marketplace.challenges.services import close_if_expired
from marketplace.evaluation.models import Award, AwardItem
from marketplace.extensions import db
from marketplace.opendata.visibility import (
    BID_STATUSES,
    public_award,
    public_challenge,
    public_order,
    public_payment,
)
from marketplace.orders.models import Kpi, Milestone, PilotOrder
from marketplace.params import query_int
from marketplace.payments.models import Payment
from marketplace.scorecards import services as scorecards
from marketplace.search import services as search_services
from marketplace.submissions import opening
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.taxonomy.models import TechnologyGroup
from marketplace.web import authorize

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# CORS, ETag/Last-Modified from the data version, 304, the per-address rate limit
conditional.public_data(bp)

PER_PAGE = 20
MAX_PER_PAGE = 100
NUMBERED_PAGES = 10  # `page` from 1 to here; deeper pages by keyset (`after`, `before`)


@bp.before_request
def _public_read_only():
    authorize("api.read")


def _int_arg(name: str, default: int | None = None) -> int | None:
    """A number of the query string; 400 when it is not one (`params.query_int`)."""
    return query_int(name, default, strict=True)


def _cursor() -> keyset.Cursor | None:
    """The cursor of `after` (the next pages) or `before` (the previous ones); 400 when
    one is given that does not decode."""
    for name, backward in (("after", False), ("before", True)):
        token = request.args.get(name)
        if token is not None:
            cursor = keyset.decode(token, backward=backward)
            if cursor is None:
                abort(400)
            return cursor
    return None


def _paginate(stmt, count_stmt, at, ids, key):
    """(rows of the page, meta, links) of a select sorted newest first by (`at`, `ids`):
    one COUNT and one page query. Pages 1 to `NUMBERED_PAGES` by `page` (OFFSET, at most
    900 rows skipped), every other by keyset (`after`/`before`, the cursor of `links`):
    a deep page costs what the first does. `key(row)` is the row's (at, id). A `page`
    beyond `NUMBERED_PAGES` is 400 (follow `links.next`)."""
    page = max(_int_arg("page", 1), 1)
    if page > NUMBERED_PAGES:
        abort(400)
    per_page = min(max(_int_arg("per_page", PER_PAGE), 1), MAX_PER_PAGE)
    cursor = _cursor()
    total = db.session.scalar(count_stmt)
    if cursor is None:
        rows = db.session.execute(stmt.order_by(at.desc(), ids.desc())
                                  .offset((page - 1) * per_page).limit(per_page + 1)).all()
        more, rows = len(rows) > per_page, rows[:per_page]
    else:
        rows = db.session.execute(stmt.where(keyset.beyond(at, ids, cursor))
                                  .order_by(*keyset.order(at, ids, cursor))
                                  .limit(per_page + 1)).all()
        more, rows = len(rows) > per_page, rows[:per_page]
        if cursor.backward:
            rows.reverse()
            more = True  # the page the previous link came from follows
        page = cursor.number
    args = {k: v for k, v in request.args.items()
            if k not in ("page", "per_page", "after", "before")}

    def link(**position) -> str:
        return url_for(request.endpoint, **args, **position, per_page=per_page,
                       _external=True)

    pages = max((total + per_page - 1) // per_page, 1)
    if cursor is None:
        this = link(page=page)
    else:
        name = "before" if cursor.backward else "after"
        this = link(**{name: request.args[name]})
    links: dict[str, str | None] = {"self": this, "next": None, "prev": None}
    if more and rows:
        links["next"] = link(page=page + 1) if cursor is None and page < NUMBERED_PAGES \
            else link(after=keyset.encode(*key(rows[-1]), page + 1))
    if page - 1 <= NUMBERED_PAGES:
        if page > 1 and (rows or page <= pages + 1):
            links["prev"] = link(page=page - 1)
    elif rows:
        links["prev"] = link(before=keyset.encode(*key(rows[0]), page - 1))
    return rows, {"page": page, "per_page": per_page, "total": total, "pages": pages}, links


def _listing(data: list, meta: dict, links: dict):
    return jsonify({"data": data, "meta": meta, "links": links})


# --- the description ---------------------------------------------------------------

@bp.route("/")
def index():
    """The endpoints, from the same table as the OpenAPI description."""
    root = url_for("api.index", _external=True).rstrip("/")
    return jsonify({
        "name": "First Customer Marketplace — open data API",
        "version": "1",
        "openapi": url_for("api.openapi", _external=True),
        "documentation": url_for("opendata.index", _external=True),
        "endpoints": [{"path": e.path, "summary": e.summary, "url": root + e.path}
                      for e in schema.ENDPOINTS],
    })


@bp.route("/openapi.json")
def openapi():
    return jsonify(schema.openapi(url_for("api.index", _external=True).rstrip("/")))


# --- challenges ---------------------------------------------------------------------

@bp.route("/challenges")
def challenges():
    conditions = [public_challenge()]
    q = request.args.get("q", "").strip()
    if q:  # what /search finds
        conditions.append(search_services.matching(Challenge.id, q))
    status = request.args.get("status", "")
    if status:
        if status not in {s.value for s in PUBLIC_STATUSES}:
            abort(400)
        conditions.append(Challenge.status == ChallengeStatus(status))
    if (group_id := _int_arg("group")) is not None:
        conditions.append(Challenge.technology_group_id == group_id)
    if (agency_id := _int_arg("agency")) is not None:
        conditions.append(Challenge.agency_id == agency_id)
    stmt = (select(Challenge, Organization, TechnologyGroup)
            .join(Organization, Organization.id == Challenge.agency_id)
            .outerjoin(TechnologyGroup, TechnologyGroup.id == Challenge.technology_group_id)
            .where(*conditions))
    count = select(func.count()).select_from(Challenge).where(*conditions)
    rows, meta, links = _paginate(stmt, count, Challenge.published_at, Challenge.id,
                                  lambda row: (row[0].published_at, row[0].id))
    return _listing([serializers.challenge(*row) for row in rows], meta, links)


@bp.route("/challenges/<int:challenge_id>")
def challenge(challenge_id: int):
    row = db.session.execute(
        select(Challenge, Organization, TechnologyGroup)
        .join(Organization, Organization.id == Challenge.agency_id)
        .outerjoin(TechnologyGroup, TechnologyGroup.id == Challenge.technology_group_id)
        .where(Challenge.id == challenge_id, public_challenge())).first()
    if row is None:
        abort(404)
    criteria = db.session.scalars(select(Criterion).where(Criterion.challenge_id == challenge_id)
                                  .order_by(Criterion.position, Criterion.id)).all()
    clarifications = db.session.scalars(
        select(Clarification).where(Clarification.challenge_id == challenge_id,
                                    Clarification.answered_at.is_not(None))
        .order_by(Clarification.asked_at, Clarification.id)).all()
    counts = dict(db.session.execute(
        select(Submission.status, func.count()).where(Submission.challenge_id == challenge_id,
                                                      Submission.status.in_(BID_STATUSES))
        .group_by(Submission.status)).all())
    bids = {"count": sum(counts.values()),
            "disqualified": counts.get(SubmissionStatus.DISQUALIFIED, 0)}
    award_ids = db.session.scalars(select(Award.id).where(Award.challenge_id == challenge_id,
                                                          public_award())).all()
    order_ids = db.session.scalars(select(PilotOrder.id).where(
        PilotOrder.challenge_id == challenge_id, public_order()).order_by(PilotOrder.id)).all()
    return jsonify(serializers.challenge_detail(
        *row, criteria=criteria, clarifications=clarifications, bids=bids,
        award_ids=list(award_ids), order_ids=list(order_ids),
        flags=[f for f, _ in scorecards.flags_of(db.session, challenge_id=challenge_id)]))


@bp.route("/challenges/<int:challenge_id>/opening-record")
def opening_record(challenge_id: int):
    """The opening record: 404 until the challenge has closed (the first request after
    the deadline closes it, as the challenge page does)."""
    challenge = db.session.scalar(select(Challenge).where(Challenge.id == challenge_id,
                                                          public_challenge()))
    if challenge is None:
        abort(404)
    if close_if_expired(db.session, challenge):
        db.session.commit()
    record = opening.opening_record(db.session, challenge)
    if record is None:
        abort(404)
    return jsonify(serializers.opening_record(record))


# --- awards -------------------------------------------------------------------------

def _award_items(award_ids: list[int]) -> dict[int, list]:
    items: dict[int, list] = {award_id: [] for award_id in award_ids}
    for item, solver in db.session.execute(
            select(AwardItem, Organization)
            .join(Submission, Submission.id == AwardItem.submission_id)
            .join(Organization, Organization.id == Submission.organization_id)
            .where(AwardItem.award_id.in_(award_ids)).order_by(AwardItem.rank, AwardItem.id)):
        items[item.award_id].append((item, solver))
    return items


@bp.route("/awards")
def awards():
    conditions = [public_challenge(), public_award()]
    if (challenge_id := _int_arg("challenge")) is not None:
        conditions.append(Award.challenge_id == challenge_id)
    stmt = select(Award, Challenge).join(Challenge, Challenge.id == Award.challenge_id).where(
        *conditions)
    count = (select(func.count()).select_from(Award)
             .join(Challenge, Challenge.id == Award.challenge_id).where(*conditions))
    rows, meta, links = _paginate(stmt, count, Award.decided_at, Award.id,
                                  lambda row: (row[0].decided_at, row[0].id))
    items = _award_items([aw.id for aw, _ch in rows])
    return _listing([serializers.award(aw, ch, items[aw.id]) for aw, ch in rows], meta, links)


@bp.route("/awards/<int:award_id>")
def award(award_id: int):
    row = db.session.execute(
        select(Award, Challenge).join(Challenge, Challenge.id == Award.challenge_id)
        .where(Award.id == award_id, public_challenge(), public_award())).first()
    if row is None:
        abort(404)
    return jsonify(serializers.award(*row, _award_items([award_id])[award_id]))


# --- pilot orders -------------------------------------------------------------------

def _order_select(*conditions):
    agency, solver = aliased(Organization), aliased(Organization)
    paid = (select(func.coalesce(func.sum(Payment.amount), 0))
            .where(Payment.order_id == PilotOrder.id, public_payment())
            .correlate(PilotOrder).scalar_subquery())
    return (select(PilotOrder, Challenge, agency, solver, paid)
            .join(Challenge, Challenge.id == PilotOrder.challenge_id)
            .join(agency, agency.id == PilotOrder.agency_id)
            .join(solver, solver.id == PilotOrder.solver_id)
            .where(public_order(), *conditions))


@bp.route("/orders")
def orders():
    conditions = []
    for arg, column in (("challenge", PilotOrder.challenge_id), ("agency", PilotOrder.agency_id),
                        ("solver", PilotOrder.solver_id)):
        if (value := _int_arg(arg)) is not None:
            conditions.append(column == value)
    count = select(func.count()).select_from(PilotOrder).where(public_order(), *conditions)
    rows, meta, links = _paginate(_order_select(*conditions), count, PilotOrder.signed_at,
                                  PilotOrder.id, lambda row: (row[0].signed_at, row[0].id))
    return _listing([serializers.order(*row) for row in rows], meta, links)


@bp.route("/orders/<int:order_id>")
def order(order_id: int):
    row = db.session.execute(_order_select(PilotOrder.id == order_id)).first()
    if row is None:
        abort(404)
    kpis = db.session.scalars(select(Kpi).where(Kpi.order_id == order_id)
                              .order_by(Kpi.position, Kpi.id)).all()
    milestones = db.session.scalars(select(Milestone).where(Milestone.order_id == order_id)
                                    .order_by(Milestone.position, Milestone.id)).all()
    payments = db.session.scalars(select(Payment).where(Payment.order_id == order_id,
                                                        public_payment())
                                  .order_by(Payment.succeeded_at, Payment.id)).all()
    flags = [f for f, _ in scorecards.flags_of(db.session, order_id=order_id)]
    return jsonify(serializers.order_detail(*row, kpis=kpis, milestones=milestones,
                                            payments=payments, flags=flags))
