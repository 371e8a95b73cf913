"""The dashboard as one plain dictionary: figures, tables and chart geometry.

`build(session, filters, locale)` reads the figures from the counters that every change
keeps up to date (`counters`, a fixed number of statements, see `QUERIES`) and folds
their few aggregated rows; templates only display the result.

The aggregated rows do not depend on the language: they are cached per filter set and
data version (`marketplace.cache.memoize`), so a dashboard costs one query (the data
version) until the next public change, and a few milliseconds after it, at any scale
(issue 21: nothing is recomputed over the whole data, in a request or in the worker).
The folding into labels, money and charts runs on every request, in the reader's
language. `recount` computes the same rows from scratch (`queries`): the reference the
counters are checked against."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _

from marketplace import cache
from marketplace.accounts.models import OrgKind
from marketplace.challenges.models import ChallengeStatus
from marketplace.dashboard import charts, counters, queries
from marketplace.i18n import number, vnd
from marketplace.labels import label
from marketplace.outcomes import queries as outcome_queries
from marketplace.scorecards.models import FlagKind
from marketplace.types import utcnow

QUERIES = 4  # statements `figures` runs, whatever the data: tests hold it to this

SOLO_KINDS = (OrgKind.STARTUP, OrgKind.INSTITUTE, OrgKind.UNIVERSITY, OrgKind.ENTERPRISE)


def _round(value, places: str = "0.1") -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _year(value) -> int | None:
    return value.astimezone(queries.VIETNAM).year if value else None


def _statuses(rows) -> list[dict]:
    counts: dict[ChallengeStatus, int] = {}
    for status, _group, count in rows:
        counts[status] = counts.get(status, 0) + count
    return [{"status": s, "label": label(s), "count": counts.get(s, 0)}
            for s in queries.STATUS_ORDER]


def _groups(rows, groups: dict[int, tuple], locale: str) -> list[dict]:
    counts: dict[int | None, int] = {}
    for _status, group_id, count in rows:
        counts[group_id] = counts.get(group_id, 0) + count
    result = []
    for group_id, count in counts.items():
        code, name_vi, name_en, _decision = groups.get(group_id, ("", "—", "—", ""))
        name = name_en if locale == "en" and name_en else name_vi
        result.append({"id": group_id, "code": code, "label": f"{code}. {name}" if code else name,
                       "count": count})
    return sorted(result, key=lambda g: (-g["count"], g["label"]))


def _bidders(rows) -> dict:
    solo = {kind: 0 for kind in SOLO_KINDS}
    consortia = sse = 0
    for kind, consortium, is_sse, count in rows:
        if consortium:
            consortia += count
            sse += count if is_sse else 0
        elif kind in solo:
            solo[kind] += count
    table = [{"kind": kind.value, "label": label(kind), "count": count}
             for kind, count in solo.items()]
    table.append({"kind": "consortium", "label": _("Consortia"), "count": consortia})
    return {"rows": table, "consortia": consortia, "sse": sse,
            "total": sum(solo.values()) + consortia}


def _money(rows) -> dict:
    committed: dict[str, int] = {}
    paid: dict[str, int] = {}
    for series, month, amount in rows:
        (committed if series == "committed" else paid)[month] = amount
    months = sorted(set(committed) | set(paid))
    table, running_c, running_p = [], 0, 0
    for month in months:
        running_c += committed.get(month, 0)
        running_p += paid.get(month, 0)
        table.append({"month": month, "committed": committed.get(month, 0),
                      "paid": paid.get(month, 0), "committed_total": running_c,
                      "paid_total": running_p})
    chart = charts.monthly_pairs(months, [("chart-bar-committed", _("Committed"), committed),
                                          ("chart-bar-paid", _("Paid"), paid)], display=vnd)
    return {"rows": table, "committed": running_c, "paid": running_p, "chart": chart,
            "paid_share": _round(100 * running_p / running_c) if running_c else None}


def _by_status_and_group(challenge_rows) -> list[tuple]:
    """[(status, technology_group_id, challenges)]: the buckets of bids summed up."""
    counts: dict[tuple, int] = {}
    for status, group_id, _bucket, count, _bids in challenge_rows:
        counts[status, group_id] = counts.get((status, group_id), 0) + count
    return [(status, group_id, count) for (status, group_id), count in counts.items()]


def _bid_buckets(challenge_rows) -> dict[str, tuple[int, int]]:
    """{bucket: (challenges, bids)} over the challenges whose bids are public (closed)."""
    buckets: dict[str, tuple[int, int]] = {}
    for _status, _group_id, bucket, count, bids in challenge_rows:
        if bucket is not None:
            challenges, total = buckets.get(bucket, (0, 0))
            buckets[bucket] = (challenges + count, total + bids)
    return buckets


def _top_agencies(agency_rows) -> list[tuple]:
    """[(agency id, name_vi, name_en, pilots, value)]: the `TOP_AGENCIES` agencies with the
    most public pilot orders, then the largest value."""
    with_pilots = [row for row in agency_rows if row[3]]
    ranked = sorted(with_pilots, key=lambda row: (-row[3], -row[4], row[0]))  # pilots, value, id
    return ranked[:queries.TOP_AGENCIES]


def recount(session, filters: queries.Filters) -> dict:
    """The aggregated rows behind every figure computed from scratch over the whole data
    (`queries`, seconds at national scale): the reference the counters are checked
    against (`flask dashboard check`, the tests). Same shape as `counters.figures`."""
    head = dict(queries.headline(session, filters))
    head["first_year"], head["last_year"] = _year(head.pop("first")), _year(head.pop("last"))
    agency_rows, group_rows = queries.options(session, filters)
    challenge_rows = queries.challenges_and_bids(session, filters)
    return {
        "by_status_group": _by_status_and_group(challenge_rows),
        "buckets": _bid_buckets(challenge_rows),
        "bidders": [tuple(r) for r in queries.bidders(session, filters)],
        "money": queries.money_by_month(session, filters),
        "head": head,
        "agencies": _top_agencies(agency_rows),
        "agency_options": [(aid, vi, en) for aid, vi, en, _pilots, _value in agency_rows],
        "group_rows": group_rows,
        "scale_up": outcome_queries.scale_up(session),  # issue 17, one statement
    }


def figures(session, filters: queries.Filters) -> dict:
    """The aggregated rows behind every figure, read from the counters the changes keep
    up to date (`counters.figures`, `QUERIES` statements whatever the data)."""
    return counters.figures(session, filters)


def cached_figures(session, filters: queries.Filters) -> tuple[dict, datetime]:
    """The figures and when they were read. Read from the counters, they cost a few
    milliseconds at any scale, so they are read by the request that first asks for them
    after a public change and kept for that data version (`cache.memoize`): a private
    change moves neither them nor their time (issue 14), and nothing is recomputed later,
    in the web process or the worker (issue 15)."""
    return cache.memoize("dashboard", (filters.agency_id, filters.province, filters.group_id,
                                       filters.year),
                         lambda: (figures(session, filters), utcnow()))


def build(session, filters: queries.Filters, locale: str = "vi") -> dict:
    data, as_of = cached_figures(session, filters)
    return fold(data, as_of, locale)


def fold(data: dict, as_of: datetime, locale: str = "vi") -> dict:
    """The page's figures, tables and charts from the aggregated rows (`figures`), in
    `locale`: labels, money and chart geometry."""
    by_status_group = data["by_status_group"]
    buckets = data["buckets"]
    bidder_rows = data["bidders"]
    money_rows = data["money"]
    head = data["head"]
    agencies = data["agencies"]
    agency_options = data["agency_options"]
    group_rows = data["group_rows"]

    groups = {gid: (code, vi, en, decision) for gid, code, vi, en, decision in group_rows}
    statuses = _statuses(by_status_group)
    by_group = _groups(by_status_group, groups, locale)
    bid_table = [{"label": key, "challenges": buckets.get(key, (0, 0))[0]}
                 for key in [k for _u, k in queries.BID_BUCKETS] + [queries.BID_BUCKET_OVER]]
    closed_challenges = sum(c for c, _b in buckets.values())
    total_bids = sum(b for _c, b in buckets.values())
    who = _bidders(bidder_rows)
    money = _money(money_rows)
    top = [{"id": aid, "name": en if locale == "en" and en else vi, "pilots": pilots,
            "value": int(value or 0)} for aid, vi, en, pilots, value in agencies]
    completed = head["completed"] or 0
    first, last = head["first_year"], head["last_year"]
    return {
        "as_of": as_of,
        # issue 17: the scale-up record, over the whole site (not filtered)
        "scale_up_record": data["scale_up"],
        "challenges_total": sum(s["count"] for s in statuses),
        "statuses": statuses,
        "status_chart": charts.horizontal_bars(
            [(s["label"], s["count"], number(s["count"])) for s in statuses]),
        "groups": by_group,
        "group_chart": charts.horizontal_bars(
            [(g["label"], g["count"], number(g["count"])) for g in by_group]),
        "bids": {"rows": bid_table, "challenges": closed_challenges, "total": total_bids,
                 "mean": _round(total_bids / closed_challenges) if closed_challenges else None},
        "bids_chart": charts.horizontal_bars(
            [(row["label"], row["challenges"], number(row["challenges"])) for row in bid_table],
            label_width=80),
        "bidders": who,
        "bidders_chart": charts.horizontal_bars(
            [(row["label"], row["count"], number(row["count"])) for row in who["rows"]],
            label_width=180),
        "money": money,
        "days_to_award": _round(head["days_to_award"]),
        "days_to_payment": _round(head["days_to_payment"]),
        "completed": completed,
        "scale_up": head["scale_up"] or 0,
        "scale_up_share": _round(100 * (head["scale_up"] or 0) / completed) if completed else None,
        "satisfaction": {
            "agency": {"average": _round(head["agency_avg"], "0.01"), "count": head["agency_n"]},
            "solver": {"average": _round(head["solver_avg"], "0.01"), "count": head["solver_n"]},
        },
        "complaints": {"total": head.get("complaints") or 0,
                       "open": head.get("complaints_open") or 0,
                       "upheld": head.get("complaints_upheld") or 0},
        "red_flags": [(kind, head.get(f"flag_{kind.value}") or 0) for kind in FlagKind],
        "top_agencies": top,
        "top_chart": charts.horizontal_bars(
            [(row["name"], row["pilots"], number(row["pilots"])) for row in top]),
        "options": {
            "agencies": [(aid, en if locale == "en" and en else vi)
                         for aid, vi, en in agency_options],
            "groups": [(gid, f"{code}. {en if locale == 'en' and en else vi} ({decision})")
                       for gid, (code, vi, en, decision) in groups.items()],
            "years": list(range(last, first - 1, -1)) if first and last else [],
        },
    }
