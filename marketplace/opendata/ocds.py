"""The OCDS 1.1 release package of the public contracting processes.

A published (or later) challenge is one contracting process, `ocid` =
`OCDS_PREFIX-<challenge id>`. Each process gives one release per stage, each with an id
that is stable while the data it carries does not change, and a new id when it does:

- `<ocid>-tender-<time>` (tag tender, tenderUpdate or tenderCancellation), dated when
  the challenge last changed;
- `<ocid>-award-<award id>` (award), dated when the award was approved;
- `<ocid>-contract-<order id>-v<version>-<time>` (contract, or contractAmendment after an
  amendment), dated at the order's latest signature or change of status;
- `<ocid>-implementation-<order id>-v<version>-<time>` (implementation, or
  contractTermination once completed or terminated), dated at the latest acceptance,
  payment or end.

Only public data (see `visibility`): no submission content ever, bid counts
(`tender.numberOfTenderers` and `bids.statistics`, the bid extension) only once the
challenge closed, with the opening record as `bids.details` (receipt digest and time of
each bid; the lead organization and the price as `submissions.opening` discloses them),
approved awards only, orders once signed (never their terms),
succeeded payments only (a State Treasury payment with its payment order's number and
date, the Treasury and the budget unit code in `treasuryPaymentOrder`, no bank details).

A page holds `PAGE_SIZE` processes and costs a fixed number of queries (`QUERIES`),
whatever the page: the processes, then each kind of related row for all of them at once
(the orders together with their milestones and payments).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from marketplace.accounts.models import Organization
from marketplace.challenges.models import Challenge, ChallengeStatus, Criterion
from marketplace.complaints.models import Complaint
from marketplace.evaluation.models import Award, AwardItem
from marketplace.files.models import Attachment
from marketplace.opendata.visibility import (
    BID_STATUSES,
    public_award,
    public_challenge,
    public_milestone_status,
    public_order,
    public_payment,
)
from marketplace.orders.models import (
    Milestone,
    MilestoneStatus,
    OrderKind,
    OrderStatus,
    PilotOrder,
)
from marketplace.outcomes.ocds import follow_on_release
from marketplace.payments.models import Payment
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.taxonomy.models import TechnologyGroup

PAGE_SIZE = 100
QUERIES = 6
BID_EXTENSION = ("https://raw.githubusercontent.com/open-contracting-extensions/"
                 "ocds_bid_extension/v1.1.5/extension.json")
PUBLISHER = "First Customer Marketplace · Sàn Khách hàng đầu tiên"

TENDER_STATUS = {
    ChallengeStatus.PUBLISHED: "active", ChallengeStatus.CLOSED: "active",
    ChallengeStatus.EVALUATING: "active", ChallengeStatus.AWARDED: "complete",
    ChallengeStatus.CANCELLED: "cancelled",
}
CONTRACT_STATUS = {
    OrderStatus.SIGNED: "pending", OrderStatus.ACTIVE: "active",
    OrderStatus.COMPLETED: "terminated", OrderStatus.TERMINATED: "terminated",
}


def iso(value: datetime | date | None, *, end_of_day: bool = False) -> str | None:
    """ISO 8601 with a time zone: UTC for stored times; a calendar date is a day in Viet
    Nam (UTC+7), from its first or to its last second."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    clock = "23:59:59" if end_of_day else "00:00:00"
    return f"{value.isoformat()}T{clock}+07:00"


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _compact(obj: dict) -> dict:
    """Drop empty values: OCDS prefers a missing field to an empty one."""
    return {k: v for k, v in obj.items() if v not in (None, "", [], {})}


def _money(amount: int) -> dict:
    return {"amount": int(amount), "currency": "VND"}


class Parties:
    """The parties of one release, each once, with all its roles."""

    def __init__(self):
        self._parties: dict[int, dict] = {}

    def add(self, org: Organization, *roles: str) -> dict:
        party = self._parties.get(org.id)
        if party is None:
            party = self._parties[org.id] = _compact({
                "id": f"org-{org.id}",
                "name": org.name_vi,
                "identifier": _compact({"id": org.registration_code, "legalName": org.name_vi}),
                "address": {"region": org.province, "countryName": "Việt Nam"},
                "details": {"kind": org.kind.value},
                "roles": [],
            })
            party.setdefault("roles", [])
        for role in roles:
            if role not in party["roles"]:
                party["roles"].append(role)
        return {"id": party["id"], "name": party["name"]}

    def as_list(self) -> list[dict]:
        return list(self._parties.values())


class _Page:
    """Every row a page of processes needs, loaded in `QUERIES` statements."""

    def __init__(self, session, page: int, page_size: int):
        rows = session.execute(
            select(Challenge, Organization, TechnologyGroup)
            .join(Organization, Organization.id == Challenge.agency_id)
            .outerjoin(TechnologyGroup, TechnologyGroup.id == Challenge.technology_group_id)
            .where(public_challenge())
            .order_by(Challenge.id)
            .offset((page - 1) * page_size).limit(page_size + 1)).all()  # 1
        self.has_next = len(rows) > page_size
        self.processes = rows[:page_size]
        ids = [challenge.id for challenge, _agency, _group in self.processes]

        # the opening record: every submission in the box at the close, in order of arrival
        self.bids: dict[int, dict] = defaultdict(dict)
        self.opened: dict[int, list] = defaultdict(list)
        # and the complaints, which only bidders file: one row per bid and complaint
        self.complaints: dict[int, list] = defaultdict(list)
        seen = set()
        for submission, lead, complaint in session.execute(  # 2
                select(Submission, Organization, Complaint)
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

        self.awards: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
        self.award_rows: dict[int, Award] = {}
        for item, award, solver in session.execute(  # 5
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
        for order, item, org, org_buyer, milestone, payment in session.execute(  # 6
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


def _tender_release(ocid, challenge, agency, group, page: _Page, urls) -> dict:
    parties = Parties()
    agency_ref = parties.add(agency, "buyer", "procuringEntity")
    criteria = page.criteria.get(challenge.id, [])
    tender = _compact({
        "id": f"{ocid}-tender",
        "title": challenge.title,
        "description": challenge.problem,
        "status": TENDER_STATUS[challenge.status],
        "procuringEntity": agency_ref,
        "value": _money(challenge.budget_ceiling),
        "procurementMethod": "open",
        "procurementMethodDetails": "Innovation challenge: the state as first customer",
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": "; ".join(f"{c.name} ({c.weight}%)" for c in criteria),
        "eligibilityCriteria": ", ".join(challenge.eligible_kinds or []),
        "items": [_compact({
            "id": "1",
            "description": challenge.expected_outcomes or challenge.title,
            "classification": _compact({"scheme": "VN-STG", "id": group.code,
                                        "description": group.name_vi}) if group else None,
        })],
        "tenderPeriod": _compact({"startDate": iso(challenge.published_at),
                                  "endDate": iso(challenge.submission_deadline)}),
        "enquiryPeriod": _compact({"startDate": iso(challenge.published_at),
                                   "endDate": iso(challenge.clarification_deadline)}),
        "awardPeriod": _compact({"startDate": iso(challenge.closed_at),
                                 "endDate": iso(challenge.awarded_at)}),
        "documents": [_compact({
            "id": "notice", "documentType": "tenderNotice", "title": challenge.title,
            "url": urls.challenge(challenge.id), "datePublished": iso(challenge.published_at),
            "format": "text/html", "language": "vi"})] + [
            _compact({"id": f"attachment-{a.id}", "documentType": "biddingDocuments",
                      "title": a.original_name, "url": urls.attachment(a.id),
                      "datePublished": iso(a.created_at), "format": a.content_type})
            for a in page.documents.get(challenge.id, [])] + _complaint_documents(
                challenge, page, urls),
    })
    release = {"tender": tender}
    if challenge.closed_at is not None:  # bid counts only once the box is opened
        counts = page.bids.get(challenge.id, {})
        total = sum(counts.values())
        tender["numberOfTenderers"] = total
        release["bids"] = {"statistics": [
            {"id": "1", "measure": "bids", "value": total, "date": iso(challenge.closed_at)},
            {"id": "2", "measure": "disqualifiedBids", "date": iso(challenge.closed_at),
             "value": counts.get(SubmissionStatus.DISQUALIFIED, 0)},
        ]}
        details = _opening_details(challenge, page, parties)
        if details:
            release["bids"]["details"] = details
    if challenge.status is ChallengeStatus.CANCELLED:
        tag = "tenderCancellation"
        tender["statusDetails"] = challenge.cancel_reason
    elif challenge.status is ChallengeStatus.PUBLISHED:
        tag = "tender"
    else:
        tag = "tenderUpdate"
    complaint_dates = [d for complaint, _lead in page.complaints.get(challenge.id, [])
                       for d in (complaint.filed_at, complaint.under_review_at,
                                 complaint.decided_at, complaint.withdrawn_at)]
    updated = max(d for d in (challenge.updated_at, challenge.published_at, challenge.closed_at,
                              challenge.evaluating_at, challenge.awarded_at,
                              challenge.cancelled_at, *complaint_dates) if d is not None)
    return {"id": f"{ocid}-tender-{_stamp(updated)}", "date": iso(updated), "tag": [tag],
            "parties": parties, "buyer": agency_ref, **release}


def _complaint_documents(challenge, page: _Page, urls) -> list[dict]:
    """The complaints (kiến nghị) as documents of type `complaints` (OCDS has no core
    complaints object): what the public register shows — dates, the decision contested,
    the status, and once decided the complainant and the agency's reasons; never the
    grounds or the evidence."""
    documents = []
    for complaint, lead in sorted(page.complaints.get(challenge.id, []),
                                  key=lambda row: row[0].id):
        decided = complaint.is_decided
        description = f"{complaint.status.value}; contested: {complaint.contested.value}"
        if decided:
            description += f"; complainant: {lead.name_vi}; reasons: {complaint.reasoning}"
            if complaint.remedy is not None:
                description += f"; remedy: {complaint.remedy.value}"
        changed = complaint.decided_at or complaint.withdrawn_at or complaint.under_review_at
        documents.append(_compact({
            "id": f"complaint-{complaint.id}", "documentType": "complaints",
            "title": f"Kiến nghị số {complaint.id}", "description": description,
            "url": f"{urls.challenge(challenge.id)}#complaints",
            "datePublished": iso(complaint.filed_at), "dateModified": iso(changed),
            "format": "text/html", "language": "vi"}))
    return documents


def _opening_details(challenge, page: _Page, parties: Parties) -> list[dict]:
    """The opening record as bid details: each bid's id is its receipt digest and its
    date the time it was submitted; the lead organization (as tenderer) once names are
    disclosed, the proposed price once the award is public (`submissions.opening`)."""
    award_public = bool(page.awards.get(challenge.id))
    names, prices = award_public or not challenge.blind_review, award_public
    return [_compact({
        "id": submission.receipt_digest,
        "date": iso(submission.submitted_at),
        "tenderers": [parties.add(lead, "tenderer")] if names else None,
        "value": _money(submission.proposed_price)
        if prices and submission.proposed_price else None,
    }) for submission, lead in page.opened.get(challenge.id, [])]


def _award_id(award_id: int, item_id: int) -> str:
    return f"{award_id}-{item_id}"


def _award_release(ocid, award, items, agency) -> dict:
    parties = Parties()
    buyer = parties.add(agency, "buyer", "procuringEntity")
    decided = award.decided_at or award.proposed_at
    awards = [_compact({
        "id": _award_id(award.id, item.id),
        "title": f"#{item.rank}",
        "description": award.justification,
        "status": "active",
        "date": iso(decided),
        "value": _money(item.amount),
        "suppliers": [parties.add(solver, "supplier", "tenderer")],
    }) for item, solver in items]
    return {"id": f"{ocid}-award-{award.id}", "date": iso(decided), "tag": ["award"],
            "parties": parties, "buyer": buyer, "awards": awards}


def _contract(order, item) -> dict:
    return _compact({
        "id": str(order.id),
        "awardID": _award_id(item.award_id, item.id),
        "title": order.contract_number,
        "status": CONTRACT_STATUS[order.status],
        "statusDetails": order.termination_reason if order.status is OrderStatus.TERMINATED
        else None,
        "period": {"startDate": iso(order.start_date),
                   "endDate": iso(order.end_date, end_of_day=True)},
        "value": _money(order.value),
        "dateSigned": iso(order.active_at),
    })


def _contract_release(ocid, order, item, agency, solver) -> dict:
    parties = Parties()
    buyer = parties.add(agency, "buyer", "procuringEntity")
    parties.add(solver, "supplier")
    tag = "contract" if order.version == 1 else "contractAmendment"
    changed = max(d for d in (order.signed_at, order.active_at, order.completed_at,
                              order.terminated_at) if d is not None)
    return {"id": f"{ocid}-contract-{order.id}-v{order.version}-{_stamp(changed)}",
            "date": iso(changed),
            "tag": [tag], "parties": parties, "buyer": buyer,
            "contracts": [_contract(order, item)]}


def _treasury_order(payment) -> dict | None:
    """A State Treasury payment's order (a field of this site's own, beside OCDS's): the
    Treasury office, the paying budget unit's code (mã ĐVQHNS), the order's number and
    date. Never the bank details, which the site does not ask for."""
    if not payment.payment_order_number:
        return None
    return {"treasury": payment.treasury_name, "budgetUnitCode": payment.budget_unit_code,
            "number": payment.payment_order_number,
            "date": iso(payment.payment_order_date)}


def _implementation_release(ocid, order, item, agency, solver, milestones, payments
                            ) -> dict | None:
    done = [m for m in milestones if m.accepted_at is not None
            and m.status in (MilestoneStatus.ACCEPTED, MilestoneStatus.PAID)]
    ended = order.completed_at or order.terminated_at
    if not done and not payments and ended is None:
        return None
    latest = max([d for d in (*(m.accepted_at for m in done),
                              *(m.paid_at for m in done if m.paid_at),
                              *(p.succeeded_at for p in payments), ended) if d is not None])
    parties = Parties()
    buyer = parties.add(agency, "buyer", "procuringEntity", "payer")
    payee = parties.add(solver, "supplier", "payee")
    contract = _contract(order, item)
    contract["implementation"] = _compact({
        "milestones": [_compact({
            "id": str(m.id),
            "title": m.deliverable,
            "type": "delivery",
            "dueDate": iso(m.due_date, end_of_day=True),
            "dateMet": iso(m.accepted_at) if m in done else None,
            "status": "met" if m in done else "scheduled",
            "description": f"{public_milestone_status(m.status).value}: {m.amount} VND",
        }) for m in milestones],
        "transactions": [_compact({
            "id": str(p.id), "date": iso(p.succeeded_at), "value": _money(p.amount),
            "payer": buyer, "payee": payee,
            "treasuryPaymentOrder": _treasury_order(p),
        }) for p in payments],
    })
    tag = "contractTermination" if ended is not None else "implementation"
    return {"id": f"{ocid}-implementation-{order.id}-v{order.version}-{_stamp(latest)}",
            "date": iso(latest),
            "tag": [tag], "parties": parties, "buyer": buyer, "contracts": [contract]}


def release_package(session, *, prefix: str, page: int, urls, page_size: int = PAGE_SIZE
                    ) -> tuple[dict, bool]:
    """(the package of page `page`, whether a next page exists). `urls` names the
    public pages: `challenge(id)`, `attachment(id)`, `package(page)`, `policy()`."""
    data = _Page(session, page, page_size)
    releases = []
    for challenge, agency, group in data.processes:
        ocid = f"{prefix}-{challenge.id}"
        process = [_tender_release(ocid, challenge, agency, group, data, urls)]
        for award_id, items in data.awards.get(challenge.id, {}).items():
            process.append(_award_release(ocid, data.award_rows[award_id], items, agency))
        for order, item, solver in data.orders.get(challenge.id, []):
            process.append(_contract_release(ocid, order, item, agency, solver))
            implementation = _implementation_release(
                ocid, order, item, agency, solver, data.milestones.get(order.id, []),
                data.payments.get(order.id, []))
            if implementation:
                process.append(implementation)
        for release in process:
            release["parties"] = release["parties"].as_list()
            releases.append({"ocid": ocid, "initiationType": "tender", "language": "vi",
                             **release})
    # issue 17: each signed follow-on order, a process of its own pointing to its pilot's
    releases += [follow_on_release(order, agency, solver, prefix=prefix)
                 for order, agency, solver in data.follow_ons]
    published = max((r["date"] for r in releases), default=iso(datetime.now(UTC)))
    package = {
        "uri": urls.package(page),
        "version": "1.1",
        "extensions": [BID_EXTENSION],
        "publishedDate": published,
        "publisher": {"name": PUBLISHER, "uri": urls.home()},
        "publicationPolicy": urls.policy(),
        "releases": releases,
    }
    links = {}
    if data.has_next:
        links["next"] = urls.package(page + 1)
    if page > 1:
        links["prev"] = urls.package(page - 1)
    if links:
        package["links"] = links
    return package, bool(data.processes)
