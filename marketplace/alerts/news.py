"""What is news for a follow, read from the public audit events (the sentences of the
activity stream, `activity.services.describe`), and the saved searches.

- a challenge: the public events of the challenge, its clarifications, award, pilot
  orders (and their milestones) and complaints;
- an agency: the same for every challenge of the agency, and the agency itself;
- a technology group: the same for every challenge in the group;
- a saved search: each newly published challenge that the search finds.

A saved search is stored as "challenges?<filters>" (the public list's filters, the
same rules as `/challenges/`) or "search?q=…&<facets>" (the full-text search of
`/search`), its arguments sorted, empty ones and `page` dropped."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from sqlalchemy import and_, false, or_, select
from werkzeug.datastructures import MultiDict

from marketplace.activity.services import FOLDED, ActivityItem, describe
from marketplace.audit.models import AuditEvent
from marketplace.challenges.models import Challenge, Clarification
from marketplace.complaints.models import Complaint
from marketplace.evaluation.models import Award
from marketplace.orders.models import Milestone, PilotOrder
from marketplace.search.backend import FACETS, MAX_QUERY_LENGTH
from marketplace.types import utcnow

CHALLENGE_FILTERS = ("q", "group", "status", "agency", "province", "budget_min",
                     "budget_max", "open_only")
SEARCH_PAGE = 100  # a saved full-text search looks at its best 100 hits for news
PER_FOLLOW = 50  # events told per follow in one mail (the rest: "and more" on the site)


# --- saved searches -------------------------------------------------------------------

def saved_search(path: str, args) -> str:
    """The stored form of a search: `path` "challenges" or "search", the arguments that
    matter, sorted. ValueError when there is nothing to follow (no filter, no words)."""
    if path == "challenges":
        keys = CHALLENGE_FILTERS
    elif path == "search":
        keys = ("q", *FACETS)
    else:
        raise ValueError(path)
    pairs = sorted((k, str(v).strip()[:MAX_QUERY_LENGTH]) for k, v in
                   MultiDict(args).items(multi=True) if k in keys and str(v).strip())
    if not pairs or (path == "search" and not any(k == "q" for k, _ in pairs)):
        raise ValueError("nothing to follow")
    return f"{path}?{urlencode(pairs)}"


def split(query: str) -> tuple[str, MultiDict]:
    path, _, qs = query.partition("?")
    return path, MultiDict(parse_qsl(qs))


def saved_search_url(query: str) -> str:
    """The page of the saved search on this site (a path)."""
    path, args = split(query)
    return ("/challenges/?" if path == "challenges" else "/search?") + urlencode(
        list(args.items(multi=True)))


def challenge_filters(session, args):
    """`challenges.queries.Filters` from the list's arguments, by the list's own form
    (a value that does not parse is ignored there too)."""
    from marketplace.challenges.forms import FilterForm
    from marketplace.challenges.queries import (
        agencies_with_public_challenges,
        current_group_options,
    )

    form = FilterForm(args)
    form.setup(current_group_options(session), agencies_with_public_challenges(session))
    return form.filters(page=1)


def search_request(args, per_page: int):
    from marketplace.search.services import SearchRequest

    filters = {name: args.get(name, "").strip()[:40] for name in FACETS}
    return SearchRequest(args.get("q", "").strip()[:MAX_QUERY_LENGTH],
                         {k: v for k, v in filters.items() if v}, per_page=per_page)


def search_matches(session, query: str, candidates: list[int]) -> list[int]:
    """Which of the challenges `candidates` the saved search finds."""
    if not candidates:
        return []
    path, args = split(query)
    if path == "challenges":
        from marketplace.challenges.queries import _filtered

        stmt = _filtered(challenge_filters(session, args), utcnow()).where(
            Challenge.id.in_(candidates)).with_only_columns(Challenge.id)
        return list(session.scalars(stmt))
    from marketplace.search import services as search

    try:
        page = search.search(search_request(args, SEARCH_PAGE))
    except search.QueryError:
        return []
    found = {hit.fields.get("challenge_id") for hit in page.hits}
    return [c for c in candidates if c in found]


# --- the events of a follow ---------------------------------------------------------------

def _about(object_type: str, model, ids_query):
    return and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_(ids_query))


def challenge_scope(challenge_ids):
    """The public events about the challenges `challenge_ids` (a list or a SELECT of
    ids) and what belongs to them."""
    orders = select(PilotOrder.id).where(PilotOrder.challenge_id.in_(challenge_ids))
    return or_(
        _about("challenges", Challenge, challenge_ids),
        _about("clarifications", Clarification,
               select(Clarification.id).where(Clarification.challenge_id.in_(challenge_ids))),
        _about("awards", Award, select(Award.id).where(Award.challenge_id.in_(challenge_ids))),
        _about("pilot_orders", PilotOrder, orders),
        _about("milestones", Milestone,
               select(Milestone.id).where(Milestone.order_id.in_(orders))),
        _about("complaints", Complaint,
               select(Complaint.id).where(Complaint.challenge_id.in_(challenge_ids))),
    )


def scope(kind: str, target_id: int | None):
    """The condition on `AuditEvent` of a challenge, agency or group follow."""
    if kind == "challenge":
        return challenge_scope([target_id])
    if kind == "agency":
        return or_(challenge_scope(select(Challenge.id).where(Challenge.agency_id == target_id)),
                   and_(AuditEvent.object_type == "organizations",
                        AuditEvent.object_id == target_id))
    if kind == "group":
        return challenge_scope(select(Challenge.id).where(
            Challenge.technology_group_id == target_id))
    raise ValueError(kind)


def _public(after_id: int, upto_id: int | None):
    query = select(AuditEvent).where(AuditEvent.public.is_(True),
                                     AuditEvent.action.not_in(FOLDED),
                                     AuditEvent.id > after_id)
    if upto_id is not None:
        query = query.where(AuditEvent.id <= upto_id)
    return query


def events_for(session, follow, upto_id: int, limit: int = PER_FOLLOW) -> list[AuditEvent]:
    """The public events after the follow's cursor up to `upto_id` that are news for it,
    oldest first, at most `limit`."""
    query = _public(follow.last_event_id, upto_id)
    if follow.kind == "search":
        published = list(session.scalars(query.where(
            AuditEvent.action == "challenge.published",
            AuditEvent.object_type == "challenges").with_only_columns(AuditEvent.object_id)))
        found = search_matches(session, follow.query, [c for c in published if c])
        condition = (and_(AuditEvent.action == "challenge.published",
                          AuditEvent.object_type == "challenges",
                          AuditEvent.object_id.in_(found)) if found else false())
    else:
        condition = scope(follow.kind, follow.target_id)
    return list(session.scalars(query.where(condition).order_by(AuditEvent.id).limit(limit)))


def latest_event_id(session) -> int:
    from sqlalchemy import func

    return session.scalar(select(func.max(AuditEvent.id)).where(
        AuditEvent.public.is_(True))) or 0


def recent_items(session, kind: str, target_id: int, limit: int = 50) -> list[ActivityItem]:
    """The newest public events of a challenge, agency or group, told as sentences with
    absolute links (the Atom feeds)."""
    events = list(session.scalars(_public(0, None).where(scope(kind, target_id))
                                  .order_by(AuditEvent.id.desc()).limit(limit)))
    return describe(session, events, external=True)
