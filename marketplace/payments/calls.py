"""The steps that call the payment gateway, for views and the webhook: each call is made
outside the rules, and what it answers is recorded by a rule and committed at once, so
that a crash between two calls loses nothing that Stripe already did.

One charge per milestone (issue 14): before a new PaymentIntent, every earlier failed
one of the milestone is cancelled (`cancel_earlier_intents`); money that pays nothing
is refunded (`refund_due`), or else shown and sent to the people who can act on it."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from marketplace.payments import services
from marketplace.payments.gateway import GatewayError, StripeGateway
from marketplace.payments.models import Payment, PaymentStatus


def refund_due(session, gateway: StripeGateway, milestone_id: int) -> list[str]:
    """Refund every `refund_due` payment of the milestone through the gateway, each with
    its own idempotency key (a retry refunds once). A refund that fails is recorded,
    shown and notified (`services.refund_failed`). Returns "refunded" or "refund failed"
    per payment; commits."""
    outcomes = []
    for payment in session.scalars(select(Payment).where(
            Payment.milestone_id == milestone_id,
            Payment.status == PaymentStatus.REFUND_DUE).order_by(Payment.id)).all():
        try:
            refund_id = gateway.refund(payment.stripe_payment_intent_id,
                                       idempotency_key=f"refund-{payment.idempotency_key}")
        except GatewayError as error:
            session.rollback()
            current_app.logger.warning("refund of payment %s failed: %s", payment.id, error)
            services.refund_failed(session, payment, str(error))
            outcomes.append("refund failed")
        else:
            services.refunded(session, payment, refund_id)
            outcomes.append("refunded")
        session.commit()
    return outcomes


def cancel_earlier_intents(session, gateway: StripeGateway, milestone) -> list[str]:
    """Cancel the PaymentIntent of each earlier failed payment of the milestone, so that
    it can no longer be charged, and settle each with what Stripe answers (an intent
    that succeeded meanwhile pays the milestone, or is refunded). Raises `GatewayError`
    when Stripe cannot cancel one: then no new intent may be created. Commits."""
    outcomes = []
    for payment in services.earlier_intents(session, milestone):
        intent = gateway.cancel_intent(payment.stripe_payment_intent_id)
        outcomes.append(services.settle(session, payment, intent))
        session.commit()
    if "refund due" in outcomes:
        refund_due(session, gateway, milestone.id)
    return outcomes
