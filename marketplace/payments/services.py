"""The rules of payments. Money integrity, in one place:

- every payment is for one accepted milestone and for exactly its amount (integer đồng);
- at most one live (pending or succeeded) payment per milestone — a partial unique
  index, so a double click, a retried webhook or two simultaneous attempts store one;
- a milestone becomes paid only by a confirmed payment: at once for a recorded offline
  transfer, on a verified `payment_intent.succeeded` for Stripe, after reading the
  intent's *current* state from Stripe and comparing its amount with the payment row;
- the total paid never exceeds the order's value.

Rules flush and audit but never commit and never call Stripe; views and the webhook do
that around them."""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from marketplace import policy
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.orders.milestones import mark_paid
from marketplace.orders.models import Milestone, MilestoneStatus
from marketplace.orders.terms import local_today
from marketplace.payments.gateway import STRIPE_CURRENCY, Intent
from marketplace.payments.models import Payment, PaymentMethod, PaymentStatus, StripeEvent
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


def record_offline(session, user, milestone: Milestone, *, reference: str,
                   paid_on: date) -> Payment:
    """The agency records a transfer it made (e.g. through the State Treasury); the
    milestone is paid at once."""
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(_("Please enter the transfer's reference."), field="reference")
    if paid_on is None or paid_on > local_today():
        raise DomainError(_("The transfer date may not be in the future."), field="paid_on")
    _check_payable(session, user, milestone)
    now = utcnow()
    payment = _insert_once(session, Payment(
        milestone_id=milestone.id, order_id=milestone.order_id, amount=milestone.amount,
        currency="VND", method=PaymentMethod.OFFLINE, status=PaymentStatus.SUCCEEDED,
        reference=reference, paid_on=paid_on, idempotency_key=f"offline-{uuid.uuid4().hex}",
        created_by_id=user.id, created_at=now, succeeded_at=now))
    record(session, user, "payment.recorded", payment, public=True,
           after={"milestone_id": milestone.id, "amount": payment.amount, "method": "offline",
                  "reference": reference, "paid_on": paid_on.isoformat()})
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


def fail(session, payment: Payment, message: str) -> None:
    """Record a failure; the milestone stays accepted, so it can be paid again."""
    if payment.status is not PaymentStatus.PENDING:
        return
    payment.status = PaymentStatus.FAILED
    payment.failure_message = (message or "failed")[:2000]
    session.flush()
    record(session, None, "payment.failed", payment,
           after={"milestone_id": payment.milestone_id, "message": payment.failure_message})


def _succeed(session, payment: Payment, intent: Intent) -> str:
    milestone = payment.milestone
    if payment.status is PaymentStatus.SUCCEEDED:
        return "already paid"
    if milestone.status is not MilestoneStatus.ACCEPTED:
        record(session, None, "payment.unexpected_success", payment,
               after={"payment_intent": intent.id, "milestone_status": milestone.status.value})
        return "milestone not payable"
    if payment.status is PaymentStatus.FAILED:
        # an intent retried on Stripe's side after we saw it fail: the money arrived
        try:
            with session.begin_nested():
                payment.status = PaymentStatus.PENDING
                session.flush()
        except IntegrityError:
            record(session, None, "payment.unexpected_success", payment,
                   after={"payment_intent": intent.id, "reason": "another live payment"})
            return "another live payment"
    payment.status = PaymentStatus.SUCCEEDED
    payment.succeeded_at = utcnow()
    payment.paid_on = local_today()
    payment.stripe_payment_intent_id = intent.id
    payment.failure_message = ""
    session.flush()
    record(session, None, "payment.succeeded", payment, public=True,
           after={"milestone_id": milestone.id, "amount": payment.amount, "method": "stripe",
                  "payment_intent": intent.id})
    mark_paid(session, None, milestone, by_system=True,
              data={"payment_id": payment.id, "amount": payment.amount})
    return "paid"


def _payment_for(session, obj: dict) -> Payment | None:
    payment = session.scalar(select(Payment).where(
        Payment.stripe_payment_intent_id == obj.get("id")))
    if payment is None:
        payment_id = str((obj.get("metadata") or {}).get("payment_id", ""))
        if payment_id.isdigit():
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
    if not _trusted(payment, intent):
        record(session, None, "payment.untrusted_intent", payment,
               after={"payment_intent": intent.id, "amount": intent.amount,
                      "currency": intent.currency})
        session.flush()
        return "untrusted"
    if intent.status == "succeeded":
        return _succeed(session, payment, intent)
    if intent.status == "canceled" or (intent.status == "requires_payment_method"
                                       and (intent.error or stored.type.endswith("failed"))):
        if payment.stripe_payment_intent_id is None:
            payment.stripe_payment_intent_id = intent.id
        fail(session, payment, intent.error or intent.status)
        return "failed"
    session.flush()
    return "waiting"
