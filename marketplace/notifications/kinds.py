"""The kinds of notification a user can choose to receive, in the order shown.

Other domains pass these names to `notify(...)`; a kind not listed here is delivered
in-app and by email (the user cannot switch it off until it is listed)."""

from flask_babel import lazy_gettext as _l

KINDS = {
    "challenge.new_match": _l("A new challenge matches my subscriptions"),
    "challenge.amended": _l("A challenge I follow is amended"),
    "clarification.answered": _l("A clarification question is answered"),
    "submission.deadline_soon": _l("A submission deadline is near and my solution is a draft"),
    "evaluation.assigned": _l("I am appointed to evaluate"),
    "award.decided": _l("An award decision on my solution"),
    "order.offered": _l("A pilot order is offered"),
    "order.signed": _l("A pilot order is signed"),
    "milestone.delivered": _l("A milestone is delivered"),
    "milestone.accepted": _l("A milestone is accepted"),
    "milestone.rejected": _l("A milestone is rejected"),
    "milestone.paid": _l("A milestone is paid"),
}
