"""The award decision: proposal, second signature, taking effect; or "no suitable
solution". Plain functions over the session; they never commit.

Two decisions at the same moment make one: the challenge row is locked first on
PostgreSQL (`SELECT … FOR UPDATE`), and the partial unique index
`uq_awards_one_live_per_challenge` refuses a second live award on any database."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace import policy
from marketplace.accounts.models import SOLVER_ROLES, MemberRole, Membership, User
from marketplace.audit.services import record
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.challenges.states import CHALLENGE_LIFECYCLE
from marketplace.complaints import standstill
from marketplace.documents import services as documents
from marketplace.errors import DomainError
from marketplace.evaluation.models import Award, AwardItem, AwardStatus
from marketplace.evaluation.ranking import standings, submissions_of
from marketplace.evaluation.services import assignments, live_award, shortfalls_of
from marketplace.evaluation.states import AWARD_LIFECYCLE
from marketplace.lifecycle import SYSTEM, transition
from marketplace.notifications.services import notify
from marketplace.phases import services as phases
from marketplace.policy.evaluation import SCORABLE
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.submissions.states import SUBMISSION_LIFECYCLE

FEEDBACK_PATH = "/evaluation/submissions/{id}/feedback"
AWARD_PATH = "/evaluation/awards/{id}"


@dataclass
class Choice:
    submission_id: int
    amount: int
    not_top_ranked_reason: str = ""


def lock_challenge(session, challenge: Challenge) -> Challenge:
    """Lock the challenge row (PostgreSQL) and reload it: whoever comes second waits,
    then sees what the first decided."""
    stmt = select(Challenge).where(Challenge.id == challenge.id) \
        .execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def award_blockers(session, challenge: Challenge) -> list[str]:
    """Why no award is possible yet (empty when it is): assigned evaluations not yet
    submitted, and solutions short of evaluations (`services.shortfalls_of`, the one
    rule of "short")."""
    problems = []
    pending = [a for a in assignments(session, challenge) if not a.done]
    if pending:
        problems.append(_("%(n)d assigned evaluations are not submitted yet.", n=len(pending)))
    if shortfalls_of(session, challenge):  # the solutions short are named by the pages
        problems.append(_("Each submission needs at least %(n)d submitted evaluations.",
                          n=challenge.min_evaluators))
    return problems


def propose(session, officer: User, challenge: Challenge, choices: list[Choice],
            justification: str) -> Award:
    """The officer's proposal. Within the agency's threshold it takes effect at once;
    above it, it waits for an approver."""
    challenge = lock_challenge(session, challenge)
    if challenge.status is ChallengeStatus.AWARDED or live_award(session, challenge) is not None:
        raise DomainError(_("An award has already been proposed for this challenge."))
    policy.require(officer, "award.propose", challenge)
    blockers = award_blockers(session, challenge)
    if blockers:
        raise DomainError(blockers[0])
    justification = (justification or "").strip()
    if not justification:
        raise DomainError(_("Please justify the award."), field="justification")
    if not choices:
        raise DomainError(_("Please choose the submission to award."))
    if len(choices) > 1 and not (challenge.parallel_pilots_allowed
                                 or phases.is_phased(session, challenge)):
        raise DomainError(_("This challenge allows only one pilot."))
    by_id = {s.submission.id: s for s in standings(session, challenge)}
    items = []
    for choice in choices:
        standing = by_id.get(choice.submission_id)
        if standing is None or standing.rank is None or \
                standing.submission.status not in SCORABLE:
            raise DomainError(_("Only a ranked submission of this challenge can be awarded."))
        price = standing.submission.proposed_price or 0
        if not 0 < choice.amount <= price:
            raise DomainError(_("The amount must be positive and at most the proposed price."),
                              field=f"amount_{choice.submission_id}")
        reason = (choice.not_top_ranked_reason or "").strip()
        if standing.rank != 1 and not reason:
            raise DomainError(_("Explain why you choose a submission that is not ranked first."),
                              field=f"reason_{choice.submission_id}")
        items.append(AwardItem(submission_id=choice.submission_id, amount=choice.amount,
                               rank=standing.rank, score=standing.score,
                               not_top_ranked_reason=reason if standing.rank != 1 else ""))
    total = sum(item.amount for item in items)
    if total > challenge.budget_ceiling:
        raise DomainError(_("Together the amounts exceed the budget ceiling."))
    phases.check_first_award(session, challenge, items)
    return decide_or_wait(session, officer, challenge, items, justification)


def decide_or_wait(session, officer: User, challenge: Challenge, items: list[AwardItem],
                   justification: str, *, phase: int = 1) -> Award:
    """Record the proposed decision (the open call's award, or the down-selection into
    `phase` ≥ 2 of a phased challenge): within the agency's threshold it takes effect
    at once, above it it waits for an approver (four-eyes). Raises DomainError when a
    live decision of that challenge and phase exists."""
    total = sum(item.amount for item in items)
    award = Award(challenge_id=challenge.id, justification=justification, total_amount=total,
                  requires_approval=total > challenge.agency.approval_threshold,
                  proposed_by_id=officer.id, items=items, phase=phase)
    try:
        with session.begin_nested():
            session.add(award)
            session.flush()
    except IntegrityError:
        raise DomainError(_("An award has already been proposed for this challenge.")) \
            from None
    record(session, officer, "award.proposed", award,
           after={"challenge_id": challenge.id, "total": total, "phase": phase,
                  "items": [{"submission_id": i.submission_id, "amount": i.amount,
                             "rank": i.rank} for i in items],
                  "requires_approval": award.requires_approval})
    if award.requires_approval:
        notify(session, _approvers(session, challenge), "award.proposed",
               lambda: _("An award on “%(title)s” is waiting for your approval.",
                         title=challenge.title), link=AWARD_PATH.format(id=award.id))
    else:
        transition(session, award, AwardStatus.APPROVED, SYSTEM, lifecycle=AWARD_LIFECYCLE,
                   by_system=True, data={"within_threshold": True})
        _take_effect(session, award)
    return award


def _approvers(session, challenge: Challenge) -> list[User]:
    return list(session.scalars(select(User).join(Membership).where(
        Membership.organization_id == challenge.agency_id,
        Membership.role == MemberRole.APPROVER)))


def approve(session, approver: User, award: Award) -> None:
    lock_challenge(session, award.challenge)
    session.refresh(award)
    transition(session, award, AwardStatus.APPROVED, approver, lifecycle=AWARD_LIFECYCLE)
    for item in award.items if award.phase == 1 else ():  # a phase's results stay put
        if item.submission.status not in SCORABLE:
            raise DomainError(_("A chosen submission is no longer in the evaluation."))
    award.decided_by_id = approver.id
    session.flush()
    _take_effect(session, award)


def reject(session, approver: User, award: Award, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give the reason for sending the award back."),
                          field="reason")
    lock_challenge(session, award.challenge)
    session.refresh(award)
    award.rejection_reason = reason
    transition(session, award, AwardStatus.REJECTED, approver, lifecycle=AWARD_LIFECYCLE,
               data={"reason": reason})
    award.decided_by_id = approver.id
    session.flush()
    notify(session, [award.proposed_by], "award.rejected",
           lambda: _("The approver sent back the award on “%(title)s”: %(reason)s",
                     title=award.challenge.title, reason=reason),
           link=AWARD_PATH.format(id=award.id))


def _take_effect(session, award: Award) -> None:
    """Challenge awarded; chosen submissions awarded, the others not; bidders told. A
    down-selection (phase ≥ 2) takes effect on its phase instead (`phases.services`)."""
    if award.phase > 1:
        phases.selection_takes_effect(session, award)
        return
    challenge = award.challenge
    chosen = {item.submission_id for item in award.items}
    standstill.start(award)  # issue 19: the bidders may complain before any order
    transition(session, challenge, ChallengeStatus.AWARDED, SYSTEM,
               lifecycle=CHALLENGE_LIFECYCLE, by_system=True, data={"award_id": award.id})
    decide_all(session, challenge, chosen)
    documents.award_decided(session, SYSTEM, award)


def decide_all(session, challenge: Challenge, chosen: set[int], *,
               cancelled: bool = False) -> None:
    """Every submission still in the evaluation (opened, scored, shortlisted) awarded
    (`chosen` ids) or not; bidders told. Used by the award taking effect and by
    cancelling a closed challenge or one under evaluation (`cancelled`: they are told the
    challenge was cancelled, with its public reason)."""
    for submission in submissions_of(session, challenge):
        if submission.status not in SCORABLE:
            continue
        target = SubmissionStatus.AWARDED if submission.id in chosen \
            else SubmissionStatus.NOT_AWARDED
        transition(session, submission, target, SYSTEM, lifecycle=SUBMISSION_LIFECYCLE,
                   by_system=True, data={"reason": "challenge_cancelled"} if cancelled else None)
    if cancelled:
        notify_cancelled(session, challenge, submissions_of(session, challenge))
    else:
        _notify_bidders(session, challenge)


def return_sealed(session, challenge: Challenge) -> None:
    """A challenge cancelled before its close: each sealed submission (`submitted`) is
    returned unopened — withdrawn by the system, audited with the reason
    `challenge_cancelled` — so that nobody ever opens it (the agency sees no withdrawn
    submission), and its bidders are told. Drafts stay their authors' to delete."""
    sealed = list(session.scalars(select(Submission).where(
        Submission.challenge_id == challenge.id,
        Submission.status == SubmissionStatus.SUBMITTED).order_by(Submission.id)))
    for submission in sealed:
        transition(session, submission, SubmissionStatus.WITHDRAWN, SYSTEM,
                   lifecycle=SUBMISSION_LIFECYCLE, by_system=True,
                   data={"reason": "challenge_cancelled"})
    notify_cancelled(session, challenge, sealed)


def notify_cancelled(session, challenge: Challenge, submissions) -> None:
    for submission in submissions:
        notify(session, bidder_members(session, submission), "award.decided",
               lambda: _("“%(title)s” was cancelled: %(reason)s. Your solution was not "
                         "chosen and stays yours.", title=challenge.title,
                         reason=challenge.cancel_reason),
               link=f"/submissions/{submission.id}")


def cancel_no_suitable_solution(session, officer: User, challenge: Challenge, reason: str
                                ) -> None:
    """No submission is good enough: the challenge under evaluation is cancelled with a
    public reason — by the one cancel rule (`marketplace.challenges.services.cancel`),
    which settles the submissions and tells the bidders."""
    from marketplace.challenges.services import cancel

    if challenge.status is not ChallengeStatus.EVALUATING:
        raise DomainError(_("This challenge is not under evaluation."))
    cancel(session, officer, challenge, reason, no_suitable_solution=True)


def bidder_members(session, submission: Submission) -> list[User]:
    org_ids = [submission.organization_id, *submission.accepted_partner_ids()]
    return list(session.scalars(select(User).join(Membership).where(
        Membership.organization_id.in_(org_ids), Membership.role.in_(SOLVER_ROLES))))


def _notify_bidders(session, challenge: Challenge) -> None:
    for submission in submissions_of(session, challenge):
        notify(session, bidder_members(session, submission), "award.decided",
               lambda: _("The decision on “%(title)s” is out: see your scores and rank.",
                         title=challenge.title),
               link=FEEDBACK_PATH.format(id=submission.id))
