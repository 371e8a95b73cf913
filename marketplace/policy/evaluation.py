"""Who may do what in the evaluation domain.

- The agency officer (owner or officer of the challenge's agency) runs the evaluation:
  appoints the panel, disqualifies, shortlists, proposes the award.
- A panel member sees a submission only after declaring no conflict of interest for it;
  a member of the submitting organization or of an accepted consortium partner never
  does (checked again here, at access time, not only at appointment).
- The chair moderates a submission whose evaluators disagree widely.
- An agency approver other than the proposer approves or rejects an award above the
  agency's threshold (the database refuses the same user too: `four_eyes`).
- Status changes that follow from other events (`submission.mark_scored`,
  `submission.decide`) are the system's: no user holds them."""

from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import SOLVER_ROLES, MemberRole, User
from marketplace.challenges.models import ChallengeStatus
from marketplace.evaluation.models import (
    AwardStatus,
    ConflictDeclaration,
    ConflictKind,
    Evaluation,
    EvaluationStatus,
    PanelMember,
)
from marketplace.extensions import db
from marketplace.memo import per_session, remember
from marketplace.policy.challenges import (
    is_agency_member,
    is_agency_officer,
    is_verified_officer,
)
from marketplace.policy.core import rule
from marketplace.submissions.models import IN_EVALUATION, SubmissionStatus

REVIEWABLE = (ChallengeStatus.EVALUATING, ChallengeStatus.AWARDED)
SCORABLE = (SubmissionStatus.OPENED, SubmissionStatus.SCORED, SubmissionStatus.SHORTLISTED)
DECIDED = (ChallengeStatus.AWARDED, ChallengeStatus.CANCELLED)


def panel(session, challenge) -> list[PanelMember]:
    """The challenge's panel with each member's user and memberships (the bidder check
    reads them): one statement (joined), read once per unit of work (`memo.per_session`),
    so that the rules asked for every row of a page cost nothing more."""
    return per_session(session, ("panel", challenge.id),
                       lambda: _panels(session, [challenge.id])[challenge.id])


def read_panels(session, challenge_ids: list[int]) -> dict[int, list[PanelMember]]:
    """`panel` of many challenges: one statement whatever their number, kept for `panel`
    to answer in this unit of work."""
    return remember(session, "panel", _panels(session, challenge_ids) if challenge_ids else {})


def _panels(session, challenge_ids: list[int]) -> dict[int, list[PanelMember]]:
    found: dict[int, list[PanelMember]] = {challenge_id: [] for challenge_id in challenge_ids}
    for member in session.scalars(_panels_statement(),
                                  {"challenge_ids": list(challenge_ids)}).unique():
        found[member.challenge_id].append(member)
    return found


@cache
def _panels_statement():
    """The statement of `_panels`, built once (`challenge_ids` bound at execution)."""
    return (select(PanelMember)
            .where(PanelMember.challenge_id.in_(bindparam("challenge_ids", expanding=True)))
            .options(joinedload(PanelMember.user).joinedload(User.memberships))
            .order_by(PanelMember.id))


def panel_member(user, challenge) -> PanelMember | None:
    if user is None or challenge is None or user.id is None:
        return None
    return next((m for m in panel(db.session, challenge) if m.user_id == user.id), None)


def declaration(user, submission) -> ConflictDeclaration | None:
    if user is None or submission is None:
        return None
    return per_session(db.session, ("declaration", user.id, submission.id),
                       lambda: db.session.scalar(select(ConflictDeclaration).where(
                           ConflictDeclaration.submission_id == submission.id,
                           ConflictDeclaration.evaluator_id == user.id)))


def evaluation_of(user, submission) -> Evaluation | None:
    """The user's own evaluation of `submission` with its scores (one statement, joined),
    or None; read once per unit of work (`memo.per_session`), so that the scoring page
    and the rules it asks (`evaluation.score`, `evaluation.moderate`) share it."""
    if user is None or submission is None or user.id is None:
        return None
    return per_session(db.session, ("evaluation", user.id, submission.id),
                       lambda: db.session.scalars(
                           select(Evaluation).where(Evaluation.submission_id == submission.id,
                                                    Evaluation.evaluator_id == user.id)
                           .options(joinedload(Evaluation.scores))).unique().one_or_none())


def belongs_to_bidder(user, submission) -> bool:
    """A member of the submitting organization or of an accepted consortium partner."""
    if user is None:
        return False
    org_ids = [submission.organization_id, *submission.accepted_partner_ids()]
    return any(user.role_in(org_id) in SOLVER_ROLES for org_id in org_ids)


@rule("evaluation.manage")
def manage_evaluation(user, challenge) -> bool:
    """See the panel, the progress and the ranking of the agency's own challenge."""
    return challenge is not None and challenge.status in (
        ChallengeStatus.CLOSED, *REVIEWABLE, ChallengeStatus.CANCELLED
    ) and is_agency_officer(user, challenge.agency)


@rule("evaluation.appoint")
def appoint(user, challenge) -> bool:
    return (challenge is not None and challenge.status is ChallengeStatus.EVALUATING
            and is_verified_officer(user, challenge.agency))


@rule("evaluation.view_panel")
def view_panel(user, challenge) -> bool:
    """An appointed evaluator's view of a challenge: the anonymous list of submissions."""
    return (challenge is not None and challenge.status in REVIEWABLE
            and panel_member(user, challenge) is not None)


@rule("evaluation.declare")
def declare(user, submission) -> bool:
    return (submission is not None and submission.challenge.status is ChallengeStatus.EVALUATING
            and submission.status in SCORABLE
            and panel_member(user, submission.challenge) is not None
            and declaration(user, submission) is None)


@rule("evaluation.read")
def read(user, submission) -> bool:
    """An appointed evaluator reads a submission on the evaluation pages (which hide who
    submitted under blind review): after the deadline, once they declared no conflict
    for it, and if they do not belong to the bidders (checked again now, not only at
    appointment)."""
    if submission is None or user is None or submission.challenge.status not in REVIEWABLE:
        return False
    if submission.status not in IN_EVALUATION or belongs_to_bidder(user, submission):
        return False
    if panel_member(user, submission.challenge) is None:
        return False
    declared = declaration(user, submission)
    return declared is not None and declared.kind is ConflictKind.NONE


@rule("submission.view_as_evaluator")
def view_as_evaluator(user, submission) -> bool:
    """The evaluator's way to the general submission page and its files, which show who
    submitted: so only without blind review. Under blind review evaluators read
    submissions only through the evaluation pages (`evaluation.read`)."""
    return (submission is not None and not submission.challenge.blind_review
            and read(user, submission))


@rule("submission.view_identity")
def view_identity(user, submission) -> bool:
    """Whether the user may learn who submitted: not an evaluator under blind review
    (unless they may see it in another capacity: the agency or the bidders)."""
    if submission is None or user is None:
        return False
    if belongs_to_bidder(user, submission) or \
            is_agency_member(user, submission.challenge.agency_id):
        return True
    return not submission.challenge.blind_review


@rule("evaluation.score")
def score(user, submission) -> bool:
    if submission is None or submission.challenge.status is not ChallengeStatus.EVALUATING:
        return False
    if submission.status not in SCORABLE or not read(user, submission):
        return False
    evaluation = evaluation_of(user, submission)
    return evaluation is None or evaluation.status is not EvaluationStatus.SUBMITTED


@rule("evaluation.submit")
def submit_evaluation(user, evaluation) -> bool:
    """Submitting (locking) one's scores: the evaluator, while they may score."""
    return (evaluation is not None and user is not None
            and evaluation.evaluator_id == user.id
            and score(user, evaluation.submission))


@rule("evaluation.moderate")
def moderate(user, submission) -> bool:
    if submission is None or submission.challenge.status is not ChallengeStatus.EVALUATING:
        return False
    member = panel_member(user, submission.challenge)
    return (member is not None and member.is_chair and submission.status in SCORABLE
            and read(user, submission))


def _officer_while_evaluating(user, submission) -> bool:
    return (submission is not None
            and submission.challenge.status is ChallengeStatus.EVALUATING
            and is_verified_officer(user, submission.challenge.agency))


@rule("submission.disqualify")
def disqualify(user, submission) -> bool:
    return _officer_while_evaluating(user, submission)


@rule("submission.shortlist")
def shortlist(user, submission) -> bool:
    return _officer_while_evaluating(user, submission)


@rule("submission.mark_scored")
def mark_scored(_user, _submission) -> bool:
    """Nobody: a submission is scored when its last assigned evaluation is in (system)."""
    return False


@rule("submission.decide")
def decide(_user, _submission) -> bool:
    """Nobody: submissions are awarded or not when the award takes effect (system)."""
    return False


@rule("award.propose")
def propose(user, challenge) -> bool:
    return (challenge is not None and challenge.status is ChallengeStatus.EVALUATING
            and is_verified_officer(user, challenge.agency))


def _second_signature(user, award) -> bool:
    return (award is not None and user is not None and award.status is AwardStatus.PROPOSED
            and award.requires_approval and user.id != award.proposed_by_id
            and user.role_in(award.challenge.agency_id) is MemberRole.APPROVER)


@rule("award.approve")
def approve(user, award) -> bool:
    return _second_signature(user, award)


@rule("award.reject")
def reject(user, award) -> bool:
    return _second_signature(user, award)


@rule("award.view")
def view_award(user, award) -> bool:
    """Public once in effect; before that the agency's own members."""
    if award is None:
        return False
    if award.status is AwardStatus.APPROVED:
        return True
    return is_agency_member(user, award.challenge.agency_id)


@rule("award.view_report")
def view_report(user, challenge) -> bool:
    """The full evaluation report, with evaluators' names: the agency's members."""
    return (challenge is not None and challenge.status in (*REVIEWABLE, ChallengeStatus.CANCELLED)
            and is_agency_member(user, challenge.agency_id))


@rule("evaluation.feedback")
def feedback(user, submission) -> bool:
    """A bidder's own scores, comments and rank, once the decision is made."""
    return (submission is not None and submission.challenge.status in DECIDED
            and submission.status is not SubmissionStatus.DRAFT
            and belongs_to_bidder(user, submission))


@rule("evaluation.set_aside")
def set_aside(_user, _evaluation) -> bool:
    """Nobody: the system sets an evaluation aside when its evaluator leaves the panel or
    declares a conflict after scoring (`evaluation.panel_changes`, by_system)."""
    return False
