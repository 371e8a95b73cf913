"""Who may do what with complaints (kiến nghị) and the remedies of an upheld one.

- A bidder is a member (owner or member) of the lead organization or of an accepted
  consortium partner of a submission that was opened at the close. Only a bidder may file,
  only on an awarded challenge (the service checks the standstill's clock under a lock).
- A complaint, its grounds and its evidence files: the agency's members and the
  complaining bidder's members. Everyone else sees the public register and, once decided,
  the public summary; never the grounds or the files.
- The agency's verified officers take a complaint up and decide it; the remedies of an
  upheld complaint (`award.annul`, `challenge.reopen_evaluation`) are theirs only while
  an upheld complaint about that award exists.
- The bidder's members withdraw it while it is open."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import AGENCY_ROLES, SOLVER_ROLES
from marketplace.challenges.models import ChallengeStatus
from marketplace.complaints.models import Complaint, ComplaintStatus
from marketplace.extensions import db
from marketplace.memo import per_session
from marketplace.policy.challenges import is_verified_officer
from marketplace.policy.core import rule
from marketplace.submissions.models import PartnerStatus, Submission


def _opened_submissions(challenge_id: int) -> list[Submission]:
    """The challenge's opened submissions with their partners, by id: two statements, read
    once per unit of work (`memo.per_session`) however many rules ask."""
    return per_session(db.session, ("opened_submissions", challenge_id), lambda: list(
        db.session.scalars(select(Submission).where(
            Submission.challenge_id == challenge_id, Submission.opened_at.is_not(None))
            .options(selectinload(Submission.partners)).order_by(Submission.id))))


def bidder_submission(user, challenge) -> Submission | None:
    """The opened submission of the challenge that the user's organization leads or joined
    as an accepted partner (None if the user is no bidder of it)."""
    if user is None or challenge is None:
        return None
    org_ids = [m.organization_id for m in user.memberships if m.role in SOLVER_ROLES]
    if not org_ids:
        return None
    for submission in _opened_submissions(challenge.id):
        partners = {p.organization_id for p in submission.partners
                    if p.status is PartnerStatus.ACCEPTED}
        if submission.organization_id in org_ids or partners & set(org_ids):
            return submission
    return None


def is_complainant(user, complaint) -> bool:
    submission = bidder_submission(user, complaint.challenge)
    return submission is not None and submission.id == complaint.submission_id


def is_agency(user, complaint) -> bool:
    return user is not None and user.role_in(complaint.challenge.agency_id) in AGENCY_ROLES


def _upheld_about(award_id: int) -> bool:
    return db.session.scalar(select(Complaint.id).where(
        Complaint.award_id == award_id, Complaint.status == ComplaintStatus.UPHELD).limit(1)
    ) is not None


@rule("complaint.file")
def file_complaint(user, challenge) -> bool:
    return (challenge is not None and challenge.status is ChallengeStatus.AWARDED
            and bidder_submission(user, challenge) is not None)


@rule("complaint.view")
def view_complaint(user, complaint) -> bool:
    """The whole complaint (grounds, evidence, correspondence): its two sides only."""
    return complaint is not None and (is_agency(user, complaint)
                                      or is_complainant(user, complaint))


@rule("complaint.view_summary")
def view_summary(user, complaint) -> bool:
    """The public summary: anyone once decided; the two sides always."""
    return complaint is not None and (complaint.is_decided or view_complaint(user, complaint))


@rule("complaint.review")
def review_complaint(user, complaint) -> bool:
    return is_verified_officer(user, complaint.challenge.agency)


@rule("complaint.decide")
def decide_complaint(user, complaint) -> bool:
    return is_verified_officer(user, complaint.challenge.agency)


@rule("complaint.withdraw")
def withdraw_complaint(user, complaint) -> bool:
    return is_complainant(user, complaint)


@rule("award.annul")
def annul_award(user, award) -> bool:
    return is_verified_officer(user, award.challenge.agency) and _upheld_about(award.id)


@rule("challenge.reopen_evaluation")
def reopen_evaluation(user, challenge) -> bool:
    if not is_verified_officer(user, challenge.agency):
        return False
    return db.session.scalar(select(Complaint.id).where(
        Complaint.challenge_id == challenge.id, Complaint.status == ComplaintStatus.UPHELD)
        .limit(1)) is not None


@rule("submission.reconsider")
def reconsider(_user, _submission) -> bool:
    """Nobody: the system, when an upheld complaint annuls the award (by_system)."""
    return False
