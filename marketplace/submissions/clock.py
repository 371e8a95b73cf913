"""When a challenge takes submissions, and when its submissions are sealed.

Both read the clock, not only the challenge's status: a challenge whose deadline has
passed takes nothing more even before the close has been recorded. The clock, unless a
`now` is given, is the time the current request arrived (`marketplace.requests.received_at`;
now outside a request): a request that arrived before the deadline is judged before it,
however long it then waited for a lock."""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context

from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.requests import received_at
from marketplace.types import utcnow


def decision_time() -> datetime:
    """The time decisions are judged at: when the current request arrived, or now
    outside a request (commands, tests)."""
    return received_at() if has_request_context() else utcnow()


def deadline_passed(challenge: Challenge, now: datetime | None = None) -> bool:
    deadline = challenge.submission_deadline
    return deadline is not None and (now or decision_time()) >= deadline


def accepting_submissions(challenge: Challenge, now: datetime | None = None) -> bool:
    """Published and before its submission deadline: solvers may draft, submit, edit
    and withdraw."""
    return (challenge.status is ChallengeStatus.PUBLISHED
            and challenge.submission_deadline is not None
            and not deadline_passed(challenge, now))


def closed_while_waiting(challenge: Challenge, now: datetime | None = None) -> bool:
    """True when the clock closed the challenge although the current request arrived (at
    `now`) before the deadline: it waited for the lock meanwhile, and the bid it carries
    is on time (issue 15; `submissions.services.submit` opens it as the close would
    have)."""
    return challenge.status is ChallengeStatus.CLOSED and not deadline_passed(challenge, now)


def is_sealed(challenge: Challenge, now: datetime | None = None) -> bool:
    """Before the close nobody outside the bidding organizations may learn anything
    about a submission. A draft challenge (never published) is sealed too."""
    if challenge.status is ChallengeStatus.DRAFT:
        return True
    return challenge.status is ChallengeStatus.PUBLISHED and not deadline_passed(challenge, now)
