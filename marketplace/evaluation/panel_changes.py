"""Panels that can change, on the record (issue 19).

- The officer removes (or replaces) an evaluator, always with a reason (audited, the
  evaluator told). Before the evaluator has submitted any score the removal is clean:
  their drafts go. After it, their submitted evaluations are *set aside* with that reason:
  kept with their scores (the report shows them and the reason), out of the ranking
  (`ranking` counts submitted evaluations only).
- An evaluator who declared no conflict on a submission and then discovers one amends the
  declaration: recused from that submission from then on, their evaluation of it set
  aside, and the agency's officers told that it may be short of evaluations.

Plain functions over the session and the acting user; they flush, audit and raise
DomainError, never commit."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace import policy
from marketplace.accounts.models import Membership, User
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.evaluation.models import (
    ConflictDeclaration,
    ConflictKind,
    Evaluation,
    EvaluationStatus,
    PanelMember,
)
from marketplace.evaluation.services import appoint, mark_scored_if_complete
from marketplace.evaluation.states import EVALUATION_LIFECYCLE
from marketplace.lifecycle import SYSTEM, transition
from marketplace.notifications.services import notify
from marketplace.policy.challenges import OFFICER_ROLES
from marketplace.submissions.models import Submission
from marketplace.types import utcnow


def _set_aside(session, evaluation: Evaluation, reason: str) -> None:
    """draft/submitted → set_aside, by the system, as the consequence of a change recorded
    with its author; the scores stay, and go into the audit event too."""
    evaluation.set_aside_reason = reason
    transition(session, evaluation, EvaluationStatus.SET_ASIDE, SYSTEM,
               lifecycle=EVALUATION_LIFECYCLE, by_system=True,
               data={"submission_id": evaluation.submission_id,
                     "evaluator_id": evaluation.evaluator_id, "total": evaluation.total,
                     "reason": reason,
                     "scores": {s.criterion_id: s.score for s in evaluation.scores}})


def remove_evaluator(session, officer: User, member: PanelMember, reason: str, *,
                     replacement_email: str = "") -> PanelMember | None:
    """Take `member` off the panel with `reason`; with `replacement_email`, appoint that
    person in their place. Returns the new member (or None). Their submitted evaluations
    are set aside with the reason; their drafts are deleted (both audited)."""
    challenge = member.challenge
    policy.require(officer, "evaluation.appoint", challenge)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give the reason for changing the panel."), field="reason")
    evaluator = member.user
    evaluations = list(session.scalars(
        select(Evaluation).join(Submission).where(Submission.challenge_id == challenge.id,
                                                  Evaluation.evaluator_id == evaluator.id)
        .options(selectinload(Evaluation.scores))))
    set_aside = [e for e in evaluations if e.status is EvaluationStatus.SUBMITTED]
    for evaluation in set_aside:
        _set_aside(session, evaluation, reason)
    for draft in (e for e in evaluations if e.status is EvaluationStatus.DRAFT):
        session.delete(draft)
    was_chair = member.is_chair
    session.delete(member)
    session.flush()
    record(session, officer, "evaluation.evaluator_removed", challenge,
           after={"user_id": evaluator.id, "reason": reason, "was_chair": was_chair,
                  "evaluations_set_aside": [e.id for e in set_aside]})
    title = challenge.title
    notify(session, [evaluator], "evaluation.assigned",
           lambda: _("You are no longer on the panel of “%(title)s”: %(reason)s",
                     title=title, reason=reason), link="/evaluation/")
    if replacement_email:
        new_member, _created = appoint(session, officer, challenge, replacement_email,
                                       chair=was_chair)
        record(session, officer, "evaluation.evaluator_replaced", challenge,
               after={"removed_user_id": evaluator.id, "user_id": new_member.user_id})
        return new_member
    return None


def amend_declaration(session, evaluator: User, submission: Submission, kind: str,
                      note: str) -> ConflictDeclaration:
    """An evaluator who declared no conflict declares one after all: recused from the
    submission from now on, their evaluation of it set aside, the officers told."""
    declaration = session.scalar(select(ConflictDeclaration).where(
        ConflictDeclaration.submission_id == submission.id,
        ConflictDeclaration.evaluator_id == evaluator.id))
    if declaration is None or declaration.kind is not ConflictKind.NONE:
        raise DomainError(_("Only a declaration of no conflict can be amended."))
    policy.require(evaluator, "evaluation.view_panel", submission.challenge)
    try:
        kind = ConflictKind(kind)
    except ValueError:
        raise DomainError(_("Please choose a declaration."), field="kind") from None
    if kind in (ConflictKind.NONE, ConflictKind.AUTOMATIC):
        raise DomainError(_("Please choose the kind of conflict."), field="kind")
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Please describe the conflict of interest."), field="note")
    declaration.kind, declaration.note, declaration.declared_at = kind, note, utcnow()
    session.flush()
    record(session, evaluator, "evaluation.conflict_amended", submission,
           before={"kind": ConflictKind.NONE.value},
           after={"kind": kind.value, "note": note})
    evaluation = session.scalar(select(Evaluation).where(
        Evaluation.submission_id == submission.id, Evaluation.evaluator_id == evaluator.id)
        .options(selectinload(Evaluation.scores)))
    if evaluation is not None and evaluation.status is not EvaluationStatus.SET_ASIDE:
        _set_aside(session, evaluation, _("Conflict of interest declared after scoring: "
                                          "%(note)s", note=note))
    challenge = submission.challenge
    officers = session.scalars(select(User).join(Membership).where(
        Membership.organization_id == challenge.agency_id, Membership.role.in_(OFFICER_ROLES)))
    title = challenge.title
    notify(session, list(officers), "evaluation.conflict_amended",
           lambda: _("An evaluator of “%(title)s” declared a conflict of interest after "
                     "declaring none and is recused: a submission may be short of "
                     "evaluations.", title=title),
           link=f"/evaluation/challenges/{challenge.id}/panel")
    mark_scored_if_complete(session, submission)
    return declaration
