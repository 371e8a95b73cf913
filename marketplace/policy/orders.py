"""Who may do what in the pilot orders domain.

The two parties of an order are its agency (officers draft, offer, accept, terminate;
the approver countersigns) and its solver (the owner signs; members report deliveries).
The lifecycle table says *when* a step is possible; these rules say *who* may take it."""

from marketplace.accounts.models import SOLVER_ROLES, MemberRole
from marketplace.evaluation.models import AwardStatus
from marketplace.orders.models import (
    Milestone,
    MilestoneDelivery,
    OrderStatus,
    PilotOrder,
)
from marketplace.policy.challenges import (
    is_agency_member,
    is_agency_officer,
    is_verified_officer,
)
from marketplace.policy.core import rule


def _order(obj) -> PilotOrder | None:
    if isinstance(obj, MilestoneDelivery):
        obj = obj.milestone
    if isinstance(obj, Milestone):
        obj = obj.order
    return obj


def is_officer(user, order) -> bool:
    return is_agency_officer(user, order.agency)


def is_approver(user, order) -> bool:
    return user is not None and user.role_in(order.agency_id) is MemberRole.APPROVER


def is_solver_owner(user, order) -> bool:
    return user is not None and user.role_in(order.solver_id) is MemberRole.OWNER


def is_solver_member(user, order) -> bool:
    return user is not None and user.role_in(order.solver_id) in SOLVER_ROLES


def is_party(user, order) -> bool:
    """A member of the agency, or of the solver once the order has been offered to it."""
    if order is None or user is None:
        return False
    if is_agency_member(user, order.agency_id):
        return True
    return order.status is not OrderStatus.DRAFT and is_solver_member(user, order)


@rule("order.create")
def create_order(user, award_item) -> bool:
    """`award_item` is the approved award item the order will carry out."""
    return (award_item is not None and award_item.award.status is AwardStatus.APPROVED
            and is_verified_officer(user, award_item.award.challenge.agency))


@rule("order.view")
def view_order(user, order) -> bool:
    """Public once the solver has signed; before that, the parties only."""
    if order is None:
        return False
    return order.is_public or is_party(user, order)


@rule("order.view_confidential")
def view_confidential(user, order) -> bool:
    """The contract's terms, the deliveries and their evidence: the two parties only."""
    return is_party(user, order)


@rule("order.edit")
def edit_order(user, order) -> bool:
    return order.status is OrderStatus.DRAFT and is_officer(user, order)


@rule("order.offer")
def offer_order(user, order) -> bool:
    """A follow-on order above the agency's threshold waits for its approver's second
    signature (`order.approve_follow_on`, issue 17)."""
    from marketplace.policy.outcomes import needs_approval  # it imports this module

    return is_officer(user, order) and order.agency.is_verified and not needs_approval(order)


@rule("order.withdraw_offer")
def withdraw_offer(user, order) -> bool:
    return is_officer(user, order)


@rule("order.sign")
def sign_order(user, order) -> bool:
    return is_solver_owner(user, order)


@rule("order.countersign")
def countersign_order(user, order) -> bool:
    return is_approver(user, order)


@rule("order.complete")
def complete_order(_user, _order) -> bool:
    """Nobody: an order completes by itself when its last milestone is paid (by_system)."""
    return False


@rule("order.terminate")
def terminate_order(user, order) -> bool:
    return is_officer(user, order)


@rule("order.amend")
def amend_order(user, order) -> bool:
    """Propose a change of value, dates or milestones of an active order."""
    return order.status is OrderStatus.ACTIVE and is_officer(user, order)


@rule("amendment.sign")
def sign_amendment(user, amendment) -> bool:
    """The same two signatories as the order: the solver's owner, the agency's approver."""
    order = amendment.order
    return order.status is OrderStatus.ACTIVE and (
        is_solver_owner(user, order) or is_approver(user, order))


@rule("milestone.deliver")
def deliver_milestone(user, milestone) -> bool:
    order = _order(milestone)
    return order.status is OrderStatus.ACTIVE and is_solver_member(user, order)


@rule("milestone.accept")
def accept_milestone(user, milestone) -> bool:
    order = _order(milestone)
    return order.status is OrderStatus.ACTIVE and is_officer(user, order)


@rule("milestone.reject")
def reject_milestone(user, milestone) -> bool:
    order = _order(milestone)
    return order.status is OrderStatus.ACTIVE and is_officer(user, order)


@rule("milestone.pay")
def pay_milestone(user, milestone) -> bool:
    """An accepted milestone stays payable after a termination (what is owed is owed)."""
    order = _order(milestone)
    return (order.status in (OrderStatus.ACTIVE, OrderStatus.TERMINATED)
            and is_officer(user, order))


@rule("delivery.view")
def view_delivery(user, delivery) -> bool:
    """A milestone delivery and its evidence: the order's two parties."""
    return delivery is not None and is_party(user, _order(delivery))


@rule("order.rate_pilot")
def rate_pilot(user, order) -> bool:
    return order.status is OrderStatus.COMPLETED and is_officer(user, order)


@rule("order.rate_agency")
def rate_agency(user, order) -> bool:
    return order.status is OrderStatus.COMPLETED and is_solver_member(user, order)


@rule("order.recommend")
def recommend_scale_up(user, order) -> bool:
    return order.status is OrderStatus.COMPLETED and is_officer(user, order)
