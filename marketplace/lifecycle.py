"""Lifecycles as explicit transition tables, and the one function that moves an object
from one status to another: it checks the table, asks the policy, stamps the time and
writes the audit event, all in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from flask_babel import gettext as _

from marketplace import policy
from marketplace.audit.services import record
from marketplace.errors import InvalidTransition
from marketplace.labels import label
from marketplace.types import utcnow


@dataclass(frozen=True)
class Transition:
    source: StrEnum
    target: StrEnum
    action: str  # the policy action that guards it, e.g. "challenge.publish"
    public: bool = False  # whether the audit event feeds the public activity stream
    event: str | None = None  # the audit action's name, when "<lifecycle>.<target>" misleads


@dataclass
class Lifecycle:
    name: str
    transitions: list[Transition]
    stamps: dict[StrEnum, str] = field(default_factory=dict)
    status_attr: str = "status"

    def __post_init__(self) -> None:
        self._table = {(t.source, t.target): t for t in self.transitions}

    def find(self, source: StrEnum, target: StrEnum) -> Transition:
        try:
            return self._table[(source, target)]
        except KeyError:
            # the statuses by their names in the user's language (labels), never the enum
            # values: a second click on a form already sent meets this message
            if source == target:
                message = _("This has already been done: the status is already “%(status)s”.",
                            status=label(source))
            else:
                message = _("This change is not possible: %(source)s → %(target)s.",
                            source=label(source), target=label(target))
            raise InvalidTransition(message) from None

    def targets(self, source: StrEnum) -> list[StrEnum]:
        return [t.target for t in self.transitions if t.source == source]

    def can_move(self, obj: Any, target: StrEnum) -> bool:
        return (getattr(obj, self.status_attr), target) in self._table

    def step(self, source: StrEnum, target: StrEnum) -> Transition | None:
        """The transition source → target, or None when the table has none."""
        return self._table.get((source, target))


SYSTEM = None  # the actor of a change made by the clock, not by a person


@cache
def _tables() -> tuple[tuple[type, Lifecycle], ...]:
    """Each model class with the table that moves its status (imported here, late: the
    states modules import this one; once: a page asks `can_transition` for every row)."""
    from marketplace.accounts.models import Organization
    from marketplace.accounts.states import ORGANIZATION_LIFECYCLE
    from marketplace.alerts.models import Follow
    from marketplace.alerts.states import FOLLOW_LIFECYCLE
    from marketplace.challenges.models import Challenge
    from marketplace.challenges.states import CHALLENGE_LIFECYCLE
    from marketplace.complaints.models import Complaint
    from marketplace.complaints.states import COMPLAINT_LIFECYCLE
    from marketplace.evaluation.models import Award, Evaluation
    from marketplace.evaluation.states import AWARD_LIFECYCLE, EVALUATION_LIFECYCLE
    from marketplace.feedback.models import CitizenFeedback
    from marketplace.feedback.states import FEEDBACK_LIFECYCLE
    from marketplace.orders.models import Milestone, PilotOrder
    from marketplace.orders.states import MILESTONE_LIFECYCLE, ORDER_LIFECYCLE
    from marketplace.outcomes.models import CatalogueEntry, PilotOutcome
    from marketplace.outcomes.states import CATALOGUE_LIFECYCLE, OUTCOME_LIFECYCLE
    from marketplace.payments.models import Payment
    from marketplace.payments.states import PAYMENT_LIFECYCLE
    from marketplace.phases.models import ChallengePhase, PhaseResult
    from marketplace.phases.states import PHASE_LIFECYCLE, RESULT_LIFECYCLE
    from marketplace.submissions.models import ConsortiumPartner, Submission
    from marketplace.submissions.states import PARTNER_LIFECYCLE, SUBMISSION_LIFECYCLE

    return ((Organization, ORGANIZATION_LIFECYCLE), (Challenge, CHALLENGE_LIFECYCLE),
            (Award, AWARD_LIFECYCLE), (Evaluation, EVALUATION_LIFECYCLE),
            (PilotOrder, ORDER_LIFECYCLE), (Milestone, MILESTONE_LIFECYCLE),
            (Payment, PAYMENT_LIFECYCLE), (Submission, SUBMISSION_LIFECYCLE),
            (ConsortiumPartner, PARTNER_LIFECYCLE), (Complaint, COMPLAINT_LIFECYCLE),
            (PilotOutcome, OUTCOME_LIFECYCLE), (CatalogueEntry, CATALOGUE_LIFECYCLE),
            (CitizenFeedback, FEEDBACK_LIFECYCLE), (Follow, FOLLOW_LIFECYCLE),
            (ChallengePhase, PHASE_LIFECYCLE), (PhaseResult, RESULT_LIFECYCLE))


def lifecycle_of(obj: Any) -> Lifecycle:
    """The lifecycle table of `obj`'s kind. Raises `LookupError` for a kind without one."""
    for model, lifecycle in _tables():
        if isinstance(obj, model):
            return lifecycle
    raise LookupError(f"no lifecycle for {type(obj).__name__}")


def can_transition(user, obj: Any, target: StrEnum | str) -> bool:
    """Whether `user` may move `obj` to `target` now: its table has the step from the
    current status and the policy lets the user take it (a step only the system takes is
    nobody's). Templates ask this to decide which action to show, instead of comparing
    status strings (issue 14: one rule per decision). `target` is a status or its value;
    False for None."""
    if obj is None:
        return False
    lifecycle = lifecycle_of(obj)
    source = getattr(obj, lifecycle.status_attr)
    step = lifecycle.step(source, type(source)(target))
    return step is not None and policy.can(user, step.action, obj)


def transition(
    session,
    obj: Any,
    target: StrEnum,
    actor,
    *,
    lifecycle: Lifecycle,
    data: dict | None = None,
    by_system: bool = False,
) -> Transition:
    """Move `obj` to `target` if the table allows it and the actor may; audit it."""
    source = getattr(obj, lifecycle.status_attr)
    step = lifecycle.find(source, target)
    if not by_system:
        policy.require(actor, step.action, obj)
    setattr(obj, lifecycle.status_attr, target)
    stamp = lifecycle.stamps.get(target)
    if stamp:
        setattr(obj, stamp, utcnow())
    session.flush()
    record(
        session,
        actor if not by_system else SYSTEM,
        step.event or f"{lifecycle.name}.{target.value}",
        obj,
        before={"status": source.value},
        after={"status": target.value, **(data or {})},
        public=step.public,
    )
    return step
