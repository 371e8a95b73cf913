"""`/webhooks/stripe`: Stripe's signed events, and nothing else. No login, no CSRF token
(Stripe cannot send one): the signature on the raw body is the authentication."""

from flask import Blueprint, current_app, jsonify, request

from marketplace.extensions import csrf, db
from marketplace.payments import services
from marketplace.payments.calls import refund_due
from marketplace.payments.gateway import (
    GatewayError,
    InvalidEvent,
    MalformedEvent,
    StripeGateway,
    get_gateway,
)
from marketplace.payments.models import Payment, StripeEvent

bp = Blueprint("payments", __name__, url_prefix="/webhooks")


@bp.route("/stripe", methods=["POST"])
@csrf.exempt
def stripe_webhook():
    gateway = get_gateway()
    if not isinstance(gateway, StripeGateway):
        return jsonify(error="stripe is not configured"), 404
    payload = request.get_data(cache=False)
    try:
        event = gateway.parse_event(payload, request.headers.get("Stripe-Signature", ""))
    except MalformedEvent as error:
        current_app.logger.warning("malformed Stripe webhook: %s", error)
        return jsonify(error="malformed event"), 400
    except InvalidEvent as error:
        current_app.logger.warning("rejected Stripe webhook: %s", error)
        return jsonify(error="invalid signature"), 400
    try:
        outcome = services.handle_event(db.session, gateway, event)
        db.session.commit()
    except GatewayError as error:
        db.session.rollback()  # the event is not stored: Stripe will deliver it again
        current_app.logger.warning("Stripe webhook %s: %s", event.get("id"), error)
        if not error.retryable:  # Stripe refuses to show the intent: not one of ours
            return jsonify(error="unknown payment intent"), 400
        return jsonify(error="payment provider unavailable"), 503
    if outcome == "refund due":  # money that pays nothing: given back at once
        stored = db.session.get(StripeEvent, str(event["id"]))
        payment = db.session.get(Payment, stored.payment_id)
        outcome = ", ".join(refund_due(db.session, gateway, payment.milestone_id))
    return jsonify(received=True, outcome=outcome), 200
