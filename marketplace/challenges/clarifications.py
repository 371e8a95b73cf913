"""Clarifications: a solver asks before the deadline for questions, the agency answers,
and the answer is public to every bidder without the asker's identity."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace import policy
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.challenges.models import Challenge, ChallengeStatus, Clarification
from marketplace.errors import DomainError
from marketplace.i18n import local_datetime
from marketplace.notifications.services import notify
from marketplace.policy.challenges import OFFICER_ROLES, solver_organizations
from marketplace.types import utcnow

MAX_LENGTH = 4000


def questions_deadline(challenge: Challenge):
    return challenge.clarification_deadline or challenge.submission_deadline


def questions_open(challenge: Challenge, now=None) -> bool:
    deadline = questions_deadline(challenge)
    return (challenge.status is ChallengeStatus.PUBLISHED and deadline is not None
            and (now or utcnow()) < deadline)


def ask(session, user: User, challenge: Challenge, question: str) -> Clarification:
    policy.require(user, "clarification.ask", challenge)
    if not questions_open(challenge):
        raise DomainError(_("The deadline for questions on this challenge passed on %(when)s; "
                            "no more questions can be asked.",
                            when=local_datetime(questions_deadline(challenge))),
                          field="question")
    question = (question or "").strip()
    if not question:
        raise DomainError(_("Please write your question."), field="question")
    if len(question) > MAX_LENGTH:
        raise DomainError(_("A question may be at most %(n)d characters long.", n=MAX_LENGTH),
                          field="question")
    asker_org = solver_organizations(user)[0]
    clarification = Clarification(challenge=challenge, asked_by_id=user.id,
                                  asker_org_id=asker_org.id, question=question)
    session.add(clarification)
    session.flush()
    # Not public, and the agency is told only that there is a question, never by whom.
    record(session, user, "clarification.asked", clarification,
           after={"challenge_id": challenge.id})
    officers = [m.user for m in challenge.agency.memberships if m.role in OFFICER_ROLES]
    notify(session, officers, "clarification.asked",
           lambda: _("A new question on “%(title)s” is waiting for an answer.",
                     title=challenge.title),
           link=f"/challenges/{challenge.id}/questions", data={"challenge_id": challenge.id})
    return clarification


def answer(session, user: User, clarification: Clarification, text: str) -> None:
    policy.require(user, "clarification.answer", clarification)
    if clarification.is_answered:
        raise DomainError(_("This question has already been answered."), field="answer")
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Please write the answer."), field="answer")
    clarification.answer = text
    clarification.answered_at = utcnow()
    clarification.answered_by_id = user.id
    session.flush()
    challenge = clarification.challenge
    record(session, user, "clarification.answered", clarification,
           after={"challenge_id": challenge.id, "question": clarification.question,
                  "answer": text}, public=True)
    notify(session, [session.get(User, clarification.asked_by_id)], "clarification.answered",
           lambda: _("Your question on “%(title)s” has been answered.", title=challenge.title),
           link=f"/challenges/{challenge.id}#clarification-{clarification.id}",
           data={"challenge_id": challenge.id, "clarification_id": clarification.id})


def unanswered(session, challenge: Challenge) -> list[Clarification]:
    return list(session.scalars(select(Clarification).where(
        Clarification.challenge_id == challenge.id, Clarification.answered_at.is_(None))
        .order_by(Clarification.asked_at)))


def waiting_for(session, user: User, challenge: Challenge) -> list[Clarification]:
    """The user's own questions on the challenge that have no answer yet."""
    return list(session.scalars(select(Clarification).where(
        Clarification.challenge_id == challenge.id, Clarification.asked_by_id == user.id,
        Clarification.answered_at.is_(None)).order_by(Clarification.asked_at)))
