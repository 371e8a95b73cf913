"""Who may do what with outcomes, the catalogue and follow-on orders (issue 17).

- The agency that ran a pilot records its outcome and confirms the catalogue entry's facts;
- the solver's owner writes (and withdraws) the follow-on offer;
- any verified agency's officer places a follow-on order from a listed, valid entry;
  its approver gives the second signature above the agency's threshold (never the
  officer who placed it: `follow_on_four_eyes` in the database says the same).
The lifecycle tables (`marketplace/outcomes/states.py`) say *when*; these rules say *who*."""

from marketplace.accounts.models import MemberRole, OrgKind, OrgStatus
from marketplace.orders.models import OrderKind, OrderStatus
from marketplace.orders.terms import local_today
from marketplace.outcomes.models import CatalogueEntry, OutcomeStatus, PilotOutcome
from marketplace.policy.challenges import is_verified_officer
from marketplace.policy.core import rule
from marketplace.policy.orders import is_approver, is_officer, is_party

ENDED = (OrderStatus.COMPLETED, OrderStatus.TERMINATED)


def buying_agencies(user) -> list:
    """The verified agencies in which `user` is an officer (owner or officer): those it
    may place a follow-on order for. [] for None."""
    if user is None:
        return []
    return [m.organization for m in user.memberships
            if m.organization.kind is OrgKind.AGENCY
            and m.organization.status is OrgStatus.VERIFIED
            and is_verified_officer(user, m.organization)]


@rule("outcome.record")
def record_outcome(user, order) -> bool:
    """Write or change the outcome of a pilot order once it completed or was terminated,
    until it is published: the agency's officer."""
    if order is None or order.status not in ENDED or not is_officer(user, order):
        return False
    outcome = getattr(order, "outcome", None)
    return outcome is None or outcome.status is OutcomeStatus.DRAFT


@rule("outcome.publish")
def publish_outcome(user, outcome) -> bool:
    return isinstance(outcome, PilotOutcome) and is_officer(user, outcome.order)


@rule("outcome.view")
def view_outcome(user, outcome) -> bool:
    """Public once published (an order that ended was signed, so it is public too);
    a draft: the order's parties."""
    if outcome is None:
        return False
    return outcome.status is OutcomeStatus.PUBLISHED or is_party(user, outcome.order)


@rule("order.sandbox")
def record_sandbox(user, order) -> bool:
    """Record the controlled-testing permission (sandbox) a pilot cites: its agency's
    officer, while the order is not over."""
    return order is not None and order.status not in ENDED and is_officer(user, order)


@rule("catalogue.view")
def view_entry(_user, entry) -> bool:
    """Every entry is public: it exists only for a published, proven outcome."""
    return isinstance(entry, CatalogueEntry)


@rule("catalogue.write_offer")
def write_offer(user, entry) -> bool:
    """The solver's owner writes and updates the follow-on offer."""
    return (isinstance(entry, CatalogueEntry) and user is not None
            and user.role_in(entry.solver_id) is MemberRole.OWNER)


@rule("catalogue.confirm")
def confirm_entry(user, entry) -> bool:
    """The agency that ran the pilot confirms the facts, once."""
    return (isinstance(entry, CatalogueEntry) and entry.confirmed_at is None
            and is_officer(user, entry.order))


@rule("catalogue.list")
def list_entry(_user, _entry) -> bool:
    """Nobody: an entry is listed by the system once the offer and the facts are in."""
    return False


@rule("catalogue.withdraw")
def withdraw_entry(user, entry) -> bool:
    return write_offer(user, entry)


@rule("catalogue.relist")
def relist_entry(user, entry) -> bool:
    return (write_offer(user, entry) and entry.valid_until is not None
            and entry.valid_until >= local_today())


@rule("followon.place")
def place_follow_on(user, entry) -> bool:
    """Any verified agency's officer, from a listed entry whose offer is valid today."""
    return (isinstance(entry, CatalogueEntry) and entry.offer_valid_on(local_today())
            and bool(buying_agencies(user)))


@rule("order.approve_follow_on")
def approve_follow_on(user, order) -> bool:
    """The second signature of a follow-on order above the agency's threshold: its
    approver, not the officer who placed it, while it is a draft."""
    return (order is not None and order.kind is OrderKind.FOLLOW_ON
            and order.status is OrderStatus.DRAFT and order.approved_at is None
            and order.value > order.agency.approval_threshold
            and is_approver(user, order) and user.id != order.created_by_id)


def needs_approval(order) -> bool:
    """A follow-on order above its agency's threshold waits for the approver before it is
    offered to the solver."""
    return (order.kind is OrderKind.FOLLOW_ON and order.approved_at is None
            and order.value > order.agency.approval_threshold)

