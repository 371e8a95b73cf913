"""The payment gateway, one interface chosen by configuration.

- `OfflineGateway` (the default): the agency pays outside the site (a State Treasury or
  bank transfer) and records the transfer's reference and date; nothing is called.
- `StripeGateway` (when `STRIPE_SECRET_KEY` is set): a PaymentIntent per milestone
  payment, in VND — a zero-decimal currency, so the amount is the integer number of
  đồng — confirmed only by Stripe's signed webhooks. `STRIPE_API_BASE` points the
  library at a local Stripe test server (localstripe) instead of api.stripe.com.

The gateway is called by views after the database commit, never inside a rule."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

import stripe
from flask import current_app

from marketplace.payments.models import Payment, PaymentMethod

STRIPE_CURRENCY = "vnd"
WEBHOOK_TOLERANCE = 300  # seconds, either side of now


class GatewayError(Exception):
    """The payment provider could not be reached (`retryable`) or refused the request."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class InvalidEvent(Exception):
    """A webhook whose signature, timestamp or body cannot be trusted."""


class MalformedEvent(InvalidEvent):
    """A genuinely signed webhook whose body is not an event of the shape we handle."""


# Stripe's identifiers: letters, digits, underscores (and hyphens in test tools), bounded
# by the columns that store them (stripe_events.id, payments.stripe_payment_intent_id).
EVENT_ID = re.compile(r"[A-Za-z0-9_-]{1,120}")
EVENT_TYPE = re.compile(r"[a-z0-9_.]{1,80}")
INTENT_ID = re.compile(r"pi_[A-Za-z0-9_]{1,117}")


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def check_shape(event) -> dict:
    """The event if it has the shape we read (issue 14: a signed body of another shape
    is refused with a 400, never a 500): an object with a string `id` and `type`; for a
    `payment_intent.*` event, `data.object` an object whose `id` is a PaymentIntent id
    and whose `metadata`, if any, maps strings to strings. Raises `MalformedEvent`."""
    if not isinstance(event, dict):
        raise MalformedEvent("not an object")
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id):
        raise MalformedEvent("no event id")
    if not isinstance(event_type, str) or not EVENT_TYPE.fullmatch(event_type):
        raise MalformedEvent("no event type")
    if not event_type.startswith("payment_intent."):
        return event  # stored once and ignored: its body is never read
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise MalformedEvent("no data.object")
    if not isinstance(obj.get("id"), str) or not INTENT_ID.fullmatch(obj["id"]):
        raise MalformedEvent("no PaymentIntent id")
    metadata = obj.get("metadata")
    if metadata is not None and not (isinstance(metadata, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise MalformedEvent("metadata is not a map of strings")
    return event


@dataclass(frozen=True)
class Intent:
    id: str
    status: str
    amount: int
    currency: str
    metadata: dict = field(default_factory=dict)
    error: str = ""


class OfflineGateway:
    method = PaymentMethod.OFFLINE
    confirms_at_once = True


class StripeGateway:
    method = PaymentMethod.STRIPE
    confirms_at_once = False

    def __init__(self, secret_key: str, webhook_secret: str, api_base: str = "") -> None:
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.api_base = api_base

    def _call(self, fn, *args, **kwargs):
        stripe.api_base = self.api_base or stripe.DEFAULT_API_BASE
        try:
            return fn(*args, api_key=self.secret_key, **kwargs)
        except (stripe.APIConnectionError, stripe.RateLimitError) as error:
            raise GatewayError(error.user_message or str(error), retryable=True) from error
        except stripe.StripeError as error:
            raise GatewayError(error.user_message or str(error)) from error

    @staticmethod
    def _intent(resource) -> Intent:
        obj = resource.to_dict()
        last_error = obj.get("last_payment_error") or {}
        return Intent(id=obj["id"], status=obj["status"], amount=int(obj["amount"]),
                      currency=str(obj["currency"]).lower(),
                      metadata=dict(obj.get("metadata") or {}),
                      error=(last_error.get("message") or "") if last_error else "")

    def create_intent(self, payment: Payment) -> Intent:
        """A PaymentIntent for exactly the payment's amount, tied to its milestone, sent
        with the idempotency key stored (and committed) with the payment beforehand: a
        retry after a lost answer finds the same intent instead of making a second."""
        intent = self._call(
            stripe.PaymentIntent.create, amount=int(payment.amount),
            currency=STRIPE_CURRENCY,
            metadata={"milestone_id": str(payment.milestone_id),
                      "payment_id": str(payment.id), "order_id": str(payment.order_id)},
            idempotency_key=payment.idempotency_key)
        return self._intent(intent)

    def retrieve_intent(self, intent_id: str) -> Intent:
        return self._intent(self._call(stripe.PaymentIntent.retrieve, intent_id))

    def cancel_intent(self, intent_id: str) -> Intent:
        """Cancel a PaymentIntent so that it can never be charged, and return its state
        afterwards. An intent that can no longer be cancelled (it succeeded, or it is
        cancelled already) is read back instead: the caller decides from its status.
        Raises `GatewayError` when Stripe cannot be reached or refuses otherwise."""
        try:
            return self._intent(self._call(stripe.PaymentIntent.cancel, intent_id))
        except GatewayError as error:
            if error.retryable:
                raise
            intent = self.retrieve_intent(intent_id)
            if intent.status in ("succeeded", "canceled", "processing"):
                return intent
            raise

    def refund(self, intent_id: str, *, idempotency_key: str) -> str:
        """Refund the whole of a succeeded PaymentIntent; returns the refund's id.
        Raises `GatewayError`."""
        refund = self._call(stripe.Refund.create, payment_intent=intent_id,
                            idempotency_key=idempotency_key)
        return str(refund["id"])

    def parse_event(self, payload: bytes, signature_header: str,
                    now: float | None = None) -> dict:
        """The event, if the signature on the raw body is genuine and its timestamp is
        within five minutes of now, in either direction. Raises `InvalidEvent`, or
        `MalformedEvent` for a genuine body of another shape (`check_shape`)."""
        if not self.webhook_secret:
            raise InvalidEvent("no webhook secret configured")
        now = time.time() if now is None else now
        stamps = [part.split("=", 1)[1] for part in (signature_header or "").split(",")
                  if part.strip().startswith("t=")]
        if len(stamps) != 1 or not stamps[0].strip().isdigit():
            raise InvalidEvent("no timestamp")
        if int(stamps[0]) > now + WEBHOOK_TOLERANCE:
            raise InvalidEvent("timestamp in the future")
        try:
            text = payload.decode("utf-8")
            stripe.WebhookSignature.verify_header(text, signature_header, self.webhook_secret,
                                                  tolerance=WEBHOOK_TOLERANCE)
        except (UnicodeDecodeError, ValueError, stripe.SignatureVerificationError) as error:
            raise InvalidEvent(str(error)) from error
        try:  # signed, so ours to read: strict JSON (no NaN), any depth refused cleanly
            event = json.loads(text, parse_constant=_no_constant)
        except (ValueError, RecursionError) as error:
            raise MalformedEvent(str(error)[:200]) from error
        return check_shape(event)


def get_gateway(config=None) -> OfflineGateway | StripeGateway:
    config = config if config is not None else current_app.config
    if config.get("STRIPE_SECRET_KEY"):
        return StripeGateway(config["STRIPE_SECRET_KEY"], config.get("STRIPE_WEBHOOK_SECRET", ""),
                             config.get("STRIPE_API_BASE", ""))
    return OfflineGateway()
