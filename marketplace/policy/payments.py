"""Who may do what in the payments domain."""

from marketplace.orders.models import MilestoneStatus
from marketplace.payments.models import PaymentMethod, PaymentStatus
from marketplace.policy.core import can, rule


@rule("payment.record")
def record_payment(user, milestone) -> bool:
    """Pay an accepted milestone (record a transfer, or start a Stripe payment): whoever
    may move it to paid, and only while it is accepted."""
    return (milestone is not None and milestone.status is MilestoneStatus.ACCEPTED
            and can(user, "milestone.pay", milestone))


@rule("payment.abandon")
def abandon_payment(user, payment) -> bool:
    """Give up a pending Stripe payment (its intent is cancelled first) so that the
    milestone can be paid anew: whoever may pay the milestone."""
    return (payment is not None and payment.method is PaymentMethod.STRIPE
            and payment.status is PaymentStatus.PENDING
            and can(user, "milestone.pay", payment.milestone))


@rule("payment.confirm")
@rule("payment.fail")
@rule("payment.cancel_intent")
@rule("payment.refund_due")
@rule("payment.refunded")
def payment_by_system(_user, _payment) -> bool:
    """Nobody: only the system moves a payment this way, on what Stripe says
    (`by_system=True`)."""
    return False
