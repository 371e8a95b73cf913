"""Who may do what in the payments domain."""

from marketplace.orders.models import MilestoneStatus
from marketplace.policy.core import can, rule


@rule("payment.record")
def record_payment(user, milestone) -> bool:
    """Pay an accepted milestone (record a transfer, or start a Stripe payment): whoever
    may move it to paid, and only while it is accepted."""
    return (milestone is not None and milestone.status is MilestoneStatus.ACCEPTED
            and can(user, "milestone.pay", milestone))
