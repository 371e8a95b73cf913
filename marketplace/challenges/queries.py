"""Reading challenges for the public pages and the agency's dashboard: a fixed, small
number of queries per page, whatever the number of rows."""

from __future__ import annotations

from dataclasses import astuple, dataclass, field, replace
from datetime import date, datetime
from math import ceil
from typing import NamedTuple

from sqlalchemy import bindparam, func, select

from marketplace import cache, keyset
from marketplace.accounts.models import Organization, User
from marketplace.challenges.models import (
    PUBLIC_STATUSES,
    Challenge,
    ChallengeStatus,
    Clarification,
)
from marketplace.search.services import matching
from marketplace.taxonomy.models import TaxonomyVersion, TechnologyGroup
from marketplace.types import utcnow

PAGE_SIZE = 20
# `?page=N` (OFFSET, at most 180 rows skipped) is served up to here, for the links of
# before; the site's own links are cursors (`?after=`/`?before=`, `marketplace.keyset`):
# a page's cost does not grow with its position
NUMBERED_PAGES = 10

@dataclass
class Filters:
    q: str = ""
    group: str = ""
    status: str = ""
    agency: int | None = None
    province: str = ""
    budget_min: int | None = None
    budget_max: int | None = None
    open_only: bool = False
    page: int = 1

    def active(self) -> bool:
        return any([self.q, self.group, self.status, self.agency, self.province,
                    self.budget_min is not None, self.budget_max is not None, self.open_only])


@dataclass
class Page:
    items: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = PAGE_SIZE
    sort: str = "published_at"  # the attribute of the items the cursors hold (with `id`)

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages and len(self.items) == self.per_page

    def prev_args(self) -> dict[str, str]:
        """The query arguments of the previous page: none for the first, else the cursor
        of this page's first row (`before`)."""
        if self.page <= 2 or not self.items:
            return {}
        first = self.items[0]
        return {"before": keyset.encode(getattr(first, self.sort), first.id, self.page - 1)}

    def next_args(self) -> dict[str, str]:
        """The query arguments of the next page: the cursor of this page's last row
        (`after`), from every page, so that a visitor's way to page 5,000 never counts
        rows off."""
        last = self.items[-1]
        return {"after": keyset.encode(getattr(last, self.sort), last.id, self.page + 1)}


class Names(NamedTuple):
    """An agency's or a technology group's names, for a list row: `display_name` is the
    model's own (`Organization.display_name`; a group's rule is the same)."""
    name_vi: str
    name_en: str | None

    display_name = Organization.display_name


class PublicChallengeRow(NamedTuple):
    """A row of the public list (and its feed): what they show of a challenge, read as
    columns — no ORM object, Markdown text, JSON or the other dates of a challenge."""
    id: int
    title: str
    status: ChallengeStatus
    province: str | None
    budget_ceiling: int
    submission_deadline: datetime | None
    published_at: datetime | None
    agency: Names
    technology_group: Names | None


# the columns of a `PublicChallengeRow`, in its order (then the names, joined)
_PUBLIC_ROW_COLUMNS = (Challenge.id, Challenge.title, Challenge.status, Challenge.province,
                       Challenge.budget_ceiling, Challenge.submission_deadline,
                       Challenge.published_at, Organization.name_vi, Organization.name_en,
                       TechnologyGroup.name_vi, TechnologyGroup.name_en)


def _public_rows(session, statement) -> list[PublicChallengeRow]:
    return [PublicChallengeRow(*row[:7], Names(row[7], row[8]),
                               Names(row[9], row[10]) if row[9] is not None else None)
            for row in session.execute(statement)]


def _filtered(filters: Filters, now):
    query = select(Challenge).where(Challenge.is_public)
    if filters.q:  # what /search finds (the search engine's notion of "matches")
        query = query.where(matching(Challenge.id, filters.q))
    if filters.group:
        query = query.where(Challenge.technology_group_id.in_(
            select(TechnologyGroup.id).where(TechnologyGroup.code == filters.group)))
    if filters.status in {s.value for s in PUBLIC_STATUSES}:
        query = query.where(Challenge.status == filters.status)
    if filters.agency is not None:
        query = query.where(Challenge.agency_id == filters.agency)
    if filters.province:
        query = query.where(Challenge.province == filters.province)
    if filters.budget_min is not None:
        query = query.where(Challenge.budget_ceiling >= filters.budget_min)
    if filters.budget_max is not None:
        query = query.where(Challenge.budget_ceiling <= filters.budget_max)
    if filters.open_only:
        query = query.where(Challenge.status == ChallengeStatus.PUBLISHED,
                            Challenge.submission_deadline > now)
    return query


def count_public(session, filters: Filters, query=None) -> int:
    """The number of public challenges that match, cached per filter set and data version
    (and for `CACHE_PAGE_TTL` at most: "open only" depends on the clock)."""
    query = _filtered(filters, utcnow()) if query is None else query
    return cache.memoize(
        "challenges.count", astuple(replace(filters, page=0)),
        lambda: session.scalar(select(func.count()).select_from(
            query.order_by(None).subquery())), clock=True)


def search_public(session, filters: Filters, cursor: keyset.Cursor | None = None) -> Page:
    """Public challenges (`PublicChallengeRow`s), newest first (published_at, id),
    filtered; two queries (the count is often cached). A page of a `cursor`
    (`keyset.decode` of `?after=`/`?before=`, the site's own links) by keyset:
    `WHERE (published_at, id) < (…)`, the same statements at page 2 and page 5,000; a
    `before` cursor that reaches the newest rows gives page 1. Without one, page
    `filters.page` up to `NUMBERED_PAGES` (the links of before: OFFSET, at most 180 rows
    skipped; a larger number reads as the last of them)."""
    now = utcnow()
    query = _filtered(filters, now)
    page = Page(total=count_public(session, filters, query))
    # outer joins, as the objects' joinedload wrote them: the challenges' index drives the
    # page (an inner join lets SQLite start from the organizations)
    rows = (query.with_only_columns(*_PUBLIC_ROW_COLUMNS)
            .outerjoin(Organization, Organization.id == Challenge.agency_id)
            .outerjoin(TechnologyGroup, TechnologyGroup.id == Challenge.technology_group_id))
    published, ids = Challenge.published_at, Challenge.id
    if cursor is not None:
        items = _public_rows(session, rows.where(keyset.beyond(published, ids, cursor))
                             .order_by(*keyset.order(published, ids, cursor))
                             .limit(PAGE_SIZE))
        if cursor.backward:
            items.reverse()
        if items and (not cursor.backward or len(items) == PAGE_SIZE):
            page.items = items
            page.page = min(max(cursor.number, 2), max(page.pages, 2))
            return page
    page.page = min(max(1, filters.page), page.pages, NUMBERED_PAGES)
    page.items = _public_rows(session, rows.order_by(published.desc(), ids.desc())
                              .offset((page.page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return page


class GroupOption(NamedTuple):
    code: str
    name_vi: str


def current_group_options(session, on: date | None = None) -> list[GroupOption]:
    """The groups of today's taxonomy version, for the filter: one statement (the rule of
    `taxonomy.services.current_version`, as a subquery)."""
    on = on or date.today()
    current = (select(TaxonomyVersion.id)
               .where(TaxonomyVersion.valid_from <= on,
                      TaxonomyVersion.valid_to.is_(None) | (TaxonomyVersion.valid_to > on))
               .order_by(TaxonomyVersion.valid_from.desc()).limit(1).scalar_subquery())
    return [GroupOption(*row) for row in session.execute(
        select(TechnologyGroup.code, TechnologyGroup.name_vi)
        .where(TechnologyGroup.version_id == current).order_by(TechnologyGroup.position))]


class AgencyOption(NamedTuple):
    id: int
    name_vi: str


def agencies_with_public_challenges(session) -> list[AgencyOption]:
    """Agencies with at least one public challenge, for the filter; EXISTS on the
    (agency_id, status) index, cached per data version (it changes when a challenge is
    published, which writes an audit event)."""
    def compute():
        with_public = (select(Challenge.id).where(Challenge.agency_id == Organization.id,
                                                  Challenge.is_public)
                       .exists())
        return [AgencyOption(*row) for row in session.execute(
            select(Organization.id, Organization.name_vi).where(with_public)
            .order_by(Organization.name_vi, Organization.id))]
    return cache.memoize("challenges.agencies", (), compute)


# what a challenge's page shows: joined into the lookup that decides whether the challenge
# is known (`web.lookup_or_404`), then each collection in one statement
PAGE_JOINED = ("agency", "technology_group", "red_flags")
PAGE_COLLECTIONS = ("criteria", "amendments", "clarifications")


class AgencyChallengeRow(NamedTuple):
    """A row of the officer's "my challenges": what the list shows of a challenge, its
    agency being the user's own organization (from `user.memberships`, already loaded
    with the user), not a copy read again."""
    id: int
    title: str
    status: ChallengeStatus
    submission_deadline: datetime | None
    created_at: datetime
    agency: Organization


# the columns of a row of `agency_challenges`, in `AgencyChallengeRow`'s order (the agency
# by its id): no ORM object, no Markdown text, JSON or the other ten dates of a challenge
_AGENCY_ROW_COLUMNS = (Challenge.id, Challenge.title, Challenge.status,
                       Challenge.submission_deadline, Challenge.created_at, Challenge.agency_id)
# The statements of the list's first page (the one every visit starts at), built once
# with the agencies and challenges bound when they run: SQLAlchemy keeps the cache key
# of a statement object, where statements built per request were coerced and keyed
# again each time. Same SQL as before (an IN list expanded per execution).
_OF_AGENCIES = Challenge.agency_id.in_(bindparam("agency_ids", expanding=True))
_AGENCY_COUNT = select(func.count()).select_from(Challenge).where(_OF_AGENCIES)
_AGENCY_ROWS = select(*_AGENCY_ROW_COLUMNS).where(_OF_AGENCIES)
_AGENCY_FIRST_PAGE = _AGENCY_ROWS.order_by(
    Challenge.created_at.desc(), Challenge.id.desc()).limit(PAGE_SIZE)
_QUESTIONS_WAITING = (
    select(Clarification.challenge_id, func.count())
    .where(Clarification.challenge_id.in_(bindparam("challenge_ids", expanding=True)),
           Clarification.answered_at.is_(None))
    .group_by(Clarification.challenge_id))


def agency_challenges(session, user: User, cursor: keyset.Cursor | None = None
                      ) -> tuple[Page, dict[int, int]]:
    """One page (`PAGE_SIZE`) of the challenges of every agency the user belongs to, drafts
    included, newest created first (`AgencyChallengeRow`s), with the number of questions
    waiting for an answer on each challenge of the page: three statements (count, page,
    questions) whatever the number of challenges or the page's position. The first page,
    or the page of a `cursor` (`keyset.decode` of `?after=`/`?before=`) by keyset on
    (created_at, id); a `before` cursor that reaches the newest rows gives the first
    page."""
    agencies = {m.organization_id: m.organization for m in user.memberships
                if m.organization.is_agency}
    page = Page(sort="created_at")
    if not agencies:
        return page, {}
    bound = {"agency_ids": list(agencies)}
    page.total = session.scalar(_AGENCY_COUNT, bound)
    created, ids = Challenge.created_at, Challenge.id

    def rows(statement) -> list[AgencyChallengeRow]:
        return [AgencyChallengeRow(*row[:5], agencies[row[5]])
                for row in session.execute(statement, bound)]

    if cursor is not None:
        items = rows(_AGENCY_ROWS.where(keyset.beyond(created, ids, cursor))
                     .order_by(*keyset.order(created, ids, cursor)).limit(PAGE_SIZE))
        if cursor.backward:
            items.reverse()
        if items and (not cursor.backward or len(items) == PAGE_SIZE):
            page.items = items
            page.page = min(max(cursor.number, 2), max(page.pages, 2))
    if not page.items:
        page.items = rows(_AGENCY_FIRST_PAGE)
    waiting = dict(session.execute(
        _QUESTIONS_WAITING, {"challenge_ids": [c.id for c in page.items]}).all()
    ) if page.items else {}
    return page, waiting
