"""The OCDS 1.1 release package of the public contracting processes.

A published (or later) challenge is one contracting process, `ocid` =
`OCDS_PREFIX-<challenge id>`. Its releases are derived from the site's own history (status
times, amendments, documents, answered clarifications, complaints, award decisions,
signatures, contract amendments, acceptances, payments): one release per event, carrying
the data as it stood at that event. A later event never changes an earlier release, so
the feed is append-only: a release id names its event (`<ocid>-tender-amendment-<id>`,
`<ocid>-implementation-<order>-payment-<id>`, …) and keeps its content for good.

- Dates: every release of a process has its own date, in the order the events happened
  (two events in one second are one second apart, in the order tender, award, contract,
  implementation).
- Parties: each release lists every party of the process so far with the full list of
  its roles so far (OCDS merging replaces `roles` wholesale): buyer and procuring entity;
  `tenderer` for the bidders named in `tender.tenderers`; `supplier` once awarded;
  `payer`/`payee` once a payment succeeded. Identifiers use org-id.guide's `VN-TIN`
  (Viet Nam's tax identification number, which is also the enterprise code).
- Extensions: bids (`bids.statistics`, `bids.details`) and enquiries
  (`tender.enquiries`: answered clarifications, never the asker), both declared in the
  package; nothing outside the schema and those extensions.

Only public data (see `visibility`): no submission content ever, bid counts only once the
challenge closed, approved awards only, orders once signed (never their terms),
succeeded payments only.

A page holds `PAGE_SIZE` processes and costs a fixed number of queries (`QUERIES`),
whatever the page: the processes, then each kind of related row for all of them at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from flask_babel import force_locale
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Bundle, aliased

from marketplace.accounts.models import Organization, OrgKind
from marketplace.challenges.models import (
    Amendment,
    Challenge,
    ChallengeStatus,
    Clarification,
    Criterion,
)
from marketplace.complaints.models import Complaint
from marketplace.evaluation.models import Award, AwardItem
from marketplace.files.models import Attachment
from marketplace.formatting import vietnamese_thousands
from marketplace.labels import label
from marketplace.opendata.visibility import (
    BID_STATUSES,
    public_award,
    public_challenge,
    public_order,
    public_payment,
)
from marketplace.orders.models import (
    Milestone,
    MilestoneStatus,
    OrderAmendment,
    OrderKind,
    PilotOrder,
)
from marketplace.outcomes.ocds import follow_on_release
from marketplace.payments.models import Payment
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.taxonomy.models import TechnologyGroup

PAGE_SIZE = 100
QUERIES = 9
EXTENSION_BASE = "https://raw.githubusercontent.com/open-contracting-extensions/"
BID_EXTENSION = EXTENSION_BASE + "ocds_bid_extension/v1.1.5/extension.json"
ENQUIRY_EXTENSION = EXTENSION_BASE + "ocds_enquiry_extension/v1.1.5/extension.json"
EXTENSIONS = [BID_EXTENSION, ENQUIRY_EXTENSION]
PUBLISHER = "First Customer Marketplace · Sàn Khách hàng đầu tiên"
# org-id.guide's list for Viet Nam's tax identification number (mã số thuế), which is also
# the enterprise code (mã số doanh nghiệp) under the Law on Enterprises 2020, Article 29
IDENTIFIER_SCHEME = "VN-TIN"
METHOD_DETAILS = ("Đặt hàng giải pháp đổi mới sáng tạo: cơ quan nhà nước là khách hàng "
                  "đầu tiên, chọn qua bài toán đặt hàng công khai")
ORDINALS = {1: "nhất", 2: "nhì", 3: "ba", 4: "tư"}
STAGES = {"tender": 0, "award": 1, "contract": 2, "implementation": 3}
SECOND = timedelta(seconds=1)


def iso(value: datetime | date | None, *, end_of_day: bool = False) -> str | None:
    """ISO 8601 with a time zone: UTC for stored times; a calendar date is a day in Viet
    Nam (UTC+7), from its first or to its last second."""
    if value is None:
        return None
    return _iso(value, end_of_day)


@lru_cache(maxsize=8192, typed=True)  # a process's times recur in each of its releases
def _iso(value: datetime | date, end_of_day: bool) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    clock = "23:59:59" if end_of_day else "00:00:00"
    return f"{value.isoformat()}T{clock}+07:00"


def _second(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


_EMPTY = (None, "", [], {})


def _compact(obj: dict) -> dict:
    """Drop empty values: OCDS prefers a missing field to an empty one."""
    return {k: v for k, v in obj.items() if v or v not in _EMPTY}


def _money(amount: int) -> dict:
    return {"amount": int(amount), "currency": "VND"}


@lru_cache(maxsize=4096)
def dong(amount: int) -> str:
    """An amount in Vietnamese writing: 300000000 → "300.000.000 đồng". Remembered per
    amount (Babel's formatting was a tenth of a feed page)."""
    return vietnamese_thousands(amount) + " đồng"


@lru_cache(maxsize=512, typed=True)  # typed: StrEnums of one value are equal
def _vi(value) -> str:
    """A status or kind's Vietnamese name, whatever the request's language; remembered
    per value (the labels are registered at import and never change)."""
    with force_locale("vi"):
        return label(value)


def _ref(org: Organization) -> dict:
    return {"id": f"org-{org.id}", "name": org.name_vi}


def _party(org: Organization, roles: list[str]) -> dict:
    return _compact({
        "id": f"org-{org.id}",
        "name": org.name_vi,
        "identifier": _compact({"scheme": IDENTIFIER_SCHEME, "id": org.registration_code,
                                "legalName": org.name_vi}),
        "address": _compact({"region": org.province, "countryName": "Việt Nam"}),
        "roles": roles,
    })


class _Page:
    """Every row a page of processes needs, loaded in `QUERIES` statements."""

    def __init__(self, session, page: int, page_size: int, since: datetime | None = None,
                 after: int | None = None):
        query = (select(Challenge, Organization, TechnologyGroup)
                 .join(Organization, Organization.id == Challenge.agency_id)
                 .outerjoin(TechnologyGroup, TechnologyGroup.id == Challenge.technology_group_id)
                 .where(public_challenge()))
        if since is not None:
            query = query.where(changed_since(since))
        if after is not None:  # by keyset: the same cost at any depth
            query = query.where(Challenge.id > after)
        elif page > 1:  # the page numbers of before (the caller bounds them)
            query = query.offset((page - 1) * page_size)
        rows = session.execute(query.order_by(Challenge.id).limit(page_size + 1)).all()  # 1
        self.processes = rows[:page_size]
        # the id the next page starts after, None on the last page
        self.next_after = self.processes[-1][0].id if len(rows) > page_size else None
        ids = [challenge.id for challenge, _agency, _group in self.processes]

        # the opening record: every submission in the box at the close, in order of arrival
        self.bids: dict[int, dict] = defaultdict(dict)
        self.opened: dict[int, list] = defaultdict(list)
        # and the complaints, which only bidders file: one row per bid and complaint
        self.complaints: dict[int, list] = defaultdict(list)
        seen = set()
        # the bids as plain rows of the columns read here (thousands a page: no ORM objects)
        bid = Bundle("bid", Submission.id, Submission.challenge_id, Submission.status,
                     Submission.opened_at, Submission.receipt_digest, Submission.submitted_at,
                     Submission.proposed_price)
        for submission, lead, complaint in session.execute(  # 2
                select(bid, Organization, Complaint)
                .join(Challenge, Challenge.id == Submission.challenge_id)
                .join(Organization, Organization.id == Submission.organization_id)
                .outerjoin(Complaint, Complaint.submission_id == Submission.id)
                .where(Submission.challenge_id.in_(ids), Submission.status.in_(BID_STATUSES),
                       Challenge.closed_at.is_not(None))
                .order_by(Submission.challenge_id, Submission.submitted_at, Submission.id,
                          Complaint.id)):
            if complaint is not None:
                self.complaints[submission.challenge_id].append((complaint, lead))
            if submission.id in seen:
                continue
            seen.add(submission.id)
            counts = self.bids[submission.challenge_id]
            counts[submission.status] = counts.get(submission.status, 0) + 1
            if submission.opened_at is not None and submission.receipt_digest:
                self.opened[submission.challenge_id].append((submission, lead))

        self.criteria: dict[int, list] = defaultdict(list)
        for criterion in session.scalars(  # 3
                select(Criterion).where(Criterion.challenge_id.in_(ids))
                .order_by(Criterion.challenge_id, Criterion.position, Criterion.id)):
            self.criteria[criterion.challenge_id].append(criterion)

        self.documents: dict[int, list] = defaultdict(list)
        for attachment in session.scalars(  # 4
                select(Attachment).where(Attachment.challenge_id.in_(ids))
                .order_by(Attachment.id)):
            self.documents[attachment.challenge_id].append(attachment)

        self.amendments: dict[int, list] = defaultdict(list)
        for amendment in session.scalars(  # 5
                select(Amendment).where(Amendment.challenge_id.in_(ids))
                .order_by(Amendment.created_at, Amendment.id)):
            self.amendments[amendment.challenge_id].append(amendment)

        self.enquiries: dict[int, list] = defaultdict(list)
        for clarification in session.scalars(  # 6
                select(Clarification).where(Clarification.challenge_id.in_(ids),
                                            Clarification.answered_at.is_not(None))
                .order_by(Clarification.answered_at, Clarification.id)):
            self.enquiries[clarification.challenge_id].append(clarification)

        self.awards: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
        self.award_rows: dict[int, Award] = {}
        for item, award, solver in session.execute(  # 7
                select(AwardItem, Award, Organization)
                .join(Award, Award.id == AwardItem.award_id)
                .join(Submission, Submission.id == AwardItem.submission_id)
                .join(Organization, Organization.id == Submission.organization_id)
                .where(Award.challenge_id.in_(ids), public_award())
                .order_by(Award.id, AwardItem.id)):
            self.award_rows[award.id] = award
            self.awards[award.challenge_id][award.id].append((item, solver))

        # the orders with their milestones and succeeded payments: one row per milestone
        # (a milestone has at most one live payment, a partial unique index ensures it)
        # (issue 17: with the signed follow-on orders of the page's pilots and their buyers)
        solver, buyer = aliased(Organization), aliased(Organization)
        self.orders: dict[int, list] = defaultdict(list)
        self.follow_ons: list[tuple] = []
        self.milestones: dict[int, list] = defaultdict(list)
        self.payments: dict[int, list] = defaultdict(list)
        for order, item, org, org_buyer, milestone, payment in session.execute(  # 8
                select(PilotOrder, AwardItem, solver, buyer, Milestone, Payment)
                .outerjoin(AwardItem, AwardItem.id == PilotOrder.award_item_id)
                .join(solver, solver.id == PilotOrder.solver_id)
                .join(buyer, buyer.id == PilotOrder.agency_id)
                .outerjoin(Milestone, Milestone.order_id == PilotOrder.id)
                .outerjoin(Payment, and_(Payment.milestone_id == Milestone.id, public_payment()))
                .where(PilotOrder.challenge_id.in_(ids), public_order())
                .order_by(PilotOrder.id, Milestone.position, Milestone.id)):
            if order.kind is OrderKind.FOLLOW_ON:
                if not self.follow_ons or self.follow_ons[-1][0] is not order:
                    self.follow_ons.append((order, org_buyer, org))
                continue
            orders = self.orders[order.challenge_id]
            if not orders or orders[-1][0] is not order:
                orders.append((order, item, org))
            if milestone is not None:
                self.milestones[order.id].append(milestone)
            if payment is not None:
                self.payments[payment.order_id].append(payment)
        for payments in self.payments.values():
            payments.sort(key=lambda payment: (payment.succeeded_at, payment.id))
        order_ids = [order.id for orders in self.orders.values() for order, _i, _s in orders]

        # the contract amendments in force: both sides signed
        self.order_amendments: dict[int, list] = defaultdict(list)
        for amendment in session.scalars(  # 9
                select(OrderAmendment).where(OrderAmendment.order_id.in_(order_ids),
                                             OrderAmendment.solver_signed_at.is_not(None),
                                             OrderAmendment.agency_signed_at.is_not(None))
                .order_by(OrderAmendment.order_id, OrderAmendment.version)):
            self.order_amendments[amendment.order_id].append(amendment)


def changed_since(since: datetime):
    """The SQL condition: a public process with an event at or after `since` (UTC), the
    events of the releases."""
    challenge = Challenge.id
    return or_(
        Challenge.published_at >= since, Challenge.closed_at >= since,
        Challenge.awarded_at >= since, Challenge.cancelled_at >= since,
        exists().where(Amendment.challenge_id == challenge, Amendment.created_at >= since),
        exists().where(Attachment.challenge_id == challenge, Attachment.created_at >= since),
        exists().where(Clarification.challenge_id == challenge,
                       Clarification.answered_at >= since),
        exists().where(Complaint.challenge_id == challenge, or_(
            Complaint.filed_at >= since, Complaint.under_review_at >= since,
            Complaint.decided_at >= since, Complaint.withdrawn_at >= since)),
        exists().where(Award.challenge_id == challenge, Award.decided_at >= since),
        exists().where(PilotOrder.challenge_id == challenge, or_(
            PilotOrder.signed_at >= since, PilotOrder.active_at >= since,
            PilotOrder.completed_at >= since, PilotOrder.terminated_at >= since)),
        exists().where(OrderAmendment.order_id == PilotOrder.id,
                       PilotOrder.challenge_id == challenge,
                       OrderAmendment.agency_signed_at >= since),
        exists().where(Milestone.order_id == PilotOrder.id,
                       PilotOrder.challenge_id == challenge, Milestone.accepted_at >= since),
        exists().where(Payment.order_id == PilotOrder.id, PilotOrder.challenge_id == challenge,
                       Payment.succeeded_at >= since),
    )


@dataclass(order=True)
class _Event:
    """One release to be: when it happened, which stage, and what makes it."""

    when: datetime
    stage: int
    key: str
    tag: str = field(compare=False)
    build: object = field(compare=False)


def _before(value, amendments, name: str, when: datetime):
    """`value` (the current one) as it stood at `when`: the `before` of the first later
    amendment that changed `name`."""
    for amendment in amendments:
        if amendment.created_at > when and name in (amendment.changes or {}):
            before = amendment.changes[name]["before"]
            if isinstance(value, datetime) and isinstance(before, str):
                before = datetime.fromisoformat(before)
                before = before if before.tzinfo else before.replace(tzinfo=UTC)
            return before
    return value


class _Process:
    """The releases of one contracting process, each built as of its event."""

    def __init__(self, ocid, challenge, agency, group, page: _Page, urls):
        self.ocid, self.challenge, self.agency, self.group = ocid, challenge, agency, group
        self.page, self.urls = page, urls
        self.amendments = page.amendments.get(challenge.id, [])
        self.awards = [(page.award_rows[award_id], items)
                       for award_id, items in page.awards.get(challenge.id, {}).items()]
        self.orders = page.orders.get(challenge.id, [])
        self.party_entries: dict[tuple, dict] = {}  # (org id, roles): the party, built once

    # --- the events ------------------------------------------------------------------

    def events(self) -> list[_Event]:
        c, events = self.challenge, []

        def tender(when, key, tag="tenderUpdate"):
            events.append(_Event(when, STAGES["tender"], f"tender-{key}", tag, self._tender))

        published = c.published_at or c.created_at
        tender(published, "published", "tender")
        for amendment in self.amendments:
            tender(amendment.created_at, f"amendment-{amendment.id}", "tenderAmendment")
        for attachment in self.page.documents.get(c.id, []):
            if attachment.created_at > published:
                tender(attachment.created_at, f"document-{attachment.id}")
        for clarification in self.page.enquiries.get(c.id, []):
            tender(clarification.answered_at, f"enquiry-{clarification.id}")
        if c.closed_at is not None:
            tender(c.closed_at, "closed")
        for complaint, _lead in self.page.complaints.get(c.id, []):
            for name in ("filed", "under_review", "decided", "withdrawn"):
                when = getattr(complaint, f"{name}_at")
                if when is not None:
                    tender(when, f"complaint-{complaint.id}-{name}")
        if c.status is ChallengeStatus.CANCELLED and c.cancelled_at is not None:
            tender(c.cancelled_at, "cancelled", "tenderCancellation")
        if self.awards and c.awarded_at is not None:
            # the tender is complete, and its tenderers named, once an award is public
            tender(max(c.awarded_at, *(award.decided_at or award.proposed_at
                                       for award, _items in self.awards)), "awarded")
        for award, items in self.awards:
            events.append(_Event(award.decided_at or award.proposed_at, STAGES["award"],
                                 f"award-{award.id}", "award",
                                 lambda when, award=award, items=items:
                                 self._award(award, items)))
        for order, item, solver in self.orders:
            self._order_events(events, order, item, solver)
        return sorted(events)

    def _order_events(self, events, order, item, solver) -> None:
        def contract(when, key, tag):
            events.append(_Event(when, STAGES["contract"], f"contract-{order.id}-{key}", tag,
                                 lambda when: {"contracts": [self._contract(when, order,
                                                                            item)]}))

        def implementation(when, key, tag="implementation"):
            events.append(_Event(when, STAGES["implementation"],
                                 f"implementation-{order.id}-{key}", tag,
                                 lambda when: self._implementation(when, order, item,
                                                                   solver)))

        contract(order.signed_at, "signed", "contract")
        if order.active_at is not None:
            contract(order.active_at, "active", "contractUpdate")
        for amendment in self.page.order_amendments.get(order.id, []):
            contract(max(amendment.solver_signed_at, amendment.agency_signed_at),
                     f"amendment-{amendment.id}", "contractAmendment")
        for milestone in self.page.milestones.get(order.id, []):
            if milestone.accepted_at is not None and milestone.status in (
                    MilestoneStatus.ACCEPTED, MilestoneStatus.PAID):
                implementation(milestone.accepted_at, f"milestone-{milestone.id}")
        for payment in self.page.payments.get(order.id, []):
            implementation(payment.succeeded_at, f"payment-{payment.id}")
        ended = order.completed_at or order.terminated_at
        if ended is not None:
            implementation(ended, "end", "contractTermination")

    def releases(self) -> list[dict]:
        """The releases in date order, each with its own date (one second after the
        previous one when two events share a second)."""
        releases, previous = [], None
        for event in self.events():
            when = _second(event.when)
            if previous is not None and when <= previous:
                when = previous + SECOND
            previous = when
            body = event.build(event.when)
            releases.append({
                "ocid": self.ocid, "id": f"{self.ocid}-{event.key}", "date": iso(when),
                "tag": [event.tag], "initiationType": "tender", "language": "vi",
                "parties": self._parties(event.when), "buyer": _ref(self.agency), **body})
        return releases

    # --- the parties, as of a time ---------------------------------------------------

    def _named_bidders(self, when) -> list[Organization]:
        """The bidders named in public at `when`: after the close when review is not
        blind, else once the award is public (`submissions.opening`)."""
        c = self.challenge
        if c.closed_at is None or when < c.closed_at:
            return []
        if c.blind_review and not self._awarded(when):
            return []
        leads = {lead.id: lead for _s, lead in self.page.opened.get(c.id, [])}
        if self._awarded(when):
            for _award, items in self._awards_at(when):
                for _item, solver in items:
                    leads.setdefault(solver.id, solver)
        return list(leads.values())

    def _awarded(self, when) -> bool:
        return bool(self._awards_at(when))

    def _awards_at(self, when) -> list:
        return [(award, items) for award, items in self.awards
                if (award.decided_at or award.proposed_at) <= when]

    def _parties(self, when) -> list[dict]:
        roles: dict[int, tuple[Organization, list[str]]] = {
            self.agency.id: (self.agency, ["buyer", "procuringEntity"])}

        def add(org, role):
            entry = roles.setdefault(org.id, (org, []))
            if role not in entry[1]:
                entry[1].append(role)

        for org in self._named_bidders(when):
            add(org, "tenderer")
        for _award, items in self._awards_at(when):
            for _item, solver in items:
                add(solver, "supplier")
        for order, _item, solver in self.orders:
            if any(p.succeeded_at <= when for p in self.page.payments.get(order.id, [])):
                add(self.agency, "payer")
                add(solver, "payee")
        entries = self.party_entries
        parties = []
        for org, org_roles in roles.values():
            key = (org.id, *org_roles)
            entry = entries.get(key)
            if entry is None:
                entry = entries[key] = _party(org, org_roles)
            parties.append(entry)
        return parties

    # --- the sections, as of a time --------------------------------------------------

    def _tender(self, when) -> dict:
        c, page = self.challenge, self.page
        criteria = page.criteria.get(c.id, [])
        amendments = [a for a in self.amendments if a.created_at <= when]
        later = [a for a in self.amendments if a.created_at > when]
        if c.cancelled_at is not None and c.cancelled_at <= when:
            status = "cancelled"
        elif c.awarded_at is not None and c.awarded_at <= when and self._awarded(when):
            status = "complete"
        else:
            status = "active"
        published = c.published_at or c.created_at
        closed = c.closed_at if c.closed_at is not None and c.closed_at <= when else None
        awarded = c.awarded_at if status == "complete" else None
        title = _before(c.title, later, "title", when)
        tender = _compact({
            "id": f"{self.ocid}-tender",
            "title": title,
            "description": _before(c.problem, later, "problem", when),
            "status": status,
            "procuringEntity": _ref(self.agency),
            "value": _money(c.budget_ceiling),
            "procurementMethod": "open",
            "procurementMethodDetails": METHOD_DETAILS,
            "mainProcurementCategory": "services",
            "awardCriteria": "ratedCriteria",
            "awardCriteriaDetails": "; ".join(f"{cr.name} (trọng số {cr.weight}%)"
                                              for cr in criteria),
            "eligibilityCriteria": _eligibility(c.eligible_kinds),
            "items": [_compact({
                "id": "1",
                "description": _before(c.expected_outcomes, later, "expected_outcomes",
                                       when) or title,
                "classification": _compact({
                    "scheme": "VN-STG", "id": self.group.code,
                    "description": self.group.name_vi}) if self.group else None,
            })],
            "tenderPeriod": _compact({
                "startDate": iso(published),
                "endDate": iso(_before(c.submission_deadline, later, "submission_deadline",
                                       when))}),
            "enquiryPeriod": _compact({
                "startDate": iso(published),
                "endDate": iso(_before(c.clarification_deadline, later,
                                       "clarification_deadline", when))}),
            "awardPeriod": _compact({"startDate": iso(closed), "endDate": iso(awarded)}),
            "tenderers": [_ref(org) for org in self._named_bidders(when)],
            "enquiries": [_compact({
                "id": str(q.id), "date": iso(q.asked_at), "title": f"Câu hỏi làm rõ {i}",
                "description": q.question, "answer": q.answer,
                "dateAnswered": iso(q.answered_at)})
                for i, q in enumerate((q for q in page.enquiries.get(c.id, [])
                                       if q.answered_at <= when), start=1)],
            "amendments": [_compact({
                "id": str(a.id), "date": iso(a.created_at), "rationale": a.summary,
                "description": _amendment_description(a.changes)}) for a in amendments],
            "documents": self._documents(when, published),
        })
        if status == "cancelled" and c.cancel_reason:
            tender["documents"] = [*tender.get("documents", []), {
                "id": "cancellation", "documentType": "cancellationDetails",
                "title": "Lý do hủy bài toán", "description": c.cancel_reason,
                "url": f"{self.urls.challenge(c.id)}", "datePublished": iso(c.cancelled_at),
                "format": "text/html", "language": "vi"}]
        release = {"tender": tender}
        if closed is not None:  # bid counts only once the box is opened
            counts = page.bids.get(c.id, {})
            total = sum(counts.values())
            disqualified = counts.get(SubmissionStatus.DISQUALIFIED, 0)
            tender["numberOfTenderers"] = total
            release["bids"] = {"statistics": [
                {"id": "1", "measure": "bids", "value": total, "date": iso(closed)},
                {"id": "2", "measure": "validBids", "value": total - disqualified,
                 "date": iso(closed)},
                {"id": "3", "measure": "disqualifiedBidders", "value": disqualified,
                 "date": iso(closed)},
            ]}
            details = self._opening_details(when)
            if details:
                release["bids"]["details"] = details
        return release

    def _documents(self, when, published) -> list[dict]:
        c = self.challenge
        notice = _compact({
            "id": "notice", "documentType": "tenderNotice", "title": c.title,
            "url": self.urls.challenge(c.id), "datePublished": iso(c.published_at),
            "format": "text/html", "language": "vi"})
        attachments = [_compact({
            "id": f"attachment-{a.id}", "documentType": "biddingDocuments",
            "title": a.original_name, "url": self.urls.attachment(a.id),
            "datePublished": iso(max(a.created_at, published)), "format": a.content_type})
            for a in self.page.documents.get(c.id, []) if a.created_at <= max(when, published)]
        return [notice, *attachments, *self._complaint_documents(when)]

    def _complaint_documents(self, when) -> list[dict]:
        """The complaints (kiến nghị) as documents of type `complaints` (OCDS has no core
        complaints object): what the public register shows — dates, the decision
        contested, the status, and once decided the complainant and the agency's reasons;
        never the grounds or the evidence."""
        documents = []
        for complaint, lead in sorted(self.page.complaints.get(self.challenge.id, []),
                                      key=lambda row: row[0].id):
            if complaint.filed_at > when:
                continue
            decided = complaint.decided_at is not None and complaint.decided_at <= when
            withdrawn = complaint.withdrawn_at is not None and complaint.withdrawn_at <= when
            changes = [d for d in (complaint.under_review_at, complaint.decided_at,
                                   complaint.withdrawn_at) if d is not None and d <= when]
            if decided or withdrawn:
                status = _vi(complaint.status)
            elif complaint.under_review_at is not None and complaint.under_review_at <= when:
                status = "Đang xem xét"
            else:
                status = "Đã nộp"
            description = f"{status}. Nội dung kiến nghị: {_vi(complaint.contested)}."
            if decided:
                description += (f" Bên kiến nghị: {lead.name_vi}. Lý do của cơ quan: "
                                f"{complaint.reasoning}")
                if complaint.remedy is not None:
                    description += f" Biện pháp: {_vi(complaint.remedy)}."
            documents.append(_compact({
                "id": f"complaint-{complaint.id}", "documentType": "complaints",
                "title": f"Kiến nghị số {complaint.id}", "description": description,
                "url": f"{self.urls.challenge(self.challenge.id)}#complaints",
                "datePublished": iso(complaint.filed_at),
                "dateModified": iso(max(changes)) if changes else None,
                "format": "text/html", "language": "vi"}))
        return documents

    def _opening_details(self, when) -> list[dict]:
        """The opening record as bid details: each bid's id is its receipt digest and its
        date the time it was submitted; the lead organization (as tenderer) once names are
        disclosed, the proposed price once the award is public (`submissions.opening`)."""
        named = {org.id for org in self._named_bidders(when)}
        prices = self._awarded(when)
        return [_compact({
            "id": submission.receipt_digest,
            "date": iso(submission.submitted_at),
            "tenderers": [_ref(lead)] if lead.id in named else None,
            "value": _money(submission.proposed_price)
            if prices and submission.proposed_price else None,
        }) for submission, lead in self.page.opened.get(self.challenge.id, [])]

    def _award(self, award, items) -> dict:
        decided = award.decided_at or award.proposed_at
        return {"awards": [_compact({
            "id": _award_id(award.id, item.id),
            "title": f"Giải pháp xếp hạng {ORDINALS.get(item.rank, item.rank)}: "
                     f"{solver.name_vi}",
            "description": award.justification,
            "status": "active",
            "date": iso(decided),
            "value": _money(item.amount),
            "suppliers": [_ref(solver)],
        }) for item, solver in items]}

    def _terms(self, when, order) -> dict:
        """The order's value, dates and milestone plan as they stood at `when`."""
        amendments = self.page.order_amendments.get(order.id, [])
        current = {"value": order.value, "start_date": order.start_date,
                   "end_date": order.end_date}
        in_force = [a for a in amendments
                    if max(a.solver_signed_at, a.agency_signed_at) <= when]
        source = (in_force[-1].changes["after"] if in_force
                  else amendments[0].changes["before"] if amendments else None)
        if source is not None:
            current = {"value": source["value"],
                       "start_date": date.fromisoformat(source["start_date"]),
                       "end_date": date.fromisoformat(source["end_date"])}
        current["amendments"] = in_force
        return current

    def _contract(self, when, order, item) -> dict:
        terms = self._terms(when, order)
        ended = order.completed_at or order.terminated_at
        if ended is not None and ended <= when:
            status = "terminated"
        elif order.active_at is not None and order.active_at <= when:
            status = "active"
        else:
            status = "pending"
        contract = _compact({
            "id": str(order.id),
            "awardID": _award_id(item.award_id, item.id),
            "title": f"Đơn đặt hàng thí điểm số {order.contract_number}",
            "status": status,
            "period": {"startDate": iso(terms["start_date"]),
                       "endDate": iso(terms["end_date"], end_of_day=True)},
            "value": _money(terms["value"]),
            "dateSigned": iso(order.active_at),
            "amendments": [_compact({
                "id": str(a.id), "date": iso(max(a.solver_signed_at, a.agency_signed_at)),
                "rationale": a.reason,
                "description": _order_amendment_description(a.changes)})
                for a in terms["amendments"]],
        })
        if order.terminated_at is not None and order.terminated_at <= when \
                and order.termination_reason:
            contract["documents"] = [{
                "id": "termination", "documentType": "contractAnnexe",
                "title": "Lý do chấm dứt đơn đặt hàng", "language": "vi",
                "description": order.termination_reason,
                "datePublished": iso(order.terminated_at)}]
        return contract

    def _implementation(self, when, order, item, solver) -> dict:
        contract = self._contract(when, order, item)
        ended = contract["status"] == "terminated"
        payments = [p for p in self.page.payments.get(order.id, []) if p.succeeded_at <= when]
        paid = {p.milestone_id for p in payments}
        milestones = []
        for m in self.page.milestones.get(order.id, []):
            met = m.accepted_at is not None and m.accepted_at <= when and m.status in (
                MilestoneStatus.ACCEPTED, MilestoneStatus.PAID)
            status = "met" if met else "notMet" if ended else "scheduled"
            if m.id in paid:
                words = "đã thanh toán"
            elif met:
                words = "đã nghiệm thu, chưa thanh toán"
            elif ended:
                words = "không hoàn thành trước khi đơn đặt hàng kết thúc"
            else:
                words = "theo kế hoạch"
            milestones.append(_compact({
                "id": str(m.id), "title": m.deliverable, "type": "delivery",
                "dueDate": iso(m.due_date, end_of_day=True),
                "dateMet": iso(m.accepted_at) if met else None,
                "status": status,
                "description": f"Giai đoạn {m.position + 1}, giá trị {dong(m.amount)}: "
                               f"{words}.",
            }))
        contract["implementation"] = _compact({
            "documents": [_treasury_order(p) for p in payments if p.payment_order_number],
            "milestones": milestones,
            "transactions": [_compact({
                "id": str(p.id), "date": iso(p.succeeded_at), "value": _money(p.amount),
                "payer": _ref(self.agency), "payee": _ref(solver),
            }) for p in payments],
        })
        return {"contracts": [contract]}


def _treasury_order(payment) -> dict:
    """A State Treasury payment's order as a document of the implementation (OCDS has no
    field for it): the order's number and date, the paying budget unit's code (mã
    ĐVQHNS), the Treasury office, and the transaction it paid. Never bank details, which
    the site does not ask for."""
    day = payment.payment_order_date
    return _compact({
        "id": f"payment-order-{payment.id}", "documentType": "financialProgressReport",
        "title": f"Lệnh chi số {payment.payment_order_number}",
        "description": (f"Lệnh chi số {payment.payment_order_number}"
                        + (f" ngày {day:%d/%m/%Y}" if day else "")
                        + f" của đơn vị có mã ĐVQHNS {payment.budget_unit_code}, qua "
                          f"{payment.treasury_name}; giao dịch {payment.id}, "
                          f"{dong(payment.amount)}."),
        "datePublished": iso(day), "language": "vi"})


def _eligibility(kinds) -> str:
    return _eligibility_of(tuple(kinds or ()))


@lru_cache(maxsize=256)
def _eligibility_of(kinds: tuple) -> str:
    names = []
    for kind in kinds:
        try:
            names.append(_vi(OrgKind(kind)).lower())
        except ValueError:
            continue
    if not names:
        return ""
    return "Đơn vị được tham gia: " + ", ".join(names) + "."


def _amendment_description(changes: dict) -> str:
    names = {"title": "tên bài toán", "problem": "mô tả bài toán",
             "expected_outcomes": "kết quả mong đợi", "submission_deadline": "hạn nộp hồ sơ",
             "clarification_deadline": "hạn hỏi làm rõ", "pilot_site": "địa điểm thí điểm",
             "province": "tỉnh, thành phố", "sector": "lĩnh vực",
             "pilot_duration_months": "thời gian thí điểm"}
    changed = [names.get(name, "nội dung khác") for name in (changes or {})]
    changed = list(dict.fromkeys(changed))
    return ("Sửa đổi hồ sơ mời: " + ", ".join(changed) + ".") if changed else ""


def _order_amendment_description(changes: dict) -> str:
    before, after = changes.get("before", {}), changes.get("after", {})
    parts = []
    if before.get("value") != after.get("value"):
        parts.append(f"giá trị từ {dong(before['value'])} thành {dong(after['value'])}")
    if before.get("start_date") != after.get("start_date") or \
            before.get("end_date") != after.get("end_date"):
        parts.append(f"thời gian thực hiện thành {after['start_date']} – {after['end_date']}")
    if before.get("milestones") != after.get("milestones"):
        parts.append("kế hoạch các giai đoạn")
    return ("Sửa đổi đơn đặt hàng: " + "; ".join(parts) + ".") if parts else ""


def _award_id(award_id: int, item_id: int) -> str:
    return f"{award_id}-{item_id}"


def process_releases(session, *, prefix: str, urls, page: int = 1, page_size: int = PAGE_SIZE,
                     since: datetime | None = None, after: int | None = None
                     ) -> tuple[list[list[dict]], int | None]:
    """([the releases of each process of a page, in date order], the challenge id the
    next page starts after — None on the last page). The page is the `page_size`
    processes (challenges by id) after challenge `after` (keyset: `id > after`, the same
    cost at any depth), or without `after` page number `page` (OFFSET: callers bound it,
    `routes.NUMBERED_PAGES`). With `since` (UTC), only processes with an event at or
    after it, and only their releases dated at or after it."""
    data = _Page(session, page, page_size, since, after)
    processes = []
    for challenge, agency, group in data.processes:
        releases = _Process(f"{prefix}-{challenge.id}", challenge, agency, group, data,
                            urls).releases()
        if since is not None:
            cutoff = iso(since)
            releases = [r for r in releases if _parse(r["date"]) >= _parse(cutoff)]
        processes.append(releases)
    # issue 17: each signed follow-on order, a process of its own pointing to its pilot's
    for order, agency, solver in data.follow_ons:
        release = follow_on_release(order, agency, solver, prefix=prefix)
        if since is None or _parse(release["date"]) >= since:
            processes.append([release])
    return processes, data.next_after


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def package_meta(urls, *, license_url: str, uri: str, published: str) -> dict:
    """The metadata every package carries: publisher, licence, policy, extensions."""
    return {
        "uri": uri,
        "version": "1.1",
        "extensions": list(EXTENSIONS),
        "publishedDate": published,
        "publisher": {"name": PUBLISHER, "uri": urls.home()},
        "license": license_url,
        "publicationPolicy": urls.policy(),
    }


def release_package(session, *, prefix: str, page: int, urls, license_url: str,
                    page_size: int = PAGE_SIZE, since: datetime | None = None,
                    after: int | None = None) -> tuple[dict, bool, int | None]:
    """(the package of the page — number `page`, or the one after challenge `after`, as
    `process_releases` reads them —, whether the page has processes, the id the next page
    starts after or None). `urls` names the public pages: `challenge(id)`,
    `attachment(id)`, `package(page, after)`, `policy()`, `home()`."""
    processes, next_after = process_releases(session, prefix=prefix, urls=urls, page=page,
                                             page_size=page_size, since=since, after=after)
    releases = [release for process in processes for release in process]
    published = max((r["date"] for r in releases), default=iso(datetime.now(UTC)))
    package = package_meta(urls, license_url=license_url, uri=urls.package(page, after),
                           published=published)
    package["releases"] = releases
    return package, bool(processes), next_after
