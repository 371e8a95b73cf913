"""`/webhooks/stripe`: genuine signatures only, within five minutes either way, each
event once; no login and no CSRF token needed (Stripe has neither)."""

import json
import time

import pytest
import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


# --- a genuine signature on a body of an unexpected shape: 400, never 500 (issue 14) --

INTENT = {"id": "pi_shape", "object": "payment_intent", "amount": 1000, "currency": "vnd",
          "status": "succeeded", "metadata": {"payment_id": "1", "milestone_id": "1"}}


def intent_event(**changes) -> dict:
    body = {"id": "evt_shape", "object": "event", "type": "payment_intent.succeeded",
            "data": {"object": dict(INTENT)}}
    body.update(changes)
    return body


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


SHAPES = {
    "a list": "[1, 2, 3]",
    "a string": '"payment_intent.succeeded"',
    "null": "null",
    "a number": "42",
    "data as a list": json.dumps(intent_event(data=[INTENT])),
    "data as null": json.dumps(intent_event(data=None)),
    "data.object as a string": json.dumps(intent_event(data={"object": "pi_shape"})),
    "data.object as a list": json.dumps(intent_event(data={"object": [INTENT]})),
    "metadata as a list": json.dumps(intent_event(data={"object": {
        **INTENT, "metadata": ["payment_id", "1"]}})),
    "metadata values as objects": json.dumps(intent_event(data={"object": {
        **INTENT, "metadata": {"payment_id": {"$gt": 0}}}})),
    "a huge event id": json.dumps(intent_event(id=10**40)),
    "a long event id": json.dumps(intent_event(id="evt_" + "x" * 500)),
    "an object id as a number": json.dumps(intent_event(data={"object": {**INTENT,
                                                                         "id": 10**30}})),
    "a type as a list": json.dumps(intent_event(type=["payment_intent.succeeded"])),
    "deep nesting": '{"id": "evt_deep", "type": "payment_intent.succeeded", "data": '
                    + deep(100_000) + "}",
    "NaN": '{"id": "evt_nan", "type": "payment_intent.succeeded", "data": {"object": '
           '{"id": "pi_nan", "amount": NaN}}}',
    "Infinity": '{"id": "evt_inf", "type": "customer.created", "data": Infinity}',
}


@pytest.mark.parametrize("shape", SHAPES)
def test_a_signed_body_of_another_shape_is_refused(configured, client, session, shape):
    payload = SHAPES[shape]
    response = post(client, payload, sign(payload))
    assert response.status_code == 400, response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(StripeEvent)) == 0


@pytest.mark.parametrize("payment_id", ["²", "١", "9" * 30, "-1", " 1"])
def test_a_payment_id_that_is_no_id_finds_no_payment(configured, client, payment_id):
    payload = json.dumps(intent_event(data={"object": {
        **INTENT, "metadata": {"payment_id": payment_id}}}))
    response = post(client, payload, sign(payload))
    assert response.status_code == 200 and response.json["outcome"] == "unknown payment"


def test_an_unhandled_type_is_ignored_whatever_its_data(configured, client):
    payload = json.dumps({"id": "evt_other", "type": "charge.dispute.created", "data": [1]})
    response = post(client, payload, sign(payload))
    assert response.status_code == 200 and response.json["outcome"] == "ignored"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**30, max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                               max_size=4),
    max_leaves=12)
ids = st.one_of(st.text(max_size=20), st.integers(min_value=-10**40, max_value=10**40),
                st.sampled_from(["evt_1", "pi_1", "pi_" + "9" * 200, "1", ""]), json_values)
types = st.one_of(st.sampled_from(["payment_intent.succeeded", "payment_intent.payment_failed",
                                   "payment_intent.canceled", "customer.created"]),
                  st.text(max_size=20), json_values)
metadata = st.one_of(json_values, st.dictionaries(
    st.sampled_from(["payment_id", "milestone_id"]),
    st.one_of(st.text(max_size=25), st.integers(), json_values), max_size=2))
intent_objects = st.one_of(json_values, st.fixed_dictionaries(
    {"id": ids}, optional={"metadata": metadata, "amount": json_values,
                           "status": json_values}))
events = st.one_of(json_values, st.fixed_dictionaries(
    {"id": ids, "type": types},
    optional={"data": st.one_of(json_values, st.fixed_dictionaries(
        {"object": intent_objects}))}))


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=events)
def test_no_signed_body_is_a_server_error(configured, client, body):
    """Any JSON a holder of the webhook secret could sign: 400, or 200 for an event it
    handles or ignores (never 500; Stripe is never called: no payment matches)."""
    payload = json.dumps(body, allow_nan=False)
    response = post(client, payload, sign(payload))
    assert response.status_code in (200, 400), (payload, response.status_code)
    if response.status_code == 200:
        assert response.json["outcome"] in ("ignored", "duplicate", "unknown payment")
