"""CSRF: every rule that takes POST refuses a POST without a valid token with 400 and
changes nothing — as the party who could otherwise do it. Two exemptions: the Stripe
webhook (Stripe cannot send a token, so it verifies the signature of the raw body) and
the one-click unsubscribe of alert mail (RFC 8058: the mail client POSTs without a
session; the signed link is the authority and it only ever stops mail —
`tests/test_alerts.py`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from tests.security.matrix import Clients, build_url, resolve, snapshot
from tests.security.test_access_matrix import TABLE

# one worker builds this module's world (a second would build it again): xdist_group
pytestmark = [pytest.mark.shared_world, pytest.mark.xdist_group("security-csrf")]

EXEMPT = {"payments.stripe_webhook", "alerts.unsubscribe"}
POST_CASES = [case for case in TABLE if case.post is not None
              and case.endpoint not in EXEMPT]


def test_every_post_rule_is_covered(app):
    post_endpoints = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    assert post_endpoints - {c.endpoint for c in POST_CASES} == EXEMPT


@pytest.mark.parametrize("token", ["missing", "forged", "another session's"])
def test_post_without_a_valid_token_is_refused(app, client, session, world, token):
    clients = Clients(app, client)
    stranger_token = app.test_client().csrf_token("/")  # valid, for another session
    problems, holding = [], set()
    for case in POST_CASES:
        user = resolve(world, case.owner)
        the_client = clients.for_user(user)
        if id(the_client) not in holding:  # the session holds a real token, which is not sent
            the_client.csrf_token("/")
            holding.add(id(the_client))
        with the_client.session_transaction() as flask_session:
            assert flask_session.get("csrf_token"), case.name  # still holds it
        url = build_url(app, world, case).replace("OPEN", str(world.open.id))
        data = {"missing": {}, "forged": {"csrf_token": "forged.token.value"},
                "another session's": {"csrf_token": stranger_token}}[token]
        before = snapshot(session)
        response = the_client.post(url, data={**data, "reason": "x", "question": "x"})
        if response.status_code != 400:
            problems.append(f"{case.name}: {response.status_code}")
        if snapshot(session) != before:
            problems.append(f"{case.name}: changed the database")
    assert not problems, "\n".join(problems)


def test_json_bodies_need_the_token_too(app, client, session, login, make_user):
    """A cross-site `fetch` with a JSON body is no way around the token."""
    user = make_user()
    login(user)
    response = client.post("/logout", json={"csrf_token": ""})
    assert response.status_code == 400
    assert client.get("/profile").status_code == 200  # still logged in


def _stripe_app(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_security")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_security")


def _signature(body: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = timestamp or int(time.time())
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


EVENT = json.dumps({"id": "evt_security", "object": "event", "type": "payment_intent.succeeded",
                    "data": {"object": {"id": "pi_x", "object": "payment_intent",
                                        "metadata": {"payment_id": "1"}}}}).encode()


@pytest.mark.parametrize("signature", [
    None,
    "",
    "t=1,v1=00",
    "wrong-secret",
    "stale",
    "other-body",
])
def test_stripe_webhook_refuses_unsigned_bodies(app, client, session, monkeypatch, signature):
    _stripe_app(app, monkeypatch)
    headers = {"Content-Type": "application/json"}
    if signature == "wrong-secret":
        signature = _signature(EVENT, "whsec_someone_else")
    elif signature == "stale":
        signature = _signature(EVENT, "whsec_security", int(time.time()) - 3600)
    elif signature == "other-body":
        signature = _signature(b"{}", "whsec_security")
    if signature is not None:
        headers["Stripe-Signature"] = signature
    before = snapshot(session)
    response = client.post("/webhooks/stripe", data=EVENT, headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid signature"}
    assert snapshot(session) == before


def test_stripe_webhook_needs_no_csrf_token_when_signed(app, client, session, monkeypatch):
    """The exemption is real: a correctly signed event is accepted without a token."""
    _stripe_app(app, monkeypatch)
    response = client.post("/webhooks/stripe", data=EVENT, headers={
        "Content-Type": "application/json",
        "Stripe-Signature": _signature(EVENT, "whsec_security")})
    assert response.status_code != 400, response.get_data(as_text=True)
