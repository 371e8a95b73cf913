"""The dashboard's counters, kept up to date in the transaction of every change that moves
them (issue 21), and the figures read from them.

How a change reaches the counters: every write through the ORM to a row the figures
depend on (a challenge, a bid, a consortium partner, an order, a milestone, a payment, a
rating, a complaint, an organization's kind) marks its challenge as touched
(`_note_touched`, an `after_flush` listener: status changes through
`lifecycle.transition` — which flushes — creations and amounts alike). Right after that
flush (`_apply_after_flush`), `apply` recomputes the contribution of each touched
challenge from its own rows (a fixed handful of statements, whatever the number of
challenges), and adds to `dashboard_counters` the difference with the contribution it had
(`dashboard_challenges.facts`), in the same transaction: the figures move exactly when
the change commits, and a change that is rolled back moves nothing.

Only public facts count (the rules of `opendata.visibility`: a published challenge, bids
once it closed, a signed order, a succeeded payment), so private work — a sealed bid
saved, a draft edited — recomputes a contribution that does not change and moves no
counter (issue 14).

Each counter is kept at its cell and at the 15 roll-ups that contain it (any agency,
province, group or year: `ALL`), so a filter set reads one cell of a few hundred rows
whatever the data (`rolled_up`).

The two medians are not counters: their durations are kept per challenge in
`dashboard_durations` (replaced with the contribution) and the median is read with one
indexed `ORDER BY days LIMIT 2 OFFSET n/2`, n being a counter. The red flags, rewritten as
a whole table by the worker (`scorecards.flags.recompute`), are counted by the same
statement (a small table). `marketplace.dashboard.queries` keeps the from-scratch
computation of every figure: `recount` in the tests' property test and `flask dashboard
check` compare both.

Concurrency (PostgreSQL, READ COMMITTED): `apply` locks the touched challenges'
`dashboard_challenges` rows (`FOR UPDATE`, in id order) before it reads anything, so two
transactions touching one challenge apply one after the other, the second reading what
the first committed; counters are then written in key order (no deadlock between two
appliers)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    String,
    and_,
    delete,
    event,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import aliased

from marketplace.accounts.models import Organization
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.complaints.models import OPEN_STATUSES as OPEN_COMPLAINT
from marketplace.complaints.models import Complaint, ComplaintStatus
from marketplace.dashboard.models import DashboardChallenge, DashboardCounter, DashboardDuration
from marketplace.dashboard.queries import (
    BID_BUCKET_OVER,
    BID_BUCKETS,
    TOP_AGENCIES,
    VIETNAM,
    Filters,
    consortium_and_sse,
    partner_kinds,
)
from marketplace.opendata.visibility import BID_STATUSES, COMMITTED_ORDER_STATUSES
from marketplace.orders.models import Milestone, MilestoneStatus, OrderStatus, PilotOrder, Rating
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.submissions.models import ConsortiumPartner, Submission
from marketplace.taxonomy.models import TaxonomyVersion, TechnologyGroup

BATCH = 2000  # challenges per batch of `rebuild`
TOUCHED = "dashboard_touched"  # session.info: {what: {ids}} written by the current flush


# --- each challenge's contribution -----------------------------------------------------

def _bucket(bids: int) -> str:
    for upper, key in BID_BUCKETS:
        if bids <= upper:
            return key
    return BID_BUCKET_OVER


def _month(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%Y-%m")


def _as_utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # Core rows of a naive column
        moment = moment.replace(tzinfo=UTC)
    return moment


def contributions(session, challenge_ids) -> dict[int, tuple[list, dict, list]]:
    """{challenge id: (cell, {(metric, key): amount}, [(kind, days)])} — each challenge's
    share of the figures, computed from its own rows in seven statements, whatever the
    number of challenges. `cell` is [agency_id, province, group_id, year] ("" / 0 for
    none). A challenge that is not public has empty counts and durations."""
    ids = sorted(set(challenge_ids))
    found: dict[int, tuple[list, dict, list]] = {}
    if not ids:
        return found
    rows = session.execute(
        select(Challenge.id, Challenge.agency_id, Challenge.province,
               Challenge.technology_group_id, Challenge.status, Challenge.published_at,
               Challenge.closed_at, Challenge.awarded_at, Challenge.is_public.label("public"))
        .where(Challenge.id.in_(ids))).all()
    closed: set[int] = set()
    for row in rows:
        published = _as_utc(row.published_at)
        cell = [row.agency_id, row.province or "", row.technology_group_id or 0,
                published.astimezone(VIETNAM).year if published else 0]
        counts: dict[tuple[str, str], int] = defaultdict(int)
        durations: list[tuple[str, float]] = []
        found[row.id] = (cell, counts, durations)
        if not row.public:
            continue
        counts["status", ChallengeStatus(row.status).value] += 1
        if row.closed_at is not None:
            closed.add(row.id)
        awarded = _as_utc(row.awarded_at)
        if row.status == ChallengeStatus.AWARDED and awarded is not None:
            durations.append(("award", (awarded - published).total_seconds() / 86400))
    public = [cid for cid, (_cell, counts, _d) in found.items() if counts]

    bids: dict[int, int] = defaultdict(int)
    if closed:
        for cid, kind, consortium, sse, count in _bids(session, sorted(closed)):
            bids[cid] += count
            found[cid][1]["bidder", f"{kind.value}|{consortium}|{sse}"] += count
        for cid in closed:
            counts = found[cid][1]
            counts["bucket", _bucket(bids[cid])] += 1
            counts["bids", _bucket(bids[cid])] += bids[cid]
    if not public:
        return found

    for cid, agency_id, status, signed_at, value, scale_up, is_public in session.execute(
            select(PilotOrder.challenge_id, PilotOrder.agency_id, PilotOrder.status,
                   PilotOrder.signed_at, PilotOrder.value, PilotOrder.scale_up_recommended,
                   PilotOrder.is_public)
            .where(PilotOrder.challenge_id.in_(public))):
        counts = found[cid][1]
        if status in COMMITTED_ORDER_STATUSES and signed_at is not None:
            counts["committed", _month(_as_utc(signed_at))] += value
        if status == OrderStatus.COMPLETED:
            counts["completed", ""] += 1
            counts["scale_up", ""] += 1 if scale_up else 0
        if is_public:
            counts["pilots", str(agency_id)] += 1
            counts["pilot_value", str(agency_id)] += value

    for cid, amount, succeeded_at, paid_on, m_status, accepted_at in session.execute(
            select(PilotOrder.challenge_id, Payment.amount, Payment.succeeded_at,
                   Payment.paid_on, Milestone.status, Milestone.accepted_at)
            .join(PilotOrder, PilotOrder.id == Payment.order_id)
            .join(Milestone, Milestone.id == Payment.milestone_id)
            .where(PilotOrder.challenge_id.in_(public), PilotOrder.is_public,
                   Payment.status == PaymentStatus.SUCCEEDED)):
        counts, durations = found[cid][1], found[cid][2]
        if succeeded_at is not None:
            counts["paid", _month(_as_utc(succeeded_at))] += amount
        if m_status == MilestoneStatus.PAID and accepted_at is not None and paid_on is not None:
            accepted = _as_utc(accepted_at).astimezone(VIETNAM).date()
            durations.append(("payment", float((paid_on - accepted).days)))

    for cid, side, average in session.execute(
            select(PilotOrder.challenge_id, Rating.side, Rating.average)
            .join(PilotOrder, PilotOrder.id == Rating.order_id)
            .where(PilotOrder.challenge_id.in_(public), PilotOrder.is_public)):
        counts = found[cid][1]
        counts["rating_sum", side.value] += int(Decimal(average) * 100)  # hundredths
        counts["rating_n", side.value] += 1

    for cid, status in session.execute(
            select(Complaint.challenge_id, Complaint.status)
            .where(Complaint.challenge_id.in_(public))):
        counts = found[cid][1]
        counts["complaints", ""] += 1
        counts["complaints_open", ""] += 1 if status in OPEN_COMPLAINT else 0
        counts["complaints_upheld", ""] += 1 if status == ComplaintStatus.UPHELD else 0

    for _cid, (_cell, counts, durations) in found.items():
        for kind, _days in durations:
            counts[f"{kind}_n", ""] += 1
    return found


def _bids(session, closed: list[int]):
    """[(challenge id, lead kind, consortium 0/1, State–School–Enterprise 0/1, bids)] of
    the bids of closed challenges (the rule of `queries.bidders`)."""
    lead = aliased(Organization)
    partners = partner_kinds(ConsortiumPartner.submission_id.in_(
        select(Submission.id).where(Submission.challenge_id.in_(closed))))
    consortium, sse = consortium_and_sse(lead, partners)
    return session.execute(
        select(Submission.challenge_id, lead.kind, consortium, sse, func.count())
        .join(lead, lead.id == Submission.organization_id)
        .outerjoin(partners, partners.c.submission_id == Submission.id)
        .where(Submission.challenge_id.in_(closed), Submission.status.in_(BID_STATUSES))
        .group_by(Submission.challenge_id, lead.kind, consortium, sse)).all()


def _facts(cell: list, counts: dict) -> dict:
    return {"cell": cell, "counts": {f"{m}|{k}": v for (m, k), v in counts.items() if v}}


# --- applying the differences -----------------------------------------------------------

ALL = (-1, "*", -1, -1)  # "any agency, province, group, year": the roll-ups' cell values


def rolled_up(deltas: dict[tuple, int]) -> dict[tuple, int]:
    """Each delta of a cell (agency, province, group, year, metric, key) added to the 16
    cells that contain it: itself and its roll-ups, where any of the four is `ALL`. A
    filter set then reads exactly one cell (`_level`), a few hundred rows, whatever the
    data."""
    rolled: dict[tuple, int] = defaultdict(int)
    for (*cell, metric, key), n in deltas.items():
        for mask in range(16):
            level = tuple(cell[i] if mask & (1 << i) else ALL[i] for i in range(4))
            rolled[(*level, metric, key)] += n
    return {key: n for key, n in rolled.items() if n}


def _upsert(session, deltas: dict[tuple, int]) -> None:
    """Add each delta {(agency, province, group, year, metric, key): n} to its counter
    and its roll-ups (`rolled_up`), in key order."""
    rows = [{"agency_id": a, "province": p, "group_id": g, "year": y, "metric": m, "key": k,
             "value": n} for (a, p, g, y, m, k), n in sorted(rolled_up(deltas).items())]
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(DashboardCounter.__table__)
    stmt = stmt.on_conflict_do_update(
        index_elements=["agency_id", "province", "group_id", "year", "metric", "key"],
        set_={"value": DashboardCounter.__table__.c.value + stmt.excluded.value})
    session.execute(stmt, rows)


def _insert_missing(session, ids: list[int]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(DashboardChallenge.__table__).on_conflict_do_nothing(),
                    [{"challenge_id": cid, "facts": {}} for cid in ids])


def apply(session, challenge_ids) -> int:
    """Bring the counters and durations of `challenge_ids` up to date in the session's
    transaction: lock their contribution rows, recompute their contributions, add the
    differences. Returns the number of counters changed. Never commits."""
    ids = sorted(set(challenge_ids))
    if not ids:
        return 0
    table = DashboardChallenge.__table__
    existing = set(session.scalars(select(table.c.challenge_id)
                                   .where(table.c.challenge_id.in_(ids))))
    present = set(session.scalars(select(Challenge.id).where(Challenge.id.in_(ids))))
    missing = [cid for cid in ids if cid not in existing and cid in present]
    if missing:
        _insert_missing(session, missing)
    old = dict(session.execute(
        select(table.c.challenge_id, table.c.facts).where(table.c.challenge_id.in_(ids))
        .order_by(table.c.challenge_id).with_for_update()).all())
    new = contributions(session, ids)
    deltas: dict[tuple, int] = defaultdict(int)
    changed_facts = []
    for cid in ids:
        before = old.get(cid) or {}
        cell, counts, durations = new.get(cid, ([0, "", 0, 0], {}, []))
        facts = _facts(cell, counts)
        if before.get("counts"):
            for name, n in before["counts"].items():
                metric, key = name.split("|", 1)
                deltas[(*before["cell"], metric, key)] -= n
        for name, n in facts["counts"].items():
            metric, key = name.split("|", 1)
            deltas[(*cell, metric, key)] += n
        if facts != before and cid in present:
            changed_facts.append({"cid": cid, "facts": facts})
    deltas = {key: n for key, n in deltas.items() if n}
    _upsert(session, deltas)
    gone = [cid for cid in ids if cid not in present]
    if gone:  # a challenge deleted: its contribution went with it
        session.execute(delete(table).where(table.c.challenge_id.in_(gone)))
    if changed_facts:
        from sqlalchemy import bindparam, update

        session.execute(update(table).where(table.c.challenge_id == bindparam("cid"))
                        .values(facts=bindparam("facts")), changed_facts,
                        execution_options={"synchronize_session": False})
    durations = DashboardDuration.__table__
    session.execute(delete(durations).where(durations.c.challenge_id.in_(ids)))
    rows = [{"challenge_id": cid, "kind": kind, "agency_id": cell[0], "province": cell[1],
             "group_id": cell[2], "year": cell[3], "days": days}
            for cid, (cell, _counts, found) in new.items() for kind, days in found]
    if rows:
        session.execute(durations.insert(), rows)
    return len(deltas)


def rebuild(session, *, batch: int = BATCH) -> int:
    """Empty the counters and recompute them from every challenge, `batch` challenges at
    a time (the migration's backfill, `flask dashboard rebuild`, the benchmark's data
    sets). Returns the number of challenges. Never commits."""
    session.execute(delete(DashboardCounter.__table__))
    session.execute(delete(DashboardDuration.__table__))
    session.execute(delete(DashboardChallenge.__table__))
    ids = list(session.scalars(select(Challenge.id).order_by(Challenge.id)))
    for start in range(0, len(ids), batch):
        apply(session, ids[start:start + batch])
    return len(ids)


# --- what marks a challenge as touched --------------------------------------------------

# model -> the attribute naming what leads to its challenge
_OWNERS = {Challenge: "id", Submission: "challenge_id", PilotOrder: "challenge_id",
           Complaint: "challenge_id", ConsortiumPartner: "submission_id",
           Milestone: "order_id", Payment: "order_id", Rating: "order_id"}
_VIA = {ConsortiumPartner: "submission", Milestone: "order", Payment: "order",
        Rating: "order", Organization: "organization"}


def _note_touched(session, _flush_context) -> None:
    touched = session.info.setdefault(TOUCHED, defaultdict(set))
    from sqlalchemy import inspect as sa_inspect

    for obj in (*session.new, *session.dirty, *session.deleted):
        kind = type(obj)
        if kind is Organization:
            history = sa_inspect(obj).attrs.kind.history
            if obj in session.dirty and history.has_changes() and obj.id is not None:
                touched["organization"].add(obj.id)
            continue
        attr = _OWNERS.get(kind)
        if attr is None:
            continue
        target = _VIA.get(kind, "challenge")
        state = sa_inspect(obj)
        values = set(state.attrs[attr].history.deleted or ())  # what it belonged to before
        if attr in state.dict:
            values.add(state.dict[attr])
        elif obj not in session.deleted:
            values.add(getattr(obj, attr))
        touched[target].update(value for value in values if value is not None)


def _challenges(session, touched: dict[str, set]) -> set[int]:
    """The challenge ids behind what was touched (bids, orders, organizations)."""
    ids = set(touched.get("challenge", ()))
    queries = []
    if touched.get("submission"):
        queries.append(select(Submission.challenge_id)
                       .where(Submission.id.in_(sorted(touched["submission"]))))
    if touched.get("order"):
        queries.append(select(PilotOrder.challenge_id)
                       .where(PilotOrder.id.in_(sorted(touched["order"]))))
    if touched.get("organization"):
        orgs = sorted(touched["organization"])
        queries.append(select(Submission.challenge_id).where(Submission.organization_id.in_(orgs)))
        queries.append(select(Submission.challenge_id)
                       .join(ConsortiumPartner, ConsortiumPartner.submission_id == Submission.id)
                       .where(ConsortiumPartner.organization_id.in_(orgs)))
    if queries:
        ids.update(session.scalars(union_all(*queries) if len(queries) > 1 else queries[0]))
    return ids


def _apply_after_flush(session, _flush_context) -> None:
    """Apply what this flush wrote (`_note_touched`), in the flush's transaction: Core
    statements only, so the flush does not start again."""
    touched = session.info.pop(TOUCHED, None)
    if touched:
        ids = _challenges(session, touched)
        if ids:
            apply(session, ids)


event.listen(OrmSession, "after_flush", _note_touched)
event.listen(OrmSession, "after_flush_postexec", _apply_after_flush)


# --- the figures, read from the counters ------------------------------------------------

def _cells(filters: Filters, table) -> list:
    clauses = []
    if filters.agency_id:
        clauses.append(table.c.agency_id == filters.agency_id)
    if filters.province:
        clauses.append(table.c.province == filters.province)
    if filters.group_id:
        clauses.append(table.c.group_id == filters.group_id)
    if filters.year:
        clauses.append(table.c.year == filters.year)
    return clauses


def _median(kind: str, n: int, filters: Filters):
    """The exact median of the durations of `kind` under `filters`, n of them: the mean of
    the one or two middle values, read through the (kind, days) index."""
    table = DashboardDuration.__table__
    middle = (select(table.c.days).where(table.c.kind == kind, *_cells(filters, table))
              .order_by(table.c.days).limit(2 - n % 2).offset((n - 1) // 2).subquery())
    return select(func.avg(middle.c.days)).scalar_subquery()


def figures(session, filters: Filters) -> dict:
    """The aggregated rows behind every figure, from the counters, in the shape of
    `services.recount` (the from-scratch computation): three statements whatever the data
    (the counters under `filters`; the medians and red flags; the names of the agencies
    and groups to choose from), plus the scale-up record of issue 17."""
    from marketplace.outcomes import queries as outcome_queries
    from marketplace.scorecards.models import FlagKind, RedFlag

    table = DashboardCounter.__table__
    sums: dict[tuple[str, str], int] = defaultdict(int)
    by_status_group: dict[tuple, int] = defaultdict(int)
    agency, province, group, year = (filters.agency_id or ALL[0], filters.province or ALL[1],
                                     filters.group_id or ALL[2], filters.year or ALL[3])
    per_group = (table.c.group_id == group if filters.group_id else
                 or_(table.c.group_id == ALL[2],
                     and_(table.c.metric == "status", table.c.group_id != ALL[2])))
    for metric, key, group_id, total in session.execute(
            select(table.c.metric, table.c.key, table.c.group_id, table.c.value)
            .where(table.c.agency_id == agency, table.c.province == province,
                   table.c.year == year, per_group, table.c.value != 0)):
        if metric == "status":  # per group: the statuses by group
            if group_id != ALL[2]:
                by_status_group[ChallengeStatus(key), group_id or None] += int(total)
            continue
        sums[metric, key] += int(total)

    conditions = filters.conditions()

    def red_flags(kind):
        return (select(func.count()).select_from(RedFlag)
                .join(Challenge, Challenge.id == RedFlag.challenge_id)
                .where(*conditions, RedFlag.kind == kind).scalar_subquery())

    award_n, payment_n = sums.get(("award_n", ""), 0), sums.get(("payment_n", ""), 0)
    head = session.execute(select(
        (_median("award", award_n, filters) if award_n else literal(None))
        .label("days_to_award"),
        (_median("payment", payment_n, filters) if payment_n else literal(None))
        .label("days_to_payment"),
        *[red_flags(kind).label(f"flag_{kind.value}") for kind in FlagKind])).one()._asdict()

    def average(side):
        n = sums.get(("rating_n", side), 0)
        return (Decimal(sums[("rating_sum", side)]) / 100 / n) if n else None, n

    head["agency_avg"], head["agency_n"] = average("agency")
    head["solver_avg"], head["solver_n"] = average("solver")
    for name in ("completed", "scale_up", "complaints", "complaints_open", "complaints_upheld"):
        head[name] = sums.get((name, ""), 0)

    agency_rows, group_rows, years = _options(session)
    head["first_year"], head["last_year"] = (min(years), max(years)) if years else (None, None)
    pilots = {int(key): n for (metric, key), n in sums.items() if metric == "pilots"}
    values = {int(key): n for (metric, key), n in sums.items() if metric == "pilot_value"}
    ranked = sorted(((aid, vi, en, pilots[aid], values.get(aid, 0))
                     for aid, vi, en in agency_rows if pilots.get(aid)),
                    key=lambda row: (-row[3], -row[4], row[0]))
    buckets = {}
    for key in [k for _u, k in BID_BUCKETS] + [BID_BUCKET_OVER]:
        if sums.get(("bucket", key)):
            buckets[key] = (sums[("bucket", key)], sums.get(("bids", key), 0))
    from marketplace.accounts.models import OrgKind

    bidders = []
    for (metric, key), n in sums.items():
        if metric == "bidder":
            kind, consortium, sse = key.split("|")
            bidders.append((OrgKind(kind), int(consortium), int(sse), n))
    money = sorted(((metric, key, n) for (metric, key), n in sums.items()
                    if metric in ("committed", "paid")), key=lambda row: (row[1], row[0]))
    return {
        "by_status_group": [(status, group_id, n)
                            for (status, group_id), n in by_status_group.items()],
        "buckets": buckets,
        "bidders": bidders,
        "money": money,
        "head": head,
        "agencies": ranked[:TOP_AGENCIES],
        "agency_options": agency_rows,
        "group_rows": group_rows,
        "scale_up": outcome_queries.scale_up(session),
    }


def _options(session) -> tuple[list[tuple], list[tuple], list[int]]:
    """The filters' choices in one statement, whatever the filters: the agencies with a
    public challenge [(id, name_vi, name_en)] by name, the technology groups tagged on one
    [(id, code, name_vi, name_en, decision)] newest taxonomy first, and the years with
    one."""
    table = DashboardCounter.__table__

    def public(column):
        """The values of `column` with a public challenge, read at the level where the
        other dimensions are `ALL`."""
        others = {"agency_id": ALL[0], "province": ALL[1], "group_id": ALL[2], "year": ALL[3]}
        return select(column).where(
            table.c.metric == "status", table.c.value > 0,
            *[table.c[name] == value for name, value in others.items() if name != column.name])

    agencies = (
        select(literal("agency").label("kind"), Organization.id.label("id"),
               literal(None, String).label("code"), Organization.name_vi.label("name_vi"),
               Organization.name_en.label("name_en"), literal(None, String).label("decision"),
               func.row_number().over(order_by=(Organization.name_vi, Organization.id))
               .label("pos"))
        .where(select(table.c.agency_id).where(
            table.c.agency_id == Organization.id, table.c.province == ALL[1],
            table.c.group_id == ALL[2], table.c.year == ALL[3], table.c.metric == "status",
            table.c.value > 0).exists()))
    groups = (
        select(literal("group"), TechnologyGroup.id, TechnologyGroup.code,
               TechnologyGroup.name_vi, TechnologyGroup.name_en, TaxonomyVersion.decision,
               func.row_number().over(order_by=(TaxonomyVersion.valid_from.desc(),
                                                 TechnologyGroup.position, TechnologyGroup.id)))
        .join(TaxonomyVersion, TaxonomyVersion.id == TechnologyGroup.version_id)
        .where(TechnologyGroup.id.in_(public(table.c.group_id))))
    years = (select(literal("year"), table.c.year, literal(None, String),
                    literal(None, String), literal(None, String), literal(None, String),
                    literal(0, BigInteger))
             .where(table.c.metric == "status", table.c.value > 0,
                    table.c.agency_id == ALL[0], table.c.province == ALL[1],
                    table.c.group_id == ALL[2], table.c.year > 0))
    both = union_all(agencies, groups, years).subquery()
    rows = session.execute(select(both).order_by(both.c.kind, both.c.pos)).all()
    return ([(r.id, r.name_vi, r.name_en) for r in rows if r.kind == "agency"],
            [(r.id, r.code, r.name_vi, r.name_en, r.decision) for r in rows
             if r.kind == "group"],
            [r.id for r in rows if r.kind == "year"])
