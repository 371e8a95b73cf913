"""What the public may see, written once for the dashboard, the open data and the API.

- A challenge is public once published (draft ones never are).
- Bids are counted in public only after the challenge closed (`closed_at` is stamped by
  the clock); before that even their number is sealed. Submission content never is.
- An award is public once approved.
- A pilot order is public once the solver signed it; its confidential `terms` never are.
- A milestone's delivery is not public until the agency accepts it (the lifecycle marks
  `deliver` and `reject` as non-public), so a delivered milestone shows as planned.
- A payment is public once it succeeded.
"""

from __future__ import annotations

from marketplace.challenges.models import Challenge
from marketplace.evaluation.models import Award, AwardStatus
from marketplace.orders.models import (
    MilestoneStatus,
    OrderStatus,
    PilotOrder,
)
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.submissions.models import IN_EVALUATION, SubmissionStatus

# The submissions that were in the box when the challenge closed.
BID_STATUSES = (*IN_EVALUATION, SubmissionStatus.DISQUALIFIED)
# Orders whose value is committed money (signed by the solver, not terminated).
COMMITTED_ORDER_STATUSES = (OrderStatus.SIGNED, OrderStatus.ACTIVE, OrderStatus.COMPLETED)


def public_challenge():
    """`Challenge.is_public`, the rule the challenge's page asks too."""
    return Challenge.is_public


def bids_public():
    """Counting bids is allowed only once the challenge has closed."""
    return Challenge.closed_at.is_not(None)


def public_award():
    return Award.status == AwardStatus.APPROVED


def public_order():
    """`PilotOrder.is_public`, the rule the order's page asks too."""
    return PilotOrder.is_public


def public_payment():
    return Payment.status == PaymentStatus.SUCCEEDED


def public_milestone_status(status: MilestoneStatus) -> MilestoneStatus:
    return MilestoneStatus.PLANNED if status is MilestoneStatus.DELIVERED else status
