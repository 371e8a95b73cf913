"""Who hears about what happens to a pilot order: the other party, in-app and by mail
(as each user chose), in the same transaction as the change."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import Membership, User
from marketplace.notifications.services import notify
from marketplace.orders.models import Milestone, PilotOrder


def _members(session, organization_id: int) -> list[User]:
    return list(session.scalars(select(User).join(Membership).where(
        Membership.organization_id == organization_id).order_by(User.id)))


def _link(order: PilotOrder) -> str:
    return f"/orders/{order.id}"


def order_offered(session, order: PilotOrder) -> None:
    notify(session, _members(session, order.solver_id), "order.offered",
           lambda: _("The pilot order %(number)s is offered to you. Please read the terms "
                     "and sign.", number=order.contract_number),
           link=_link(order), data={"order_id": order.id})


def order_signed(session, order: PilotOrder) -> None:
    notify(session, _members(session, order.agency_id), "order.signed",
           lambda: _("The solver signed the pilot order %(number)s; it waits for the "
                     "approver's countersignature.", number=order.contract_number),
           link=_link(order), data={"order_id": order.id})


def order_countersigned(session, order: PilotOrder) -> None:
    notify(session, _members(session, order.solver_id), "order.signed",
           lambda: _("The pilot order %(number)s is countersigned and active.",
                     number=order.contract_number),
           link=_link(order), data={"order_id": order.id})


def milestone_event(session, milestone: Milestone, kind: str) -> None:
    """`kind` is one of milestone.delivered (to the agency), milestone.accepted,
    milestone.rejected, milestone.paid (to the solver)."""
    order = milestone.order
    messages = {
        "milestone.delivered": lambda: _("Milestone “%(name)s” of order %(number)s is "
                                         "delivered and waits for acceptance.",
                                         name=milestone.deliverable,
                                         number=order.contract_number),
        "milestone.accepted": lambda: _("Milestone “%(name)s” of order %(number)s is "
                                        "accepted.", name=milestone.deliverable,
                                        number=order.contract_number),
        "milestone.rejected": lambda: _("Milestone “%(name)s” of order %(number)s is "
                                        "rejected: %(reason)s", name=milestone.deliverable,
                                        number=order.contract_number,
                                        reason=milestone.last_rejection_reason),
        "milestone.paid": lambda: _("Milestone “%(name)s” of order %(number)s is paid.",
                                    name=milestone.deliverable,
                                    number=order.contract_number),
    }
    organization_id = order.agency_id if kind == "milestone.delivered" else order.solver_id
    notify(session, _members(session, organization_id), kind, messages[kind],
           link=_link(order), data={"order_id": order.id, "milestone_id": milestone.id})
