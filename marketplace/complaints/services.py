"""Complaint rules: file, take up, withdraw, decide (and the remedies of an upheld one);
the public register.

Plain functions over the session and the acting user; they check, change, flush, audit
and raise DomainError, never commit. The lifecycle is in `states.py`, who may in
`marketplace/policy/complaints.py`, the standstill's clock in `standstill.py`."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import selectinload

from marketplace import policy
from marketplace.accounts.models import AGENCY_ROLES, Membership, Organization, User
from marketplace.audit.services import record
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.challenges.states import CHALLENGE_LIFECYCLE
from marketplace.complaints import standstill
from marketplace.complaints.models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintStatus,
    Contested,
    Remedy,
)
from marketplace.complaints.states import COMPLAINT_LIFECYCLE
from marketplace.errors import DomainError, NotAllowed
from marketplace.evaluation.models import Award, AwardStatus
from marketplace.evaluation.states import AWARD_LIFECYCLE
from marketplace.files import services as files
from marketplace.files.models import Attachment
from marketplace.lifecycle import SYSTEM, transition
from marketplace.notifications.services import notify
from marketplace.policy.complaints import bidder_submission
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.submissions.states import SUBMISSION_LIFECYCLE
from marketplace.types import utcnow

COMPLAINT_PATH = "/complaints/{id}"


def approved_award(session, challenge: Challenge) -> Award | None:
    """The latest decision in effect: the award, or in a phased challenge the latest
    down-selection (issue 17: complaints apply to down-selections as to awards)."""
    return session.scalar(select(Award).where(Award.challenge_id == challenge.id,
                                              Award.status == AwardStatus.APPROVED)
                          .order_by(Award.phase.desc()).limit(1))


def evidence_of(session, complaint: Complaint) -> list[Attachment]:
    return files.attachments_of(session, "complaint_id", complaint.id)


def _agency_people(session, challenge: Challenge) -> list[User]:
    return list(session.scalars(select(User).join(Membership).where(
        Membership.organization_id == challenge.agency_id,
        Membership.role.in_(AGENCY_ROLES)).order_by(User.id)))


def _bidders(session, challenge: Challenge) -> list[User]:
    from marketplace.evaluation.awards import bidder_members
    from marketplace.evaluation.ranking import submissions_of

    return [user for submission in submissions_of(session, challenge)
            for user in bidder_members(session, submission)]


# --- filing --------------------------------------------------------------------------

def file(session, user: User, challenge: Challenge, *, contested: str, grounds: str,
         uploads=()) -> Complaint:
    """A bidder's complaint during the standstill. `contested`: a `Contested` value;
    `uploads`: (stream, filename) pairs of evidence (each checked like any upload).
    The challenge is locked, then the clock read: a complaint at the standstill's last
    moment and an order offered at the first moment after it cannot both succeed."""
    policy.require(user, "complaint.file", challenge)
    submission = bidder_submission(user, challenge)
    grounds = (grounds or "").strip()
    if contested not in {c.value for c in Contested}:
        raise DomainError(_("Please say which decision you contest."), field="contested")
    if not grounds:
        raise DomainError(_("Please give the grounds of the complaint."), field="grounds")
    standstill.lock(session, challenge.id)
    award = approved_award(session, challenge)
    if award is not None:
        session.refresh(award)
    now = utcnow()
    if not standstill.in_standstill(award, now):
        raise DomainError(_("Complaints can be filed only during the standstill period that "
                            "follows the award."))
    complaint = Complaint(
        challenge_id=challenge.id, award_id=award.id, submission_id=submission.id,
        organization_id=submission.organization_id, filed_by_id=user.id,
        contested=Contested(contested), grounds=grounds, filed_at=now,
        answer_due_at=standstill.add_working_days(now, standstill.answer_days()))
    session.add(complaint)
    session.flush()
    for stream, filename in uploads:
        if filename:
            files.attach(session, user, owner_field="complaint_id", owner_id=complaint.id,
                         stream=stream, filename=filename,
                         max_total=current_app.config["MAX_UPLOAD_BYTES"])
    record(session, user, "complaint.filed", complaint, public=True,
           after={"challenge_id": challenge.id, "award_id": award.id,
                  "contested": complaint.contested.value,
                  "answer_due_at": complaint.answer_due_at.isoformat()})
    title = challenge.title
    notify(session, _agency_people(session, challenge), "complaint.filed",
           lambda: _("A bidder filed a complaint about “%(title)s”: no pilot order can be "
                     "offered or signed until you decide it.", title=title),
           link=COMPLAINT_PATH.format(id=complaint.id), data={"complaint_id": complaint.id})
    return complaint


# --- the agency's answer ---------------------------------------------------------------

def review(session, officer: User, complaint: Complaint) -> None:
    """The agency takes the complaint up."""
    transition(session, complaint, ComplaintStatus.UNDER_REVIEW, officer,
               lifecycle=COMPLAINT_LIFECYCLE)


def withdraw(session, user: User, complaint: Complaint) -> None:
    transition(session, complaint, ComplaintStatus.WITHDRAWN, user,
               lifecycle=COMPLAINT_LIFECYCLE)
    title = complaint.challenge.title
    notify(session, _agency_people(session, complaint.challenge), "complaint.decided",
           lambda: _("A complaint about “%(title)s” was withdrawn by the bidder.",
                     title=title), link=COMPLAINT_PATH.format(id=complaint.id))


def decide(session, officer: User, complaint: Complaint, *, upheld: bool, reasoning: str,
           remedy: str | None = None) -> None:
    """The agency's reasoned decision. Upheld: `remedy` is a `Remedy` value and is carried
    out at once through the award's and the challenge's own transitions (annul the award;
    evaluate again, or cancel the challenge). Every bidder is told."""
    COMPLAINT_LIFECYCLE.find(complaint.status,
                             ComplaintStatus.UPHELD if upheld else ComplaintStatus.DISMISSED)
    policy.require(officer, "complaint.decide", complaint)
    reasoning = (reasoning or "").strip()
    if not reasoning:
        raise DomainError(_("Please give the reasons for the decision."), field="reasoning")
    if upheld and remedy not in {r.value for r in Remedy}:
        raise DomainError(_("Please choose what happens to the award."), field="remedy")
    standstill.lock(session, complaint.challenge_id)
    complaint.reasoning = reasoning
    complaint.decided_by_id = officer.id
    complaint.remedy = Remedy(remedy) if upheld else None
    target = ComplaintStatus.UPHELD if upheld else ComplaintStatus.DISMISSED
    transition(session, complaint, target, officer, lifecycle=COMPLAINT_LIFECYCLE,
               data={"reasoning": reasoning, "remedy": remedy if upheld else None,
                     "organization_id": complaint.organization_id})
    if upheld:
        _annul(session, officer, complaint)
    title, outcome = complaint.challenge.title, target
    notify(session, _bidders(session, complaint.challenge), "complaint.decided",
           (lambda: _("A complaint about “%(title)s” was upheld: the award is annulled.",
                      title=title)) if outcome is ComplaintStatus.UPHELD else
           (lambda: _("A complaint about “%(title)s” was dismissed, with reasons.",
                      title=title)),
           link=COMPLAINT_PATH.format(id=complaint.id), data={"complaint_id": complaint.id})


def _annul(session, officer: User, complaint: Complaint) -> None:
    award, challenge = complaint.award, complaint.challenge
    if award.status is not AwardStatus.APPROVED:
        return  # another upheld complaint already annulled it
    data = {"complaint_id": complaint.id, "remedy": complaint.remedy.value}
    transition(session, award, AwardStatus.ANNULLED, officer, lifecycle=AWARD_LIFECYCLE,
               data=data)
    if award.phase > 1:  # a down-selection: its phase is evaluated again (issue 17)
        from marketplace.phases.services import selection_annulled

        selection_annulled(session, award, data)
        return
    for submission in session.scalars(select(Submission).where(
            Submission.challenge_id == challenge.id,
            Submission.status.in_((SubmissionStatus.AWARDED, SubmissionStatus.NOT_AWARDED)))
            .order_by(Submission.id)):
        transition(session, submission, SubmissionStatus.SCORED, SYSTEM,
                   lifecycle=SUBMISSION_LIFECYCLE, by_system=True, data=data)
    if challenge.status is ChallengeStatus.AWARDED:
        transition(session, challenge, ChallengeStatus.EVALUATING, officer,
                   lifecycle=CHALLENGE_LIFECYCLE, data=data)
    if complaint.remedy is Remedy.CANCEL:
        from marketplace.evaluation.awards import cancel_no_suitable_solution

        cancel_no_suitable_solution(
            session, officer, challenge,
            _("The award was annulled after a complaint: %(reasoning)s",
              reasoning=complaint.reasoning))


# --- reading ---------------------------------------------------------------------------

def complaints_of(session, challenge: Challenge) -> list[Complaint]:
    return list(session.scalars(select(Complaint).where(Complaint.challenge_id == challenge.id)
                                .order_by(Complaint.filed_at, Complaint.id)))


def own_complaints(session, user: User, challenge: Challenge) -> list[Complaint]:
    submission = bidder_submission(user, challenge)
    if submission is None:
        return []
    return [c for c in complaints_of(session, challenge) if c.submission_id == submission.id]


@dataclass
class RegisterRow:
    """One line of the public register: never the grounds, never the files, the
    complainant only once decided."""

    id: int
    challenge_id: int
    challenge_title: str
    agency_id: int
    agency: str
    contested: Contested
    status: ComplaintStatus
    filed_at: datetime
    answer_due_at: datetime
    decided_at: datetime | None
    withdrawn_at: datetime | None
    overdue: bool
    reasoning: str | None
    remedy: Remedy | None
    complainant: str | None


def register(session, *, challenge_id: int | None = None, agency_id: int | None = None,
             limit: int = 200) -> list[RegisterRow]:
    """The public register, newest first, for one challenge, one agency or all."""
    stmt = (select(Complaint, Challenge, Organization)
            .join(Challenge, Challenge.id == Complaint.challenge_id)
            .join(Organization, Organization.id == Challenge.agency_id)
            .options(selectinload(Complaint.organization))
            .order_by(Complaint.filed_at.desc(), Complaint.id.desc()).limit(limit))
    if challenge_id is not None:
        stmt = stmt.where(Complaint.challenge_id == challenge_id)
    if agency_id is not None:
        stmt = stmt.where(Challenge.agency_id == agency_id)
    now = utcnow()
    return [RegisterRow(
        id=c.id, challenge_id=ch.id, challenge_title=ch.title, agency_id=agency.id,
        agency=agency.name_vi, contested=c.contested, status=c.status, filed_at=c.filed_at,
        answer_due_at=c.answer_due_at, decided_at=c.decided_at, withdrawn_at=c.withdrawn_at,
        overdue=c.is_overdue(now), reasoning=c.reasoning if c.is_decided else None,
        remedy=c.remedy, complainant=c.organization.name_vi if c.is_decided else None)
        for c, ch, agency in session.execute(stmt)]


def counts(session) -> dict[str, int]:
    """Complaints by status, for the dashboard and the open data: {"filed": n, ...,
    "open": n, "total": n}."""
    rows = dict(session.execute(select(Complaint.status, func.count())
                                .group_by(Complaint.status)).all())
    result = {status.value: int(rows.get(status, 0)) for status in ComplaintStatus}
    result["open"] = sum(result[s.value] for s in OPEN_STATUSES)
    result["total"] = sum(int(n) for n in rows.values())
    return result


def require_party(user, complaint: Complaint) -> None:
    if not policy.can(user, "complaint.view", complaint):
        raise NotAllowed(_("You are not allowed to do this."))


@functools.cache
def _protections_statement():
    """(standstill end of the latest approved award, complaints, open complaints) of the
    challenge `:challenge_id`; built once (building it and its cache key cost more than
    running it)."""
    challenge_id = bindparam("challenge_id")
    complaints = select(Complaint.id).where(Complaint.challenge_id == challenge_id)
    return select(
        select(Award.standstill_ends_at).where(Award.challenge_id == challenge_id,
                                               Award.status == AwardStatus.APPROVED)
        .order_by(Award.phase.desc()).limit(1).scalar_subquery(),
        select(func.count()).select_from(complaints.subquery()).scalar_subquery(),
        select(func.count()).select_from(
            complaints.where(Complaint.status.in_(OPEN_STATUSES)).subquery())
        .scalar_subquery())


def protections(session, challenge: Challenge) -> dict | None:
    """What the challenge page shows of the standstill and the complaints, as plain data:
    {"standstill_ends_at": aware UTC datetime | None, "in_standstill": bool,
    "complaints": int, "open": int}; None for a challenge never awarded (no query) and
    when there is neither a standstill nor a complaint. One query."""
    if challenge.awarded_at is None:  # never awarded: no standstill, no complaint
        return None
    ends_at, count, open_count = session.execute(
        _protections_statement(), {"challenge_id": challenge.id}).one()
    if ends_at is None and not count:
        return None
    return {"standstill_ends_at": ends_at,
            "in_standstill": ends_at is not None and utcnow() < ends_at,
            "complaints": count, "open": open_count}
