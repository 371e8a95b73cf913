"""Who may do what in the pilot orders domain."""

from marketplace.policy.core import rule


@rule("delivery.view")
def view_delivery(user, delivery) -> bool:
    """A milestone delivery and its evidence: the order's two parties. (Filled in by the
    orders domain.)"""
    return False
