"""When a challenge takes submissions, and when its submissions are sealed.

Both read the clock, not only the challenge's status: a challenge whose deadline has
passed takes nothing more even before the close has been recorded."""

from __future__ import annotations

from datetime import datetime

from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.types import utcnow


def deadline_passed(challenge: Challenge, now: datetime | None = None) -> bool:
    deadline = challenge.submission_deadline
    return deadline is not None and (now or utcnow()) >= deadline


def accepting_submissions(challenge: Challenge, now: datetime | None = None) -> bool:
    """Published and before its submission deadline: solvers may draft, submit, edit
    and withdraw."""
    return (challenge.status is ChallengeStatus.PUBLISHED
            and challenge.submission_deadline is not None
            and not deadline_passed(challenge, now))


def is_sealed(challenge: Challenge, now: datetime | None = None) -> bool:
    """Before the close nobody outside the bidding organizations may learn anything
    about a submission. A draft challenge (never published) is sealed too."""
    if challenge.status is ChallengeStatus.DRAFT:
        return True
    return challenge.status is ChallengeStatus.PUBLISHED and not deadline_passed(challenge, now)
