"""Scorecards folded from the figures' rows (`queries.rows`), for one organization's page
and for the ranking across agencies or provinces. Plain dicts, the same in every
language; amounts in đồng, durations in days (one decimal), shares in percent."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from marketplace import cache
from marketplace.accounts.models import Organization
from marketplace.challenges.models import ChallengeStatus
from marketplace.dashboard.queries import Filters
from marketplace.orders.models import OrderStatus
from marketplace.policy.feedback import ratings_min
from marketplace.scorecards import queries
from marketplace.scorecards.models import FlagKind, RedFlag
from marketplace.submissions.models import SubmissionStatus
from marketplace.types import utcnow

# the figures a ranking may be sorted by: key -> (higher is better)
SORTS = {"paid_within_30": True, "paid_within_5": True, "days_to_pay": False,
         "days_to_award": False, "days_to_order": False, "overdue": False,
         "rating_average": True, "flags_total": False, "committed": True, "challenges_total": True}
DEFAULT_SORT = "paid_within_30"
ENUMS = {"challenges": ChallengeStatus, "bids": SubmissionStatus, "orders": OrderStatus,
         "flags": FlagKind}


def _round(value, step: str = "0.1") -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal(step), rounding=ROUND_HALF_UP))


def _share(part, whole) -> float | None:
    """part / whole in percent, one decimal; None when nothing counts (whole is 0)."""
    return _round(100 * part / whole) if whole else None


def empty() -> dict:
    return {"challenges": {}, "bids": {}, "orders": {}, "flags": {}, "rating": {},
            "citizens": {},
            "ratings": 0, "paid_milestones": 0, "proven": 0, "scaled": 0, "paid_within": {},
            "overdue": 0,
            "committed": 0, "paid": 0, "days_to_award": None, "days_to_order": None,
            "days_to_pay": None}


def fold(rows) -> dict:
    """{key: figures} from (key, figure, part, value) rows. Each figures dict:
    challenges/bids/orders/flags {status or kind: count} and their `_total`; days_to_award,
    days_to_order, days_to_pay (medians, days); paid_milestones; paid_within_30 and
    paid_within_5 (percent of the paid milestones); overdue; committed, paid (đồng);
    completed, won; rating {average, fairness, clarity, payment_speed} (1–5) and ratings
    (their count)."""
    cards: dict = {}
    for key, figure, part, value in rows:
        if key is None:
            continue
        card = cards.setdefault(key, empty())
        if figure in ENUMS:
            card[figure][ENUMS[figure](part)] = int(value)
        elif figure in ("rating",):
            card["rating"][part] = _round(value, "0.01")
        elif figure == "citizens":
            card["citizens"][part] = int(value or 0)
        elif figure == "paid_within":
            card["paid_within"][int(part)] = int(value or 0)
        elif figure in ("committed", "paid", "overdue", "ratings", "paid_milestones",
                        "proven", "scaled"):
            card[figure] = int(value or 0)
        else:
            card[figure] = _round(value)
    for card in cards.values():
        _derive(card)
    return cards


def _derive(card: dict) -> None:
    for name in ("challenges", "bids", "orders", "flags"):
        card[f"{name}_total"] = sum(card[name].values())
    n = card["paid_milestones"]
    card["paid_within_30"] = _share(card["paid_within"].get(queries.PROMPT_DAYS, 0), n)
    card["paid_within_5"] = _share(card["paid_within"].get(queries.FAST_DAYS, 0), n)
    card["completed"] = card["orders"].get(OrderStatus.COMPLETED.value, 0)
    card["won"] = card["bids"].get(SubmissionStatus.AWARDED.value, 0)
    card["awarded"] = card["challenges"].get(ChallengeStatus.AWARDED.value, 0)
    card["rating_average"] = card["rating"].get("average")
    citizens, minimum = card["citizens"], ratings_min()
    ratings = citizens.get("n", 0)
    card["citizens_ratings"], card["citizens_minimum"] = ratings, minimum
    card["citizens_rejected"] = citizens.get("rejected", 0)
    card["citizens_average"] = (_round(citizens.get("sum", 0) / ratings, "0.01")
                                if ratings and ratings >= minimum else None)


def scorecard(session, kind: str, key, filters: Filters | None = None,
              now: datetime | None = None) -> dict:
    """The figures of one agency (kind AGENCY, key its id), province (its name) or solver
    organization (SOLVER, its id); every figure present, empty ones 0 or None."""
    filters = filters or Filters()
    rows = queries.rows(session, kind, filters, now or utcnow(), only=key)
    card = fold(rows).get(key)
    if card is None:
        card = empty()
        _derive(card)
    return card


def cached_scorecard(session, kind: str, key, filters: Filters | None = None) -> dict:
    """`scorecard`, from the cache for this data version (kept `CACHE_PAGE_TTL`: "overdue
    now" moves with the clock)."""
    filters = filters or Filters()
    parts = (kind, key, filters.group_id, filters.year)
    return cache.memoize("scorecard", parts,
                         lambda: scorecard(session, kind, key, filters), clock=True)


def pairs(flags) -> list[tuple[RedFlag, None]]:
    """A record's flags (`challenge.red_flags`, loaded with its page), newest first, as
    the (flag, title) pairs `templates/scorecards/_flags.html` takes."""
    return [(flag, None) for flag in sorted(
        flags, key=lambda f: (f.raised_at is not None, f.raised_at, f.id), reverse=True)]


def flags_of(session, *, agency_id=None, solver_id=None, challenge_id=None,
             order_id=None) -> list[tuple[RedFlag, None]]:
    """The stored red flags on one record, newest first, as (flag, None) pairs: the shape
    `templates/scorecards/_flags.html` takes (one query)."""
    query = select(RedFlag)
    for column, value in ((RedFlag.agency_id, agency_id), (RedFlag.solver_id, solver_id),
                          (RedFlag.challenge_id, challenge_id), (RedFlag.order_id, order_id)):
        if value is not None:
            query = query.where(column == value)
    return [(flag, None) for flag in
            session.scalars(query.order_by(RedFlag.raised_at.desc(), RedFlag.id.desc()))]


def ranking(session, kind: str, filters: Filters, sort: str = DEFAULT_SORT,
            locale: str = "vi", now: datetime | None = None) -> list[dict]:
    """The ranking across agencies (kind AGENCY) or provinces (PROVINCE): one row per
    agency or province with any public challenge under `filters`, sorted by `sort` (a key
    of `SORTS`; best first, those without the figure last, then by name). Each row:
    {"key", "name", "province", "rank", **figures}. Two queries."""
    cards = fold(queries.rows(session, kind, filters, now or utcnow()))
    if kind == queries.AGENCY:
        names = {org_id: (vi if locale != "en" or not en else en, province)
                 for org_id, vi, en, province in session.execute(
                     select(Organization.id, Organization.name_vi, Organization.name_en,
                            Organization.province).where(Organization.id.in_(list(cards))))}
    else:
        names = {province: (province, province) for province in cards}
    result = [{"key": key, "name": names.get(key, ("", ""))[0],
               "province": names.get(key, ("", ""))[1], **card}
              for key, card in cards.items() if card["challenges_total"]]
    sort = sort if sort in SORTS else DEFAULT_SORT
    higher = SORTS[sort]

    def order(row):
        value = row.get(sort)
        if value is None:
            return (1, 0, row["name"])
        return (0, -value if higher else value, row["name"])

    result.sort(key=order)
    for position, row in enumerate(result, start=1):
        row["rank"] = position if row.get(sort) is not None else None
    return result


def cached_ranking(session, kind: str, filters: Filters, sort: str, locale: str) -> list[dict]:
    return cache.memoize("ranking", (kind, filters.group_id, filters.year, sort, locale),
                         lambda: ranking(session, kind, filters, sort, locale), clock=True)


def flag_counts(session) -> dict[str, int]:
    """{kind: number of stored flags} over the whole country, for the dashboard."""
    from sqlalchemy import func

    counts = dict(session.execute(select(RedFlag.kind, func.count()).group_by(RedFlag.kind)))
    return {kind.value: int(counts.get(kind, 0)) for kind in FlagKind}
