"""The rules of payments. Money integrity, in one place:

- every payment is for one accepted milestone and for exactly its amount (integer đồng);
- at most one live (pending or succeeded) payment per milestone — a partial unique
  index, so a double click, a retried webhook or two simultaneous attempts store one;
- a milestone becomes paid only by a confirmed payment: at once for a recorded offline
  transfer, on a verified `payment_intent.succeeded` for Stripe, after reading the
  intent's *current* state from Stripe and comparing its amount with the payment row;
- the total paid never exceeds the order's value;
- one charge per milestone, whatever Stripe does (issue 14): a failed payment's intent
  is cancelled through the gateway before a new one is created (`earlier_intents`,
  `settle`); money Stripe captured that pays nothing (another payment is live, the
  milestone is paid, the payment was abandoned, or the amount is not ours) is a real
  payment in `refund_due`, refunded through the gateway or, failing that, shown on the
  order page and sent to the agency and the administrators (`refund_failed`);
- a stuck pending payment (its intent came back with another amount) can be abandoned
  by the agency (`abandon`), its intent cancelled first, and the milestone paid anew.

Statuses move only through `PAYMENT_LIFECYCLE` (`states.py`). Rules flush and audit but
never commit and never call Stripe; views and the webhook do that around them
(`marketplace.payments.calls`)."""

from __future__ import annotations

import re
import uuid
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError

from marketplace import policy
from marketplace.accounts.models import MemberRole, Membership, User
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.i18n import vnd
from marketplace.lifecycle import SYSTEM, transition
from marketplace.notifications.services import notify
from marketplace.orders.milestones import mark_paid
from marketplace.orders.models import Milestone, MilestoneStatus
from marketplace.orders.terms import local_today
from marketplace.payments.gateway import STRIPE_CURRENCY, Intent
from marketplace.payments.models import Payment, PaymentMethod, PaymentStatus, StripeEvent
from marketplace.payments.states import PAYMENT_LIFECYCLE
from marketplace.payments.treasury import TreasuryPayment
from marketplace.payments.treasury import check as check_treasury
from marketplace.types import utcnow

LIVE = (PaymentStatus.PENDING, PaymentStatus.SUCCEEDED)


def paid_total(session, order_id: int) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(
        Payment.order_id == order_id, Payment.status == PaymentStatus.SUCCEEDED)))


def live_payment(session, milestone: Milestone) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.milestone_id == milestone.id,
                                                Payment.status.in_(LIVE)))


def _check_payable(session, user, milestone: Milestone) -> None:
    policy.require(user, "milestone.pay", milestone)
    if milestone.status is not MilestoneStatus.ACCEPTED:
        raise DomainError(_("Only an accepted milestone can be paid."))
    order = milestone.order
    if paid_total(session, order.id) + milestone.amount > order.value:
        raise DomainError(_("This payment would exceed the order's value."))


def _insert_once(session, payment: Payment) -> Payment:
    """Insert the payment, or refuse if the milestone already has a live one (the unique
    index decides, also between two simultaneous requests)."""
    try:
        with session.begin_nested():
            session.add(payment)
            session.flush()
    except IntegrityError:
        raise DomainError(_("This milestone is already paid or a payment for it is in "
                            "progress.")) from None
    except OperationalError as error:  # SQLite: another writer got there first
        if "locked" not in str(error).lower():
            raise
        raise DomainError(_("Another payment for this milestone is being recorded. Reload "
                            "the page.")) from None
    return payment


def record_offline(session, user, milestone: Milestone, *, treasury: TreasuryPayment,
                   paid_on: date) -> Payment:
    """The agency records a State Treasury payment it made; the milestone is paid at once.
    `treasury` carries what the Treasury's payment order says (office, budget unit code,
    number, date, amount in đồng — the amount must be the milestone's); `paid_on` is the
    day the Treasury paid. Raises `DomainError` naming the wrong field (`treasury.problems`)."""
    treasury = check_treasury(treasury, amount_due=milestone.amount, paid_on=paid_on,
                              today=local_today())
    _check_payable(session, user, milestone)
    now = utcnow()
    payment = _insert_once(session, Payment(
        milestone_id=milestone.id, order_id=milestone.order_id, amount=milestone.amount,
        currency="VND", method=PaymentMethod.OFFLINE, status=PaymentStatus.SUCCEEDED,
        reference=treasury.order_number, paid_on=paid_on,
        treasury_name=treasury.treasury, budget_unit_code=treasury.budget_unit_code,
        payment_order_number=treasury.order_number,
        payment_order_date=treasury.order_date,
        idempotency_key=f"offline-{uuid.uuid4().hex}",
        created_by_id=user.id, created_at=now, succeeded_at=now))
    record(session, user, "payment.recorded", payment, public=True,
           after={"milestone_id": milestone.id, "amount": payment.amount, "method": "offline",
                  "reference": payment.reference, "paid_on": paid_on.isoformat(),
                  "treasury": treasury.treasury, "budget_unit_code": treasury.budget_unit_code,
                  "payment_order_number": treasury.order_number,
                  "payment_order_date": treasury.order_date.isoformat()})
    mark_paid(session, user, milestone, by_system=False,
              data={"payment_id": payment.id, "amount": payment.amount})
    return payment


def start_stripe(session, user, milestone: Milestone) -> Payment:
    """A pending Stripe payment with its idempotency key, to be committed *before* the
    view asks Stripe for the PaymentIntent. A payment whose intent was never obtained
    (Stripe unreachable) is returned again, so the retry reuses its key."""
    _check_payable(session, user, milestone)
    existing = live_payment(session, milestone)
    if (existing is not None and existing.method is PaymentMethod.STRIPE
            and existing.status is PaymentStatus.PENDING
            and existing.stripe_payment_intent_id is None):
        return existing
    payment = _insert_once(session, Payment(
        milestone_id=milestone.id, order_id=milestone.order_id, amount=milestone.amount,
        currency="VND", method=PaymentMethod.STRIPE, status=PaymentStatus.PENDING,
        idempotency_key=f"fcm-milestone-{milestone.id}-{uuid.uuid4().hex}",
        created_by_id=user.id))
    record(session, user, "payment.started", payment,
           after={"milestone_id": milestone.id, "amount": payment.amount, "method": "stripe",
                  "idempotency_key": payment.idempotency_key})
    return payment


def _trusted(payment: Payment, intent: Intent) -> bool:
    """An intent we created for this payment: same amount, currency and metadata."""
    return (intent.amount == payment.amount and intent.currency == STRIPE_CURRENCY
            and intent.metadata.get("payment_id") == str(payment.id)
            and intent.metadata.get("milestone_id") == str(payment.milestone_id))


def attach_intent(session, payment: Payment, intent: Intent) -> None:
    if payment.stripe_payment_intent_id not in (None, intent.id):
        raise DomainError(_("This payment already has another Stripe PaymentIntent."))
    if not _trusted(payment, intent):
        fail(session, payment, "PaymentIntent does not match the payment")
        return
    payment.stripe_payment_intent_id = intent.id
    session.flush()
    record(session, None, "payment.intent_created", payment,
           after={"payment_intent": intent.id, "status": intent.status})


def _move(session, payment: Payment, target: PaymentStatus, data: dict) -> None:
    transition(session, payment, target, SYSTEM, lifecycle=PAYMENT_LIFECYCLE, by_system=True,
               data={"milestone_id": payment.milestone_id, **data})


def fail(session, payment: Payment, message: str) -> None:
    """Record a failure; the milestone stays accepted, so it can be paid again."""
    if payment.status is not PaymentStatus.PENDING:
        return
    payment.failure_message = (message or "failed")[:2000]
    _move(session, payment, PaymentStatus.FAILED, {"message": payment.failure_message})


def _succeed(session, payment: Payment, intent: Intent) -> str:
    """The milestone's payment succeeded on Stripe (pending, or failed and confirmed
    after all while nothing else is live): the milestone is paid."""
    milestone = payment.milestone
    payment.paid_on = local_today()
    payment.stripe_payment_intent_id = intent.id
    payment.failure_message = ""
    _move(session, payment, PaymentStatus.SUCCEEDED,
          {"amount": payment.amount, "method": "stripe", "payment_intent": intent.id})
    mark_paid(session, None, milestone, by_system=True,
              data={"payment_id": payment.id, "amount": payment.amount})
    return "paid"


def _refund_due(session, payment: Payment, intent: Intent, reason: str) -> str:
    """Money captured for an intent that pays nothing: a real payment to give back."""
    if payment.stripe_payment_intent_id is None:
        payment.stripe_payment_intent_id = intent.id
    payment.failure_message = ""
    _move(session, payment, PaymentStatus.REFUND_DUE,
          {"payment_intent": intent.id, "amount": intent.amount, "reason": reason})
    return "refund due"


def settle(session, payment: Payment, intent: Intent, *, failed_event: bool = False) -> str:
    """Bring a Stripe payment in line with its PaymentIntent's current state as read
    from Stripe (never with an event's body). Returns what happened:

    - succeeded: "paid" when it pays the milestone (this is the milestone's live payment,
      or a failed one confirmed after all while nothing else is live and the milestone
      is still accepted, with our amount, currency and metadata); "already paid" for a
      repeat; otherwise "refund due" (the caller refunds it through the gateway);
    - "untrusted" for an intent that is not ours as created (nothing changes: the agency
      may abandon the payment);
    - canceled: a pending payment "failed", a failed one "cancelled";
    - a failed attempt (`requires_payment_method` with an error, or a failure event):
      "failed"; anything else "waiting"."""
    status = payment.status
    if intent.status == "succeeded":
        if status is PaymentStatus.SUCCEEDED and payment.stripe_payment_intent_id == intent.id:
            return "already paid"
        if status in (PaymentStatus.REFUND_DUE, PaymentStatus.REFUNDED):
            return "refund due" if status is PaymentStatus.REFUND_DUE else "refunded"
        milestone = payment.milestone
        if not _trusted(payment, intent):
            reason = "amount or currency differs"
        elif status is PaymentStatus.CANCELLED:
            reason = "payment abandoned"
        elif milestone.status is not MilestoneStatus.ACCEPTED:
            reason = f"milestone {milestone.status.value}"
        elif status is PaymentStatus.FAILED and live_payment(session, milestone) is not None:
            reason = "another live payment"
        else:
            return _succeed(session, payment, intent)
        return _refund_due(session, payment, intent, reason)
    if not _trusted(payment, intent):
        record(session, None, "payment.untrusted_intent", payment,
               after={"payment_intent": intent.id, "amount": intent.amount,
                      "currency": intent.currency})
        session.flush()
        return "untrusted"
    if intent.status == "canceled":
        if payment.stripe_payment_intent_id is None:
            payment.stripe_payment_intent_id = intent.id
        if status is PaymentStatus.PENDING:
            fail(session, payment, intent.error or intent.status)
            return "failed"
        if status is PaymentStatus.FAILED:
            _move(session, payment, PaymentStatus.CANCELLED, {"payment_intent": intent.id})
        return "cancelled"
    if intent.status == "requires_payment_method" and (intent.error or failed_event):
        if payment.stripe_payment_intent_id is None:
            payment.stripe_payment_intent_id = intent.id
        fail(session, payment, intent.error or intent.status)
        return "failed"
    session.flush()
    return "waiting"


def earlier_intents(session, milestone: Milestone) -> list[Payment]:
    """The milestone's failed Stripe payments whose intent might still be charged (the
    payer may retry a failed intent on Stripe's side): to cancel before a new one."""
    return list(session.scalars(select(Payment).where(
        Payment.milestone_id == milestone.id, Payment.method == PaymentMethod.STRIPE,
        Payment.status == PaymentStatus.FAILED,
        Payment.stripe_payment_intent_id.is_not(None)).order_by(Payment.id)))


def abandon(session, user, payment: Payment, intent: Intent | None) -> str:
    """The agency gives up a pending Stripe payment that does not go through (e.g. its
    intent came back with another amount); `intent` is its state after the view asked
    Stripe to cancel it (None when the payment never got an intent). The milestone can
    then be paid anew. An intent that succeeded meanwhile is settled instead (paid, or
    refund due). Raises `NotAllowed` (policy `payment.abandon`) or `DomainError`."""
    policy.require(user, "payment.abandon", payment)
    if intent is not None and intent.status not in ("canceled",):
        if intent.status == "succeeded":
            return settle(session, payment, intent)
        raise DomainError(_("Stripe did not cancel this payment; try again."))
    transition(session, payment, PaymentStatus.CANCELLED, user, lifecycle=PAYMENT_LIFECYCLE,
               data={"milestone_id": payment.milestone_id,
                     "payment_intent": intent.id if intent else None})
    return "abandoned"


def refunded(session, payment: Payment, refund_id: str) -> None:
    """The gateway gave the money back."""
    payment.failure_message = ""
    _move(session, payment, PaymentStatus.REFUNDED, {"refund": refund_id})


def refund_failed(session, payment: Payment, message: str) -> None:
    """The gateway could not refund: the payment stays `refund_due`, the reason is shown
    on the order page, and the agency's members and the administrators are told."""
    payment.failure_message = (message or "refund failed")[:2000]
    session.flush()
    record(session, None, "payment.refund_failed", payment,
           after={"payment_intent": payment.stripe_payment_intent_id, "message": message})
    order = payment.milestone.order
    people = list(session.scalars(select(User).where(User.active.is_(True), or_(
        User.is_admin.is_(True), User.id.in_(select(Membership.user_id).where(
            Membership.organization_id == order.agency_id,
            Membership.role.in_([MemberRole.OFFICER, MemberRole.APPROVER, MemberRole.OWNER]
                                ))))).order_by(User.id)))
    notify(session, people, "payment.refund_failed",
           lambda: _("Stripe received %(amount)s for milestone “%(name)s” of order %(number)s "
                     "that pays nothing, and the refund failed: refund it by hand.",
                     amount=vnd(payment.amount), name=payment.milestone.deliverable,
                     number=order.contract_number),
           link=f"/orders/{order.id}", data={"payment_id": payment.id})


def _payment_for(session, obj: dict) -> Payment | None:
    payment = session.scalar(select(Payment).where(
        Payment.stripe_payment_intent_id == obj.get("id")))
    if payment is None:
        payment_id = (obj.get("metadata") or {}).get("payment_id", "")
        if re.fullmatch(r"[0-9]{1,18}", payment_id):  # ASCII digits within BIGINT
            payment = session.get(Payment, int(payment_id))
            if payment is not None and payment.stripe_payment_intent_id not in (
                    None, obj.get("id")):
                return None
    return payment


def handle_event(session, gateway, event: dict) -> str:
    """Process a verified Stripe event once. The event is only a nudge: what counts is
    the PaymentIntent's current state read back from Stripe, so events arriving late or
    out of order change nothing wrongly. Returns what happened, for the log."""
    try:
        with session.begin_nested():
            stored = StripeEvent(id=str(event["id"]), type=str(event["type"]))
            session.add(stored)
            session.flush()
    except IntegrityError:
        return "duplicate"
    if not stored.type.startswith("payment_intent."):
        return "ignored"
    obj = (event.get("data") or {}).get("object") or {}
    payment = _payment_for(session, obj)
    if payment is None or payment.method is not PaymentMethod.STRIPE:
        return "unknown payment"
    stored.payment_id = payment.id
    intent = gateway.retrieve_intent(str(obj.get("id")))
    return settle(session, payment, intent, failed_event=stored.type.endswith("failed"))
