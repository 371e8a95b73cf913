"""The orders blueprint and the helpers its two view modules share."""

from flask import Blueprint

from marketplace.errors import DomainError
from marketplace.orders.models import PilotOrder
from marketplace.orders.queries import PAGE_COLLECTIONS, PAGE_JOINED
from marketplace.web import attach_error, lookup_or_404

bp = Blueprint("orders", __name__, url_prefix="/orders")


def get_order_or_404(order_id: int):
    """The order, if the user may see it; 404 otherwise (an unsigned order is not known
    to exist outside its two parties)."""
    return lookup_or_404(PilotOrder, order_id, joined=PAGE_JOINED,
                         collections=PAGE_COLLECTIONS)


def show_error(form, error: DomainError) -> None:
    """A rule's refusal next to its field, or above the KPI or milestone rows."""
    groups = getattr(form, "group_errors", {})
    if error.field in groups:
        groups[error.field].append(error.message)
    else:
        attach_error(form, error)
