"""`/webhooks/stripe`: genuine signatures only, within five minutes either way, each
event once; no login and no CSRF token needed (Stripe has neither)."""

import json
import time

import pytest
import stripe
from sqlalchemy import func, select

from marketplace.payments.models import StripeEvent

SECRET = "whsec_test_webhook"


@pytest.fixture
def configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_unused")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", "http://127.0.0.1:9")  # never called


def post(client, payload: str, header: str | None):
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Stripe-Signature"] = header
    return client.post("/webhooks/stripe", data=payload, headers=headers)


def event(event_id="evt_webhook_1", event_type="customer.created") -> str:
    return json.dumps({"id": event_id, "object": "event", "type": event_type,
                       "data": {"object": {"id": "cus_1"}}})


def sign(payload: str, *, secret=SECRET, offset: int = 0) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=int(time.time()) + offset)


def test_genuine_event_accepted_without_login_or_csrf(configured, client):
    payload = event()
    response = post(client, payload, sign(payload))
    assert response.status_code == 200 and response.json["outcome"] == "ignored"


@pytest.mark.parametrize("offset, status", [(-400, 400), (-200, 200), (200, 200), (400, 400)])
def test_timestamp_tolerance_both_ways(configured, client, offset, status):
    payload = event(f"evt_tolerance_{offset}")
    assert post(client, payload, sign(payload, offset=offset)).status_code == status


@pytest.mark.parametrize("tamper", ["wrong secret", "changed body", "no header", "garbage",
                                    "two timestamps"])
def test_bad_signatures_rejected(configured, client, session, tamper):
    payload = event("evt_tampered")
    header = sign(payload)
    if tamper == "wrong secret":
        header = sign(payload, secret="whsec_other")
    elif tamper == "changed body":
        payload = payload.replace("customer.created", "payment_intent.succeeded")
    elif tamper == "no header":
        header = None
    elif tamper == "garbage":
        header = "t=abc,v1=def"
    else:
        header = f"t={int(time.time())},{header}"
    assert post(client, payload, header).status_code == 400
    assert session.get(StripeEvent, "evt_tampered") is None


def test_duplicate_delivery_stored_once(configured, client, session):
    payload = event("evt_dup")
    assert post(client, payload, sign(payload)).json["outcome"] == "ignored"
    second = post(client, payload, sign(payload))
    assert second.status_code == 200 and second.json["outcome"] == "duplicate"
    assert session.scalar(select(func.count()).select_from(StripeEvent)
                          .where(StripeEvent.id == "evt_dup")) == 1


def test_not_configured_means_no_webhook(client):
    payload = event()
    assert post(client, payload, sign(payload)).status_code == 404
