"""Lifecycles as explicit transition tables, and the one function that moves an object
from one status to another: it checks the table, asks the policy, stamps the time and
writes the audit event, all in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _

from marketplace import policy
from marketplace.audit.services import record
from marketplace.errors import InvalidTransition
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
            raise InvalidTransition(
                _("This change is not possible: %(source)s → %(target)s.",
                  source=source, target=target)
            ) from None

    def targets(self, source: StrEnum) -> list[StrEnum]:
        return [t.target for t in self.transitions if t.source == source]

    def can_move(self, obj: Any, target: StrEnum) -> bool:
        return (getattr(obj, self.status_attr), target) in self._table


SYSTEM = None  # the actor of a change made by the clock, not by a person


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
