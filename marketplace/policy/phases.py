"""Who may do what with the phases of a phased challenge (issue 17; design in
`marketplace/phases/__init__.py`).

- The agency officer defines the phases while the challenge is a draft, opens the call
  for phase results, starts their evaluation after the deadline and proposes the
  down-selection (its approval is `award.approve`, the four-eyes rule of every award).
- A member of a solver carried into the previous phase writes, submits and reopens its
  phase results before the deadline. Sealed until then by `submissions.sealed_view`, the
  same rule as first submissions.
- A panel member scores a phase result once it is opened, if they declared no conflict
  for the solver's first submission and do not belong to the bidder.
- A solver sees its own scores and comments once the down-selection is decided.
- Steps that follow from other events are the system's: nobody holds them."""

from __future__ import annotations

from sqlalchemy import and_, select

from marketplace.challenges.models import ChallengeStatus
from marketplace.evaluation.models import (
    Award,
    AwardStatus,
    ConflictDeclaration,
    ConflictKind,
    PanelMember,
)
from marketplace.extensions import db
from marketplace.phases.models import (
    RESULT_IN_EVALUATION,
    ChallengePhase,
    PhaseScore,
    PhaseStatus,
    ResultStatus,
)
from marketplace.policy.challenges import is_verified_officer
from marketplace.policy.core import rule
from marketplace.policy.evaluation import belongs_to_bidder
from marketplace.policy.submissions import is_lead_member, sealed_view
from marketplace.submissions.clock import decision_time


def phase_of(challenge, number: int) -> ChallengePhase | None:
    return db.session.scalar(select(ChallengePhase).where(
        ChallengePhase.challenge_id == challenge.id, ChallengePhase.number == number))


def selection_in_effect(phase: ChallengePhase) -> Award | None:
    """The approved award (phase 1) or down-selection (phase k ≥ 2) into `phase`."""
    return db.session.scalar(select(Award).where(
        Award.challenge_id == phase.challenge_id, Award.phase == phase.number,
        Award.status == AwardStatus.APPROVED))


def carried_into(phase: ChallengePhase) -> list[int]:
    """The first-submission ids of the solvers in effect selected into `phase`."""
    award = selection_in_effect(phase)
    return [] if award is None else [item.submission_id for item in award.items]


def results_sealed(phase: ChallengePhase, now=None) -> bool:
    """Phase results are sealed while the phase is planned or collecting and its
    deadline has not passed (the clock, as for first submissions)."""
    if phase.status is PhaseStatus.PLANNED or phase.results_deadline is None:
        return True
    return phase.status is PhaseStatus.COLLECTING and \
        (now or decision_time()) < phase.results_deadline


def collecting(phase: ChallengePhase | None) -> bool:
    return (phase is not None and phase.status is PhaseStatus.COLLECTING
            and phase.results_deadline is not None
            and decision_time() < phase.results_deadline)


@rule("phase.define")
def define(user, challenge) -> bool:
    """Define or change the phases: the agency officer, while the challenge is a draft."""
    return (challenge is not None and challenge.status is ChallengeStatus.DRAFT
            and is_verified_officer(user, challenge.agency))


@rule("phase.open")
def open_phase(user, phase) -> bool:
    """Open the call for the results that decide who enters phase k ≥ 2: the officer,
    once the selection into phase k-1 is in effect."""
    if phase is None or phase.number < 2 or phase.status is not PhaseStatus.PLANNED:
        return False
    previous = phase_of(phase.challenge, phase.number - 1)
    return (previous is not None and selection_in_effect(previous) is not None
            and is_verified_officer(user, phase.challenge.agency))


@rule("phase.start_evaluation")
def start_evaluation(user, phase) -> bool:
    return (phase is not None and phase.status is PhaseStatus.COLLECTING
            and not results_sealed(phase) and is_verified_officer(user, phase.challenge.agency))


@rule("phase.propose_selection")
def propose_selection(user, phase) -> bool:
    """Propose the down-selection into phase k: while its results are under evaluation."""
    return (phase is not None and phase.status is PhaseStatus.EVALUATING
            and is_verified_officer(user, phase.challenge.agency))


@rule("phase.manage")
def manage(user, phase) -> bool:
    """The agency's page of a phase: its results, scores and ranking."""
    return (phase is not None and phase.number >= 2
            and is_verified_officer(user, phase.challenge.agency))


@rule("phase.select")
def select_(_user, _phase) -> bool:
    """Nobody: a phase is selected when its down-selection takes effect (system)."""
    return False


@rule("phase.reopen_selection")
def reopen_selection(_user, _phase) -> bool:
    """Nobody: an upheld complaint reopens the phase's evaluation (system)."""
    return False


@rule("phase_result.start")
def start_result(user, phase) -> bool:
    """A member of a solver carried into the previous phase, while results are taken."""
    if not collecting(phase) or user is None:
        return False
    previous = phase_of(phase.challenge, phase.number - 1)
    award = selection_in_effect(previous) if previous is not None else None
    return award is not None and any(is_lead_member(user, item.submission) for item in award.items)


def _lead_while_collecting(user, result, status: ResultStatus) -> bool:
    return (result is not None and result.status is status and collecting(result.phase)
            and is_lead_member(user, result.submission))


@rule("phase_result.edit")
def edit_result(user, result) -> bool:
    return _lead_while_collecting(user, result, ResultStatus.DRAFT)


@rule("phase_result.submit")
def submit_result(user, result) -> bool:
    return _lead_while_collecting(user, result, ResultStatus.DRAFT)


@rule("phase_result.reopen")
def reopen_result(user, result) -> bool:
    return _lead_while_collecting(user, result, ResultStatus.SUBMITTED)


def _panel_declaration(user, result, *extra):
    """(the panel member's declaration kind for the solver's first submission, *extra
    columns) in one statement; None when the user is on no panel of it or declared
    nothing."""
    return db.session.execute(select(ConflictDeclaration.kind, *extra).join(
        PanelMember, and_(PanelMember.user_id == ConflictDeclaration.evaluator_id,
                          PanelMember.challenge_id == result.submission.challenge_id)).where(
        ConflictDeclaration.submission_id == result.submission_id,
        ConflictDeclaration.evaluator_id == user.id)).first()


def _panel_reader(user, result) -> bool:
    """A panel member without a conflict for the solver's first submission."""
    if user is None or belongs_to_bidder(user, result.submission):
        return False
    row = _panel_declaration(user, result)
    return row is not None and row[0] is ConflictKind.NONE


@rule("phase_result.view")
def view_result(user, result) -> bool:
    """Sealed exactly like a first submission (`sealed_view`)."""
    if result is None:
        return False
    return sealed_view(user, result.submission, sealed=results_sealed(result.phase),
                       in_evaluation=result.status in RESULT_IN_EVALUATION,
                       as_evaluator=lambda: _panel_reader(user, result))


@rule("phase_result.score")
def score_result(user, result) -> bool:
    if result is None or result.phase.status is not PhaseStatus.EVALUATING:
        return False
    if result.status not in (ResultStatus.OPENED, ResultStatus.SCORED):
        return False
    if user is None or belongs_to_bidder(user, result.submission):
        return False
    scored = select(PhaseScore.id).where(PhaseScore.result_id == result.id,
                                         PhaseScore.evaluator_id == user.id).exists()
    row = _panel_declaration(user, result, scored)
    return row is not None and row[0] is ConflictKind.NONE and not row[1]


@rule("phase_result.feedback")
def feedback(user, result) -> bool:
    """A bidder's own scores and comments, once the down-selection is decided."""
    return (result is not None
            and result.status in (ResultStatus.CARRIED, ResultStatus.DROPPED)
            and belongs_to_bidder(user, result.submission))


@rule("phase_result.open")
def open_result(_user, _result) -> bool:
    """Nobody: results open when the phase's evaluation starts (system)."""
    return False


@rule("phase_result.mark_scored")
def mark_scored(_user, _result) -> bool:
    return False


@rule("phase_result.decide")
def decide(_user, _result) -> bool:
    return False


@rule("phase_result.reconsider")
def reconsider(_user, _result) -> bool:
    return False

