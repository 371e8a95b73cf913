"""Whose business it is that an object exists.

A sealed submission, another organization's draft, a draft challenge, an order not yet
offered, another user's notification or invitation: for anyone outside, such an object
must answer exactly like an id that does not exist (404, same body), on every route that
names it — GET or POST, before any form is read and before any other rule is asked
(which could only answer 403 and so tell that it exists).

`knows(user, obj)` says whether the user may know the object exists: it asks the rule
that shows the object (`submission.view`, `challenge.view`, `order.view`, …); an object
that belongs to another (a milestone to its order, a panel seat to its challenge) is
known when its owner is. Objects of other kinds are not secret. Views never call this
directly: `marketplace.web.get_or_404` and `known_or_404` ask it for every object they
load (source of the rule: issue 14, "secret things answer exactly like things that do
not exist")."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from marketplace.alerts.models import Follow
from marketplace.challenges.models import Amendment, Challenge, Clarification, Criterion
from marketplace.evaluation.models import Award, AwardItem, PanelMember
from marketplace.feedback.models import CitizenFeedback
from marketplace.files.models import Attachment
from marketplace.notifications.models import Notification, Subscription
from marketplace.orders.models import (
    Kpi,
    Milestone,
    MilestoneDelivery,
    OrderAmendment,
    PilotOrder,
    Rating,
)
from marketplace.outcomes.models import KpiResult, PilotOutcome
from marketplace.payments.models import Payment
from marketplace.phases.models import ChallengePhase, PhaseCriterion, PhaseResult, PhaseScore
from marketplace.policy.core import can, rule
from marketplace.policy.submissions import is_agency_member
from marketplace.submissions.clock import is_sealed
from marketplace.submissions.models import (
    IN_EVALUATION,
    ConsortiumPartner,
    Submission,
    SubmissionStatus,
)

# the submissions that were in the box when the challenge closed
BIDS = (*IN_EVALUATION, SubmissionStatus.DISQUALIFIED)

# the rule that shows an object of each secret kind
SHOWN_BY: dict[type, str] = {
    Challenge: "challenge.view",
    Submission: "submission.know",
    PilotOrder: "order.view",
    PilotOutcome: "outcome.view",
    Attachment: "attachment.download",
    Notification: "notification.read",
    Subscription: "notification.unsubscribe",
    ConsortiumPartner: "consortium.view_invitation",
    CitizenFeedback: "feedback.know",
    Follow: "follow.know",
    PhaseResult: "phase_result.view",  # sealed like a submission (issue 17)
}

# the object another one belongs to: known when that one is
BELONGS_TO: dict[type, Callable[[Any], Any]] = {
    Criterion: lambda o: o.challenge,
    Amendment: lambda o: o.challenge,
    Clarification: lambda o: o.challenge,
    PanelMember: lambda o: o.challenge,
    Award: lambda o: o.challenge,
    AwardItem: lambda o: o.award,
    Kpi: lambda o: o.order,
    Milestone: lambda o: o.order,
    MilestoneDelivery: lambda o: o.milestone,
    OrderAmendment: lambda o: o.order,
    Rating: lambda o: o.order,
    Payment: lambda o: o.milestone,
    KpiResult: lambda o: o.outcome,
    ChallengePhase: lambda o: o.challenge,
    PhaseCriterion: lambda o: o.phase,
    PhaseScore: lambda o: o.result,
}


# What each kind's existence rule reads beyond the object's own row (relationship paths,
# dotted): joined into the one lookup statement (`lookup`), so that deciding costs the
# same statement for a secret object as for an id that does not exist (issue 14, "the
# timing class"): no lazy load while the rule decides.
_SUBMISSION = ("challenge", "partners")
READS: dict[type, tuple[str, ...]] = {
    Submission: _SUBMISSION,
    ConsortiumPartner: tuple(f"submission.{path}" for path in _SUBMISSION),
    PhaseResult: ("phase", *(f"submission.{path}" for path in _SUBMISSION)),
    Attachment: ("challenge", *(f"submission.{path}" for path in _SUBMISSION),
                 "delivery.milestone.order", "complaint.challenge", "kpi_result.outcome.order"),
    PilotOutcome: ("order",),
    CitizenFeedback: ("order",),
    Criterion: ("challenge",), Amendment: ("challenge",), Clarification: ("challenge",),
    PanelMember: ("challenge",), Award: ("challenge",), AwardItem: ("award.challenge",),
    Kpi: ("order",), Milestone: ("order",), MilestoneDelivery: ("milestone.order",),
    OrderAmendment: ("order",), Rating: ("order",), Payment: ("milestone.order",),
    KpiResult: ("outcome.order",), ChallengePhase: ("challenge",),
    PhaseCriterion: ("phase.challenge",),
    PhaseScore: ("result.phase", *(f"result.submission.{path}" for path in _SUBMISSION)),
}


def _joined(model: type, path: str):
    """`joinedload` of a dotted relationship path from `model`."""
    option, owner = None, model
    for name in path.split("."):
        attribute = getattr(owner, name)
        option = joinedload(attribute) if option is None else option.joinedload(attribute)
        owner = attribute.property.mapper.class_
    return option


def lookup(session, model: type, object_id: int, *, joined: tuple[str, ...] = ()):
    """The object of `model` with id `object_id`, or None: ONE statement, whether the row
    exists, is secret or is public, with everything its existence rule reads (`READS`)
    and the relationships `joined` (dotted paths; a page's own) joined in, so that `knows`
    then decides without a query. Views reach it through `marketplace.web.get_or_404` /
    `lookup_or_404`; a page loads its collections after the decision."""
    statement = _lookup_statement(model, tuple(dict.fromkeys((*READS.get(model, ()), *joined))))
    return session.execute(statement, {"object_id": object_id}).unique().scalar_one_or_none()


@lru_cache(maxsize=256)
def _lookup_statement(model: type, paths: tuple[str, ...]):
    """The statement of `lookup` for a kind and its joined paths, the id bound when it
    runs. Built once per kind and page: SQLAlchemy keeps the cache key of a statement
    object, where a statement built for each request had its options made and its key
    computed again (the floor of every page that names an object in its URL)."""
    return select(model).where(model.id == bindparam("object_id")).options(
        *(_joined(model, path) for path in paths))


def knows(user, obj) -> bool:
    """True when `user` (None: a visitor) may know that `obj` exists. Never raises for
    an object of a kind that is not secret: such objects are known to everyone."""
    while type(obj) in BELONGS_TO:
        obj = BELONGS_TO[type(obj)](obj)
    action = SHOWN_BY.get(type(obj))
    return action is None or can(user, action, obj)


@rule("submission.know")
def know_submission(user, submission) -> bool:
    """Whoever may see the submission; and, once the challenge closed, the agency and
    the panel of a bid in the evaluation (under blind review the panel reads it only
    through the evaluation pages, which ask their own rules)."""
    if submission is None or user is None:
        return False
    if can(user, "submission.view", submission):
        return True
    if is_sealed(submission.challenge) or submission.status not in BIDS:
        return False
    return (is_agency_member(user, submission)
            or can(user, "evaluation.view_panel", submission.challenge))


@rule("consortium.view_invitation")
def view_invitation(user, partner) -> bool:
    """An invitation to a consortium: the invited organization's members, and whoever
    may see the lead's submission."""
    if partner is None or user is None:
        return False
    return (user.membership_in(partner.organization_id) is not None
            or can(user, "submission.view", partner.submission))
