"""The dashboard's figures: a fixed handful of aggregate queries, whatever the data size.

Every figure is computed by the database (GROUP BY, COUNT, SUM, AVG); Python only folds
the few aggregated rows that come back (one per status, group and bucket of bids, month,
agency of the filter's choices…). The two medians are computed in SQL too, portably,
with window functions (exact median: the mean of the one or two middle rows of the
ordered durations), so no list of durations ever leaves the database.

The filters narrow the challenges (agency, province of the pilot, technology group, year
of publication); every other figure follows from the challenges that remain: their bids,
their orders, their payments and ratings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import (
    BigInteger,
    String,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from marketplace.accounts.models import Organization, OrgKind
from marketplace.challenges.models import PUBLIC_STATUSES, Challenge, ChallengeStatus
from marketplace.complaints.models import OPEN_STATUSES as OPEN_COMPLAINT
from marketplace.complaints.models import Complaint, ComplaintStatus
from marketplace.dashboard.sql import days_between, days_since_local_date, local_month
from marketplace.opendata.visibility import (
    BID_STATUSES,
    COMMITTED_ORDER_STATUSES,
    bids_public,
    public_challenge,
    public_order,
    public_payment,
)
from marketplace.orders.models import (
    Milestone,
    MilestoneStatus,
    OrderStatus,
    PilotOrder,
    Rating,
    RatingSide,
)
from marketplace.params import parse_int
from marketplace.payments.models import Payment
from marketplace.provinces import PROVINCES
from marketplace.submissions.models import ConsortiumPartner, PartnerStatus, Submission
from marketplace.taxonomy.models import TaxonomyVersion, TechnologyGroup

VIETNAM = timezone(timedelta(hours=7))
BUSINESS_KINDS = (OrgKind.STARTUP, OrgKind.ENTERPRISE)
ACADEMIC_KINDS = (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)
# Buckets of "bids per challenge": (upper bound inclusive, key).
BID_BUCKETS = ((0, "0"), (1, "1"), (2, "2"), (5, "3–5"), (10, "6–10"))
BID_BUCKET_OVER = "> 10"
TOP_AGENCIES = 10


def _positive_int(value: str | None) -> int | None:
    return parse_int(value, min=1)


@dataclass(frozen=True)
class Filters:
    agency_id: int | None = None
    province: str | None = None
    group_id: int | None = None
    year: int | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        """Whatever the query string holds, unknown or malformed values are ignored."""
        province = args.get("province") or None
        year = _positive_int(args.get("year"))
        return cls(
            agency_id=_positive_int(args.get("agency")),
            province=province if province in PROVINCES else None,
            group_id=_positive_int(args.get("group")),
            year=year if year and 2000 <= year <= 2100 else None,
        )

    @property
    def active(self) -> bool:
        return any((self.agency_id, self.province, self.group_id, self.year))

    def conditions(self) -> list:
        """WHERE clauses on `Challenge`: public, and whatever the filters ask."""
        clauses = [public_challenge()]
        if self.agency_id:
            clauses.append(Challenge.agency_id == self.agency_id)
        if self.province:
            clauses.append(Challenge.province == self.province)
        if self.group_id:
            clauses.append(Challenge.technology_group_id == self.group_id)
        if self.year:
            # a range on the indexed column, in Viet Nam's calendar
            start = datetime(self.year, 1, 1, tzinfo=VIETNAM).astimezone(UTC)
            end = datetime(self.year + 1, 1, 1, tzinfo=VIETNAM).astimezone(UTC)
            clauses += [Challenge.published_at >= start, Challenge.published_at < end]
        return clauses


def challenges_and_bids(session, filters: Filters) -> list[tuple]:
    """[(status, technology_group_id, bids bucket, challenges, bids)]: the breakdowns by
    status and by group, and the distribution of bids per challenge, from one GROUP BY.

    The bucket (a key of `BID_BUCKETS`, or `BID_BUCKET_OVER`) is None for the challenges
    whose bids are not public yet (not closed); a closed challenge with no bid is in "0"."""
    per_challenge = (
        select(Challenge.status, Challenge.technology_group_id,
               case((bids_public(), func.count(Submission.id))).label("bids"))
        .select_from(Challenge)
        .outerjoin(Submission, and_(Submission.challenge_id == Challenge.id,
                                    Submission.status.in_(BID_STATUSES), bids_public()))
        .where(*filters.conditions())
        .group_by(Challenge.id)  # its other columns follow from the primary key
        .subquery())
    bucket = case((per_challenge.c.bids.is_(None), None),
                  *[(per_challenge.c.bids <= upper, literal_column(str(i)))
                    for i, (upper, _key) in enumerate(BID_BUCKETS)],
                  else_=literal_column(str(len(BID_BUCKETS))))
    bucketed = select(per_challenge.c.status, per_challenge.c.technology_group_id,
                      bucket.label("bucket"), per_challenge.c.bids).subquery()
    rows = session.execute(
        select(bucketed.c.status, bucketed.c.technology_group_id, bucketed.c.bucket,
               func.count(), func.coalesce(func.sum(bucketed.c.bids), 0))
        .group_by(bucketed.c.status, bucketed.c.technology_group_id, bucketed.c.bucket)).all()
    keys = [key for _upper, key in BID_BUCKETS] + [BID_BUCKET_OVER]
    return [(status, group_id, None if index is None else keys[int(index)], int(count),
             int(bids)) for status, group_id, index, count, bids in rows]


def partner_kinds(*where):
    """A subquery (submission_id, business 1/0, academic 1/0) of the bids with accepted
    partners: whether one of them is a startup or an enterprise, a university or an
    institute. `where`: more conditions on `ConsortiumPartner`."""
    partner = aliased(Organization)
    return (
        select(ConsortiumPartner.submission_id,
               func.max(case((partner.kind.in_(BUSINESS_KINDS), 1), else_=0)).label("business"),
               func.max(case((partner.kind.in_(ACADEMIC_KINDS), 1), else_=0)).label("academic"))
        .join(partner, partner.id == ConsortiumPartner.organization_id)
        .where(ConsortiumPartner.status == PartnerStatus.ACCEPTED, *where)
        .group_by(ConsortiumPartner.submission_id)
        .subquery())


def consortium_and_sse(lead, partners) -> tuple:
    """(is consortium 1/0, is State–School–Enterprise 1/0) of a bid led by `lead` (an
    aliased `Organization`) outer-joined to `partners` (`partner_kinds`)."""
    in_consortium = partners.c.submission_id.is_not(None)
    sse = case((and_(in_consortium,
                     or_(lead.kind.in_(BUSINESS_KINDS), partners.c.business == 1),
                     or_(lead.kind.in_(ACADEMIC_KINDS), partners.c.academic == 1)), 1), else_=0)
    return case((in_consortium, 1), else_=0), sse


def bidders(session, filters: Filters) -> list[tuple]:
    """[(lead kind, is consortium, is State–School–Enterprise, count)] of public bids.

    A consortium is a bid with at least one accepted partner; it links State, School and
    Enterprise when its lead and accepted partners together include a startup or an
    enterprise and a university or an institute (the state is the agency). One pass over
    the bids: the partners (a few per consortium) are summed up per bid first."""
    lead = aliased(Organization)
    partners = partner_kinds()
    consortium, sse = consortium_and_sse(lead, partners)
    return session.execute(
        select(lead.kind, consortium, sse, func.count())
        .select_from(Submission)
        .join(Challenge, Challenge.id == Submission.challenge_id)
        .join(lead, lead.id == Submission.organization_id)
        .outerjoin(partners, partners.c.submission_id == Submission.id)
        .where(*filters.conditions(), bids_public(), Submission.status.in_(BID_STATUSES))
        .group_by(lead.kind, consortium, sse)).all()


def money_by_month(session, filters: Filters) -> list[tuple[str, str, int]]:
    """[(series, 'YYYY-MM', amount)]: committed (orders signed, by month of signature,
    not terminated) and paid (succeeded payments, by month of success)."""
    committed = (
        select(literal_column("'committed'").label("series"),
               local_month(PilotOrder.signed_at).label("month"),
               PilotOrder.value.label("amount"))
        .join(Challenge, Challenge.id == PilotOrder.challenge_id)
        .where(*filters.conditions(), PilotOrder.status.in_(COMMITTED_ORDER_STATUSES),
               PilotOrder.signed_at.is_not(None)))
    paid = (
        select(literal_column("'paid'"), local_month(Payment.succeeded_at), Payment.amount)
        .join(PilotOrder, PilotOrder.id == Payment.order_id)
        .join(Challenge, Challenge.id == PilotOrder.challenge_id)
        .where(*filters.conditions(), public_order(), public_payment()))
    money = union_all(committed, paid).subquery()
    rows = session.execute(
        select(money.c.series, money.c.month, func.sum(money.c.amount))
        .group_by(money.c.series, money.c.month)
        .order_by(money.c.month, money.c.series)).all()
    return [(series, month, int(amount)) for series, month, amount in rows]


def _median(durations):
    """The exact median of a one-column subquery `d`, in SQL (window functions)."""
    ranked = select(durations.c.d,
                    func.row_number().over(order_by=durations.c.d).label("rn"),
                    func.count().over().label("n")).subquery()
    return (select(func.avg(ranked.c.d))
            .where(or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2))
            .scalar_subquery())


def headline(session, filters: Filters) -> dict:
    """Medians, pilot outcomes, satisfaction and the years with data: one statement made
    of scalar subqueries."""
    conditions = filters.conditions()
    to_award = (select(days_between(Challenge.awarded_at, Challenge.published_at).label("d"))
                .where(*conditions, Challenge.status == ChallengeStatus.AWARDED,
                       Challenge.awarded_at.is_not(None))
                .subquery())
    # from acceptance to the transfer date the agency recorded (paid_on), not to the
    # moment the payment was typed in
    to_payment = (select(days_since_local_date(Payment.paid_on, Milestone.accepted_at)
                         .label("d"))
                  .select_from(Milestone)
                  .join(Payment, and_(Payment.milestone_id == Milestone.id, public_payment()))
                  .join(PilotOrder, PilotOrder.id == Milestone.order_id)
                  .join(Challenge, Challenge.id == PilotOrder.challenge_id)
                  .where(*conditions, public_order(), Milestone.status == MilestoneStatus.PAID,
                         Milestone.accepted_at.is_not(None), Payment.paid_on.is_not(None))
                  .subquery())

    def completed(column):
        return (select(column).select_from(PilotOrder)
                .join(Challenge, Challenge.id == PilotOrder.challenge_id)
                .where(*conditions, PilotOrder.status == OrderStatus.COMPLETED)
                .scalar_subquery())

    def rating(column, side: RatingSide):
        return (select(column).select_from(Rating)
                .join(PilotOrder, PilotOrder.id == Rating.order_id)
                .join(Challenge, Challenge.id == PilotOrder.challenge_id)
                .where(*conditions, public_order(), Rating.side == side)
                .scalar_subquery())

    def complaints(*where):  # issue 19: the public register's counts
        return (select(func.count()).select_from(Complaint)
                .join(Challenge, Challenge.id == Complaint.challenge_id)
                .where(*conditions, *where).scalar_subquery())

    def red_flags(kind):  # issue 18: the flags the worker stored, on these challenges
        from marketplace.scorecards.models import RedFlag

        return (select(func.count()).select_from(RedFlag)
                .join(Challenge, Challenge.id == RedFlag.challenge_id)
                .where(*conditions, RedFlag.kind == kind).scalar_subquery())

    from marketplace.scorecards.models import FlagKind

    years = select(func.min(Challenge.published_at)).where(public_challenge()).scalar_subquery()
    last = select(func.max(Challenge.published_at)).where(public_challenge()).scalar_subquery()
    row = session.execute(select(
        _median(to_award).label("days_to_award"),
        _median(to_payment).label("days_to_payment"),
        completed(func.count()).label("completed"),
        completed(func.count(case((PilotOrder.scale_up_recommended.is_(True), 1))))
        .label("scale_up"),
        rating(func.avg(Rating.average), RatingSide.AGENCY).label("agency_avg"),
        rating(func.count(), RatingSide.AGENCY).label("agency_n"),
        rating(func.avg(Rating.average), RatingSide.SOLVER).label("solver_avg"),
        rating(func.count(), RatingSide.SOLVER).label("solver_n"),
        years.label("first"), last.label("last"),
        complaints().label("complaints"),
        complaints(Complaint.status.in_(OPEN_COMPLAINT)).label("complaints_open"),
        complaints(Complaint.status == ComplaintStatus.UPHELD).label("complaints_upheld"),
        *[red_flags(kind).label(f"flag_{kind.value}") for kind in FlagKind],
    )).one()
    return row._asdict()


def _pilots_per_agency(filters: Filters):
    """A subquery (agency_id, pilots, value) of the public pilot orders under the filters."""
    return (select(PilotOrder.agency_id.label("agency_id"),
                   func.count(PilotOrder.id).label("pilots"),
                   func.sum(PilotOrder.value).label("value"))
            .join(Challenge, Challenge.id == PilotOrder.challenge_id)
            .where(*filters.conditions(), public_order())
            .group_by(PilotOrder.agency_id)
            .subquery())


def options(session, filters: Filters) -> tuple[list[tuple], list[tuple]]:
    """The filters' choices in one statement, each in its display order: agencies with at
    least one public challenge [(id, name_vi, name_en, pilots, value)], with their public
    pilot orders under `filters` (pilots 0, value None without any: the choices themselves
    do not depend on the filters), and the technology groups tagged on public challenges
    [(id, code, name_vi, name_en, decision)].

    An order belongs to the agency of its challenge, a public one: every agency with a
    pilot order is among the choices."""
    pilots = _pilots_per_agency(filters)
    agencies = (
        select(literal("agency").label("kind"), Organization.id.label("id"),
               literal(None, String).label("code"), Organization.name_vi.label("name_vi"),
               Organization.name_en.label("name_en"), literal(None, String).label("decision"),
               pilots.c.pilots.label("pilots"), pilots.c.value.label("value"),
               func.row_number().over(order_by=(Organization.name_vi, Organization.id))
               .label("pos"))
        .select_from(Organization)
        .outerjoin(pilots, pilots.c.agency_id == Organization.id)
        .where(select(Challenge.id).where(Challenge.agency_id == Organization.id,
                                          public_challenge()).exists()))
    used = select(Challenge.technology_group_id).where(public_challenge())
    groups = (
        select(literal("group"), TechnologyGroup.id, TechnologyGroup.code,
               TechnologyGroup.name_vi, TechnologyGroup.name_en, TaxonomyVersion.decision,
               literal(None, BigInteger), literal(None, BigInteger),
               func.row_number().over(order_by=(TaxonomyVersion.valid_from.desc(),
                                                 TechnologyGroup.position, TechnologyGroup.id)))
        .join(TaxonomyVersion, TaxonomyVersion.id == TechnologyGroup.version_id)
        .where(TechnologyGroup.id.in_(used)))
    both = union_all(agencies, groups).subquery()
    rows = session.execute(select(both).order_by(both.c.kind, both.c.pos)).all()
    return ([(r.id, r.name_vi, r.name_en, r.pilots or 0, r.value) for r in rows
             if r.kind == "agency"],
            [(r.id, r.code, r.name_vi, r.name_en, r.decision) for r in rows if r.kind == "group"])


STATUS_ORDER = list(PUBLIC_STATUSES)
