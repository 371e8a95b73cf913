"""Reading challenges for the public pages and the agency's dashboard: a fixed, small
number of queries per page, whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.models import Organization, User
from marketplace.challenges.models import (
    PUBLIC_STATUSES,
    Challenge,
    ChallengeStatus,
    Clarification,
)
from marketplace.taxonomy.models import TechnologyGroup
from marketplace.types import utcnow

PAGE_SIZE = 20


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

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _filtered(filters: Filters, now):
    query = select(Challenge).where(Challenge.status.in_(PUBLIC_STATUSES))
    if filters.q:
        query = query.where(or_(Challenge.title.icontains(filters.q, autoescape=True),
                                Challenge.problem.icontains(filters.q, autoescape=True)))
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


def search_public(session, filters: Filters) -> Page:
    """Public challenges, newest first, filtered; two queries."""
    query = _filtered(filters, utcnow())
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = Page(total=total)
    page.page = min(max(1, filters.page), page.pages)
    page.items = list(session.scalars(
        query.options(joinedload(Challenge.agency), joinedload(Challenge.technology_group))
        .order_by(Challenge.published_at.desc(), Challenge.id.desc())
        .offset((page.page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return page


def agencies_with_public_challenges(session) -> list[Organization]:
    return list(session.scalars(select(Organization).where(Organization.id.in_(
        select(Challenge.agency_id).where(Challenge.status.in_(PUBLIC_STATUSES))))
        .order_by(Organization.name_vi)))


def load_for_page(session, challenge_id: int) -> Challenge | None:
    """A challenge with everything its page shows, in a fixed number of queries."""
    return session.scalar(select(Challenge).where(Challenge.id == challenge_id).options(
        joinedload(Challenge.agency), joinedload(Challenge.technology_group),
        selectinload(Challenge.criteria), selectinload(Challenge.amendments),
        selectinload(Challenge.clarifications)))


def agency_challenges(session, user: User) -> tuple[list[Challenge], dict[int, int]]:
    """The challenges of every agency the user belongs to, drafts included, with the
    number of questions waiting for an answer on each."""
    agency_ids = [m.organization_id for m in user.memberships if m.organization.is_agency]
    if not agency_ids:
        return [], {}
    challenges = list(session.scalars(
        select(Challenge).where(Challenge.agency_id.in_(agency_ids))
        .options(joinedload(Challenge.agency), joinedload(Challenge.technology_group))
        .order_by(Challenge.created_at.desc(), Challenge.id.desc())))
    waiting = dict(session.execute(
        select(Clarification.challenge_id, func.count())
        .where(Clarification.challenge_id.in_([c.id for c in challenges]),
               Clarification.answered_at.is_(None))
        .group_by(Clarification.challenge_id)).all()) if challenges else {}
    return challenges, waiting
