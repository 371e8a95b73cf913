"""Who may do what with citizens' feedback on a pilot (issue 18, "the satisfaction of
the people served").

- The feedback page of a pilot, its QR code and its form are everyone's, without an
  account, while the pilot is active or completed and public (`order.is_public`): the
  people a pilot serves rate what they saw of it. Not before it runs, not once it was
  terminated.
- Comments are moderated by the pilot's agency (its officers): they alone see what
  waits, and approve or reject it. A published comment is as public as its pilot.
- The citizens' index (the mean rating) is shown only once at least
  `CITIZEN_RATINGS_MIN` ratings stand behind it; below that only the count is shown.
"""

from flask import current_app

from marketplace.feedback.models import FeedbackStatus
from marketplace.orders.models import OrderStatus
from marketplace.policy.challenges import is_agency_officer
from marketplace.policy.core import can, rule

OPEN_TO_FEEDBACK = (OrderStatus.ACTIVE, OrderStatus.COMPLETED)


def open_to_feedback(order) -> bool:
    """A public pilot that runs or ran to its end."""
    return order is not None and order.is_public and order.status in OPEN_TO_FEEDBACK


@rule("feedback.view")
def view_feedback_page(user, order) -> bool:
    """The pilot's public feedback page and its QR code."""
    return open_to_feedback(order)


@rule("feedback.give")
def give_feedback(user, order) -> bool:
    """Anyone, with or without an account (the limits are the rate limits and the
    browser's daily cookie, `feedback.routes`)."""
    return open_to_feedback(order)


@rule("feedback.moderate")
def moderate(user, order) -> bool:
    """The moderation queue of a pilot: its agency's officers."""
    return order is not None and is_agency_officer(user, order.agency)


@rule("feedback.approve")
def approve(user, feedback) -> bool:
    return feedback is not None and moderate(user, feedback.order)


@rule("feedback.reject")
def reject(user, feedback) -> bool:
    return feedback is not None and moderate(user, feedback.order)


@rule("feedback.know")
def know(user, feedback) -> bool:
    """A published comment is as known as its pilot; anything else is the moderators'."""
    if feedback is None:
        return False
    if feedback.status is FeedbackStatus.APPROVED:
        return can(user, "order.view", feedback.order)
    return moderate(user, feedback.order)


@rule("feedback.show_index")
def show_index(user, order) -> bool:
    """The mean rating is shown once `CITIZEN_RATINGS_MIN` ratings stand behind it."""
    return order is not None and order.citizen_ratings >= ratings_min()


def ratings_min() -> int:
    return int(current_app.config.get("CITIZEN_RATINGS_MIN", 5))

