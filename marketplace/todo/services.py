"""What a signed-in user must do next ("Việc cần làm", issue 13).

`todo_for(session, user)` answers, for every role the user holds, the groups of work
waiting for them, each item linking straight to the page where the action is taken:

| role | groups |
| ---- | ------ |
| agency officer (owner, officer) | drafts, unanswered questions, challenges to open |
| | for evaluation, panels short of evaluators, awards to propose, orders to draft, |
| | deliveries to review, accepted milestones to pay |
| agency approver | awards waiting for approval, orders waiting for the countersignature |
| evaluator (panel member) | declarations and scores pending, per challenge, with the |
| | date evaluation started |
| solver (owner, member) | drafts of open challenges by deadline, consortium |
| | invitations, orders to sign (owner), milestones due |
| administrator | organizations waiting for verification |

The cost is bounded whatever the number of items (issue 21: at most ten statements for
the page): the user's memberships and whether they sit on a panel (one statement); the
officer's challenges of every group (drafts, to open, under evaluation: one statement,
the rest from its rows), the panels' shortfalls (the evaluation's own rule of "short"),
the questions, the orders to draft, and the milestones of both groups (one); one per
group of the other roles — each a join that selects the columns the page shows. The groups are a
worklist, not a gate: each action's page asks the policy again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select

from marketplace.accounts.models import (
    MemberRole,
    Membership,
    Organization,
    OrgKind,
    OrgStatus,
    User,
)
from marketplace.challenges.models import Challenge, ChallengeStatus, Clarification
from marketplace.evaluation.models import (
    Award,
    AwardItem,
    AwardStatus,
    ConflictDeclaration,
    ConflictKind,
    Evaluation,
    EvaluationStatus,
    PanelMember,
)
from marketplace.evaluation.services import shortfalls
from marketplace.orders.models import Milestone, MilestoneStatus, OrderStatus, PilotOrder
from marketplace.policy.challenges import OFFICER_ROLES
from marketplace.policy.evaluation import SCORABLE
from marketplace.submissions.models import (
    ConsortiumPartner,
    PartnerStatus,
    Submission,
    SubmissionStatus,
)
from marketplace.types import utcnow

LIMIT = 50  # items shown per group; the count says when there are more


@dataclass
class Item:
    """One thing to do: `text` (user text, e.g. a challenge title), `link` (the page
    where it is done), `note` (what is pending), `when` (a deadline or a date to show:
    aware UTC `datetime`, or a `date`), `action`/`action_link` (the next step, when it
    is on another page or a part of it)."""

    text: str
    link: str
    note: str = ""
    when: datetime | date | None = None
    action: str = ""  # a second link beside the item: its label …
    action_link: str = ""  # … and where it goes
    deadline: bool = False  # `when` is a deadline: shown saying "giờ Việt Nam"


@dataclass
class Group:
    """A kind of work: `title`, `items` (at most `LIMIT`), `more` (True when there were
    more items than shown), `link`/`link_text` (the page of all of it, past work too)."""

    key: str
    title: str
    items: list[Item] = field(default_factory=list)
    more: bool = False
    link: str = ""  # where the whole of this kind of work is, done and to do …
    link_text: str = ""  # … and its label

    @property
    def count(self) -> str:
        return f"{len(self.items)}+" if self.more else str(len(self.items))


def _group(session, key: str, title, statement, make: Callable[..., Item | None]) -> Group:
    rows = session.execute(statement.limit(LIMIT + 1)).all()
    items = [item for item in (make(*row) for row in rows[:LIMIT]) if item is not None]
    return Group(key, str(title), items, more=len(rows) > LIMIT)


def _officer_groups(session, orgs: list[int]) -> list[Group]:
    drafts, to_open, evaluating = _own_challenges(session, orgs)
    deliveries, to_pay = _own_milestones(session, orgs)
    order_exists = select(PilotOrder.id).where(
        PilotOrder.award_item_id == AwardItem.id).exists()
    return [
        Group("challenge_drafts", str(_l("Draft challenges to finish and publish")),
              [Item(row.title, url_for("challenges.edit", challenge_id=row.id),
                    str(_l("Last saved")), row.updated_at) for row in drafts[:LIMIT]],
              more=len(drafts) > LIMIT),
        _group(session, "questions", _l("Questions waiting for an answer"),
               select(Challenge.id, Challenge.title, func.count(Clarification.id),
                      Challenge.clarification_deadline)
               .join(Clarification, Clarification.challenge_id == Challenge.id)
               .where(Challenge.agency_id.in_(orgs),
                      Challenge.status == ChallengeStatus.PUBLISHED,
                      Clarification.answered_at.is_(None))
               .group_by(Challenge.id, Challenge.title, Challenge.clarification_deadline)
               .order_by(Challenge.clarification_deadline),
               lambda cid, title, n, deadline: Item(
                   title, url_for("challenges.questions", challenge_id=cid),
                   str(_l("%(n)s unanswered; clarification deadline", n=n)), deadline,
                   deadline=True)),
        Group("to_open", str(_l("Closed challenges to open for evaluation")),
              [Item(row.title, url_for("challenges.show", challenge_id=row.id),
                    str(_l("Closed")), row.closed_at) for row in to_open[:LIMIT]],
              more=len(to_open) > LIMIT),
        _short_panels(session, evaluating),
        _to_award(evaluating),
        _group(session, "orders_to_draft", _l("Pilot orders to draft"),
               select(AwardItem.id, Challenge.title, Award.decided_at)
               .join(Award, Award.id == AwardItem.award_id)
               .join(Challenge, Challenge.id == Award.challenge_id)
               .where(Challenge.agency_id.in_(orgs), Award.status == AwardStatus.APPROVED,
                      ~order_exists)
               .order_by(Award.decided_at),
               lambda item_id, title, decided: Item(
                   title, url_for("orders.new", award_item_id=item_id),
                   str(_l("Award approved")), decided)),
        Group("deliveries", str(_l("Deliveries to review")),
              [Item(f"{row.contract_number} · {row.deliverable}",
                    url_for("orders.show", order_id=row.order_id),
                    str(_l("Delivered")), row.delivered_at) for row in deliveries[:LIMIT]],
              more=len(deliveries) > LIMIT),
        Group("to_pay", str(_l("Accepted milestones to pay")),
              [Item(f"{row.contract_number} · {row.deliverable}",
                    url_for("orders.pay", order_id=row.order_id, milestone_id=row.id),
                    str(_l("Accepted")), row.accepted_at) for row in to_pay[:LIMIT]],
              more=len(to_pay) > LIMIT),
    ]


def _own_challenges(session, orgs: list[int]) -> tuple[list, list, list]:
    """The agency's draft challenges (last saved first), closed ones (closed first) —
    `LIMIT` + 1 of each, to know there are more — and every one under evaluation (first
    started first), with its panel's size and whether it has an award proposed or
    approved: one statement."""
    panel_size = (select(func.count(PanelMember.id))
                  .where(PanelMember.challenge_id == Challenge.id).scalar_subquery())
    live_award = select(Award.id).where(
        Award.challenge_id == Challenge.id,
        Award.status.not_in((AwardStatus.REJECTED, AwardStatus.ANNULLED))).exists()

    def place(*order_by):
        return func.row_number().over(partition_by=Challenge.status, order_by=order_by)

    ranked = (select(Challenge.id, Challenge.title, Challenge.status, Challenge.updated_at,
                     Challenge.closed_at, Challenge.evaluating_at, Challenge.min_evaluators,
                     panel_size.label("panel_size"), live_award.label("awarding"),
                     place(Challenge.updated_at.desc(), Challenge.id).label("draft_place"),
                     place(Challenge.closed_at, Challenge.id).label("closed_place"),
                     place(Challenge.evaluating_at, Challenge.id).label("evaluating_place"))
              .where(Challenge.agency_id.in_(orgs),
                     Challenge.status.in_((ChallengeStatus.DRAFT, ChallengeStatus.CLOSED,
                                           ChallengeStatus.EVALUATING)))
              .subquery())
    rows = session.execute(select(ranked).where(or_(
        ranked.c.status == ChallengeStatus.EVALUATING,
        and_(ranked.c.status == ChallengeStatus.DRAFT, ranked.c.draft_place <= LIMIT + 1),
        and_(ranked.c.status == ChallengeStatus.CLOSED, ranked.c.closed_place <= LIMIT + 1),
    ))).all()

    def of(status, place):
        return sorted((row for row in rows if row.status is status),
                      key=lambda row: getattr(row, place))

    return (of(ChallengeStatus.DRAFT, "draft_place"),
            of(ChallengeStatus.CLOSED, "closed_place"),
            of(ChallengeStatus.EVALUATING, "evaluating_place"))


def _own_milestones(session, orgs: list[int]) -> tuple[list, list]:
    """The agency's delivered milestones of active pilots (first delivered first) and
    accepted ones of active or terminated pilots (first accepted first), `LIMIT` + 1 of
    each: one statement."""
    delivered = Milestone.status == MilestoneStatus.DELIVERED
    ranked = (select(Milestone.id, Milestone.deliverable, Milestone.status,
                     Milestone.delivered_at, Milestone.accepted_at,
                     PilotOrder.id.label("order_id"), PilotOrder.contract_number,
                     func.row_number().over(
                         partition_by=Milestone.status,
                         order_by=(case((delivered, Milestone.delivered_at),
                                        else_=Milestone.accepted_at), Milestone.id))
                     .label("place"))
              .join(PilotOrder, PilotOrder.id == Milestone.order_id)
              .where(PilotOrder.agency_id.in_(orgs), or_(
                  and_(delivered, PilotOrder.status == OrderStatus.ACTIVE),
                  and_(Milestone.status == MilestoneStatus.ACCEPTED,
                       PilotOrder.status.in_((OrderStatus.ACTIVE, OrderStatus.TERMINATED)))))
              .subquery())
    rows = session.execute(select(ranked).where(ranked.c.place <= LIMIT + 1)
                           .order_by(ranked.c.place)).all()
    return ([row for row in rows if row.status is MilestoneStatus.DELIVERED],
            [row for row in rows if row.status is MilestoneStatus.ACCEPTED])


def _to_award(evaluating: list) -> Group:
    rows = [row for row in evaluating if not row.awarding]
    return Group("to_award", str(_l("Awards to propose")),
                 [Item(row.title, url_for("evaluation.propose", challenge_id=row.id),
                       str(_l("Under evaluation since")), row.evaluating_at)
                  for row in rows[:LIMIT]], more=len(rows) > LIMIT)


def _short_panels(session, evaluating: list) -> Group:
    """Challenges under evaluation whose panel is smaller than the minimum, or with a
    solution the panel as it stands cannot give enough evaluations
    (`evaluation.services.shortfalls`, the award rule's own), each naming the solutions
    short. One statement whatever the number of challenges (`evaluating`: the rows of
    `_own_challenges`)."""
    short = shortfalls(session, [row.id for row in evaluating])
    items = []
    for cid, title, size, needed in sorted((row.id, row.title, row.panel_size,
                                            row.min_evaluators) for row in evaluating):
        lacking = [s for s in short.get(cid, []) if s.needs_evaluator]
        if size >= needed and not lacking:
            continue
        parts = [str(_l("%(size)s of at least %(needed)s evaluators", size=size,
                        needed=needed))] if size < needed else []
        parts += [str(_l("%(label)s: %(submitted)s of the %(needed)s evaluations needed",
                         label=s.label, submitted=s.submitted, needed=s.needed))
                  for s in lacking]
        panel = url_for("evaluation.panel", challenge_id=cid)
        items.append(Item(title, panel, "; ".join(parts),
                          action=str(_l("Appoint another evaluator")),
                          action_link=panel + "#appoint"))
    return Group("panels", str(_l("Panels short of evaluators")), items[:LIMIT],
                 more=len(items) > LIMIT)


def _approver_groups(session, orgs: list[int], user_id: int) -> list[Group]:
    return [
        _group(session, "awards_to_approve", _l("Awards waiting for your approval"),
               select(Award.id, Challenge.title, Award.total_amount, Award.proposed_at)
               .join(Challenge, Challenge.id == Award.challenge_id)
               .where(Challenge.agency_id.in_(orgs), Award.status == AwardStatus.PROPOSED,
                      Award.requires_approval.is_(True), Award.proposed_by_id != user_id)
               .order_by(Award.proposed_at),
               lambda aid, title, _amount, proposed: Item(
                   title, url_for("evaluation.award", award_id=aid),
                   str(_l("Proposed")), proposed)),
        _group(session, "orders_to_countersign",
               _l("Pilot orders waiting for your countersignature"),
               select(PilotOrder.id, PilotOrder.contract_number, Challenge.title,
                      PilotOrder.signed_at)
               .join(Challenge, Challenge.id == PilotOrder.challenge_id)
               .where(PilotOrder.agency_id.in_(orgs), PilotOrder.status == OrderStatus.SIGNED)
               .order_by(PilotOrder.signed_at),
               lambda oid, number, title, signed: Item(
                   f"{number} · {title}", url_for("orders.sign", order_id=oid),
                   str(_l("Signed by the solver")), signed)),
    ]


def _evaluator_groups(session, user_id: int) -> list[Group]:
    """One row per submission the user still has to declare on or score."""
    declared = and_(ConflictDeclaration.submission_id == Submission.id,
                    ConflictDeclaration.evaluator_id == user_id)
    evaluated = and_(Evaluation.submission_id == Submission.id,
                     Evaluation.evaluator_id == user_id)
    statement = (
        select(Challenge.id, Challenge.title, Challenge.evaluating_at,
               func.min(Submission.id),
               func.count(Submission.id).filter(ConflictDeclaration.id.is_(None)),
               func.count(Submission.id).filter(
                   ConflictDeclaration.kind == ConflictKind.NONE,
                   func.coalesce(Evaluation.status, EvaluationStatus.DRAFT)
                   == EvaluationStatus.DRAFT))
        .join(PanelMember, and_(PanelMember.challenge_id == Challenge.id,
                                PanelMember.user_id == user_id))
        .join(Submission, Submission.challenge_id == Challenge.id)
        .outerjoin(ConflictDeclaration, declared)
        .outerjoin(Evaluation, evaluated)
        .where(Challenge.status == ChallengeStatus.EVALUATING,
               Submission.status.in_(SCORABLE))
        .group_by(Challenge.id, Challenge.title, Challenge.evaluating_at)
        .order_by(Challenge.evaluating_at))

    def make(cid, title, since, _first, undeclared, unscored):
        parts = []
        if undeclared:
            parts.append(str(_l("%(n)s declarations", n=undeclared)))
        if unscored:
            parts.append(str(_l("%(n)s scores", n=unscored)))
        if not parts:
            return None
        return Item(title, url_for("evaluation.index") + f"#challenge-{cid}",
                    str(_l("Pending: %(what)s; evaluation started", what=", ".join(parts))),
                    since)

    group = _group(session, "evaluations", _l("Declarations and scores pending"), statement,
                   make)
    group.link = url_for("evaluation.index")  # the evaluations done too, once decided
    group.link_text = str(_l("All your evaluations, past ones included"))
    return [group]


def _solver_groups(session, orgs: list[int], owned: list[int], now: datetime) -> list[Group]:
    milestone_cols = (Milestone.id, Milestone.deliverable, PilotOrder.id,
                      PilotOrder.contract_number)
    return [
        _group(session, "submission_drafts", _l("Draft submissions to send before the deadline"),
               select(Submission.id, Challenge.title, Challenge.submission_deadline)
               .join(Challenge, Challenge.id == Submission.challenge_id)
               .where(Submission.organization_id.in_(orgs),
                      Submission.status == SubmissionStatus.DRAFT,
                      Challenge.status == ChallengeStatus.PUBLISHED,
                      Challenge.submission_deadline > now)
               .order_by(Challenge.submission_deadline),
               lambda sid, title, deadline: Item(
                   title, url_for("submissions.edit", submission_id=sid),
                   str(_l("Deadline")), deadline, deadline=True)),
        _group(session, "invitations", _l("Consortium invitations to answer"),
               select(ConsortiumPartner.id, Challenge.title, ConsortiumPartner.invited_at)
               .join(Submission, Submission.id == ConsortiumPartner.submission_id)
               .join(Challenge, Challenge.id == Submission.challenge_id)
               .where(ConsortiumPartner.organization_id.in_(orgs),
                      ConsortiumPartner.status == PartnerStatus.INVITED,
                      Submission.status == SubmissionStatus.DRAFT)
               .order_by(ConsortiumPartner.invited_at),
               lambda _pid, title, invited: Item(
                   title, url_for("submissions.invitations"),
                   str(_l("Invited")), invited)),
        _group(session, "orders_to_sign", _l("Pilot orders to sign"),
               select(PilotOrder.id, PilotOrder.contract_number, Challenge.title,
                      PilotOrder.offered_at)
               .join(Challenge, Challenge.id == PilotOrder.challenge_id)
               .where(PilotOrder.solver_id.in_(owned),
                      PilotOrder.status == OrderStatus.OFFERED)
               .order_by(PilotOrder.offered_at),
               lambda oid, number, title, offered: Item(
                   f"{number} · {title}", url_for("orders.sign", order_id=oid),
                   str(_l("Offered")), offered)),
        _group(session, "milestones_due", _l("Milestones to deliver"),
               select(*milestone_cols, Milestone.due_date)
               .join(PilotOrder, PilotOrder.id == Milestone.order_id)
               .where(PilotOrder.solver_id.in_(orgs),
                      PilotOrder.status == OrderStatus.ACTIVE,
                      Milestone.status == MilestoneStatus.PLANNED)
               .order_by(Milestone.due_date),
               lambda mid, deliverable, oid, number, due: Item(
                   f"{number} · {deliverable}",
                   url_for("orders.deliver", order_id=oid, milestone_id=mid),
                   str(_l("Due")), due)),
    ]


def _admin_groups(session) -> list[Group]:
    return [
        _group(session, "organizations", _l("Organizations waiting for verification"),
               select(Organization.id, Organization.name_vi, Organization.created_at)
               .where(Organization.status == OrgStatus.PENDING)
               .order_by(Organization.created_at),
               lambda _oid, name, created: Item(
                   name, url_for("admin.organization_list"),
                   str(_l("Registered")), created)),
    ]


def todo_for(session, user, *, now: datetime | None = None) -> list[Group]:
    """Every group of work waiting for `user`, in the order of the table above; groups
    of a role the user does not hold are left out, empty groups kept (the page says
    "nothing to do" for them). `now` (aware UTC) decides which drafts are still open."""
    now = now or utcnow()
    # the memberships and whether the user sits on a panel: one statement
    on_panel = select(PanelMember.id).where(PanelMember.user_id == user.id).exists()
    rows = session.execute(
        select(on_panel, Membership.organization_id, Membership.role, Organization.kind)
        .select_from(User)
        .outerjoin(Membership, Membership.user_id == User.id)
        .outerjoin(Organization, Organization.id == Membership.organization_id)
        .where(User.id == user.id)).all()
    evaluator = any(row[0] for row in rows)
    memberships = [row[1:] for row in rows if row[1] is not None]
    agency = {org: role for org, role, kind in memberships if kind is OrgKind.AGENCY}
    solver = {org: role for org, role, kind in memberships if kind is not OrgKind.AGENCY}
    groups: list[Group] = []
    officer_orgs = [org for org, role in agency.items() if role in OFFICER_ROLES]
    if officer_orgs:
        groups += _officer_groups(session, officer_orgs)
    approver_orgs = [org for org, role in agency.items() if role is MemberRole.APPROVER]
    if approver_orgs:
        groups += _approver_groups(session, approver_orgs, user.id)
    if evaluator:
        groups += _evaluator_groups(session, user.id)
    if solver:
        owned = [org for org, role in solver.items() if role is MemberRole.OWNER]
        groups += _solver_groups(session, list(solver), owned, now)
    if user.is_admin:
        groups += _admin_groups(session)
    return groups
