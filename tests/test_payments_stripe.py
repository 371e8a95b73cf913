"""The Stripe path for real, against localstripe on 127.0.0.1, with webhooks signed
exactly as Stripe signs them. Nothing here talks to the real Stripe: the secret key is a
test key and `STRIPE_API_BASE` points at the local server.

localstripe's own command binds every interface and keeps its store in one fixed file
in the temporary folder; so the fixture starts its aiohttp app from Python instead,
bound to 127.0.0.1 on a free port, with the store redirected to a file of this run."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid

import pytest
import stripe
from sqlalchemy import func, select

from marketplace.audit.models import AuditEvent
from marketplace.notifications.models import Notification
from marketplace.orders.models import Milestone, MilestoneStatus, OrderStatus
from marketplace.payments import services
from marketplace.payments.gateway import GatewayError, StripeGateway, get_gateway
from marketplace.payments.models import Payment, PaymentStatus, StripeEvent
from tests.factories import make_user
from tests.orders_factories import accept_milestone, make_order

SECRET_KEY = "sk_test_localstripe"
WEBHOOK_SECRET = "whsec_test_localstripe"

SERVER = r"""
import pickle, socket, sys
from localstripe import resources

store_path = sys.argv[2]

def dump_to_disk(self):
    with open(store_path, "wb") as fh:
        pickle.dump(dict(self), fh, protocol=pickle.HIGHEST_PROTOCOL)

resources.Store.dump_to_disk = dump_to_disk
resources.Store.try_load_from_disk = lambda self: None

from aiohttp import web
from localstripe.server import app

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", int(sys.argv[1])))
web.run_app(app, sock=sock, print=None, access_log=None, handle_signals=True)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def localstripe(tmp_path_factory):
    pytest.importorskip("localstripe")
    port = _free_port()
    store = tmp_path_factory.mktemp("localstripe") / "store.pickle"
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(store)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError as error:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"localstripe did not start: {proc.stderr.read()!r}"
                                   ) from error
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        proc.stderr.close()
        stripe.api_base = stripe.DEFAULT_API_BASE


@pytest.fixture
def stripe_app(app, localstripe, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", localstripe)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    return app


def api(localstripe):
    """Talk to localstripe as Stripe's own client-side flow would."""
    stripe.api_base = localstripe
    return {"api_key": SECRET_KEY}


def complete_payment(localstripe, intent_id: str, card: str = "4242424242424242") -> None:
    """What the payer does on Stripe's side: a card, then confirmation."""
    key = api(localstripe)
    method = stripe.PaymentMethod.create(type="card", card={
        "number": card, "exp_month": 12, "exp_year": 2030, "cvc": "123"}, **key)
    stripe.PaymentIntent.modify(intent_id, payment_method=method.id, **key)
    stripe.PaymentIntent.confirm(intent_id, **key)


def send_event(client, event_type: str, intent: dict, *, event_id: str | None = None,
               timestamp: int | None = None, secret: str = WEBHOOK_SECRET):
    payload = json.dumps({"id": event_id or f"evt_{uuid.uuid4().hex[:14]}", "object": "event",
                          "type": event_type, "data": {"object": intent}})
    header = stripe.WebhookSignature.generate_signature_header(payload, secret,
                                                               timestamp=timestamp)
    return client.post("/webhooks/stripe", data=payload,
                       headers={"Stripe-Signature": header, "Content-Type": "application/json"})


@pytest.fixture
def accepted(session):
    order = make_order(session)
    milestone = order.milestones[0]
    accept_milestone(session, order, milestone)
    session.commit()
    return order, milestone


def start_payment(client, login, order, milestone):
    if login is not None:
        login(order.parties.officer)
    response = client.post_form(f"/orders/{order.id}/milestones/{milestone.id}/pay",
                                token_from=f"/orders/{order.id}/milestones/{milestone.id}/pay")
    assert response.status_code == 302


def the_payment(session, milestone) -> Payment:
    session.expire_all()
    return session.scalar(select(Payment).where(Payment.milestone_id == milestone.id)
                          .order_by(Payment.id.desc()).limit(1))


def test_stripe_end_to_end(stripe_app, localstripe, session, client, login, accepted):
    order, milestone = accepted
    start_payment(client, login, order, milestone)
    payment = the_payment(session, milestone)
    assert payment.status is PaymentStatus.PENDING and payment.stripe_payment_intent_id
    assert payment.idempotency_key.startswith(f"fcm-milestone-{milestone.id}-")
    intent = stripe.PaymentIntent.retrieve(payment.stripe_payment_intent_id, **api(localstripe))
    assert (intent.amount, intent.currency) == (milestone.amount, "vnd")  # integer đồng
    assert intent.metadata["milestone_id"] == str(milestone.id)
    assert intent.metadata["payment_id"] == str(payment.id)
    session.refresh(milestone)
    assert milestone.status is MilestoneStatus.ACCEPTED  # not paid before Stripe confirms

    complete_payment(localstripe, intent.id)
    current = stripe.PaymentIntent.retrieve(intent.id, **api(localstripe))
    response = send_event(client, "payment_intent.succeeded", current.to_dict(),
                          event_id="evt_e2e_1")
    assert response.status_code == 200 and response.json["outcome"] == "paid"
    payment = the_payment(session, milestone)
    assert payment.status is PaymentStatus.SUCCEEDED and payment.succeeded_at is not None
    assert session.get(type(milestone), milestone.id).status is MilestoneStatus.PAID

    # the same event delivered again: 200, and nothing changes
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    again = send_event(client, "payment_intent.succeeded", current.to_dict(),
                       event_id="evt_e2e_1")
    assert again.status_code == 200 and again.json["outcome"] == "duplicate"
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert session.scalar(select(func.count()).select_from(StripeEvent)
                          .where(StripeEvent.id == "evt_e2e_1")) == 1
    # a second delivery of the same news under a new event id changes nothing either
    other = send_event(client, "payment_intent.succeeded", current.to_dict())
    assert other.json["outcome"] == "already paid"
    assert session.scalar(select(func.count()).select_from(Payment)
                          .where(Payment.milestone_id == milestone.id)) == 1


def test_double_click_starts_one_payment(stripe_app, session, client, login, accepted):
    order, milestone = accepted
    start_payment(client, login, order, milestone)
    response = client.post_form(f"/orders/{order.id}/milestones/{milestone.id}/pay",
                                token_from=f"/orders/{order.id}")
    assert response.status_code in (302, 403)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Payment)
                          .where(Payment.milestone_id == milestone.id)) == 1


def test_out_of_order_events_follow_the_current_intent(stripe_app, localstripe, session,
                                                       client, login, accepted):
    order, milestone = accepted
    start_payment(client, login, order, milestone)
    payment = the_payment(session, milestone)
    intent = stripe.PaymentIntent.retrieve(payment.stripe_payment_intent_id, **api(localstripe))
    # a forged-looking "succeeded" that Stripe does not confirm: the intent is unpaid
    early = send_event(client, "payment_intent.succeeded",
                       {**intent.to_dict(), "status": "succeeded"})
    assert early.json["outcome"] == "waiting"
    assert the_payment(session, milestone).status is PaymentStatus.PENDING

    complete_payment(localstripe, intent.id)
    # a stale "payment_failed" arriving after the success: the current intent wins
    late_failure = send_event(client, "payment_intent.payment_failed",
                              {**intent.to_dict(), "status": "requires_payment_method"})
    assert late_failure.json["outcome"] == "paid"
    assert the_payment(session, milestone).status is PaymentStatus.SUCCEEDED


def test_success_before_the_intent_id_was_saved(stripe_app, localstripe, session, client,
                                                accepted):
    """The webhook can overtake the view's second commit: found by the metadata."""
    from marketplace.payments import services
    from marketplace.payments.gateway import get_gateway

    order, milestone = accepted
    payment = services.start_stripe(session, order.parties.officer, milestone)
    session.commit()
    intent = get_gateway(stripe_app.config).create_intent(payment)
    complete_payment(localstripe, intent.id)
    current = stripe.PaymentIntent.retrieve(intent.id, **api(localstripe))
    response = send_event(client, "payment_intent.succeeded", current.to_dict())
    assert response.json["outcome"] == "paid"
    payment = the_payment(session, milestone)
    assert payment.stripe_payment_intent_id == intent.id


def test_an_amount_it_did_not_create_is_not_trusted(stripe_app, localstripe, session, client,
                                                    login, accepted):
    order, milestone = accepted
    start_payment(client, login, order, milestone)
    payment = the_payment(session, milestone)
    key = api(localstripe)
    forged = stripe.PaymentIntent.create(
        amount=1000, currency="vnd", **key,
        metadata={"milestone_id": str(milestone.id), "payment_id": str(payment.id)})
    complete_payment(localstripe, forged.id)
    response = send_event(client, "payment_intent.succeeded",
                          stripe.PaymentIntent.retrieve(forged.id, **key).to_dict())
    assert response.status_code == 200 and response.json["outcome"] == "unknown payment"
    # the same trick on the real intent id, with the amount changed in the event body
    real = stripe.PaymentIntent.retrieve(payment.stripe_payment_intent_id, **key).to_dict()
    response = send_event(client, "payment_intent.succeeded",
                          {**real, "amount": 1000, "status": "succeeded"})
    assert response.json["outcome"] == "waiting"
    assert the_payment(session, milestone).status is PaymentStatus.PENDING
    session.expire_all()
    assert session.get(type(milestone), milestone.id).status is MilestoneStatus.ACCEPTED


def test_a_declined_card_is_recorded_and_shown(stripe_app, localstripe, session, client, login,
                                               accepted):
    order, milestone = accepted
    start_payment(client, login, order, milestone)
    payment = the_payment(session, milestone)
    with pytest.raises(stripe.CardError):
        complete_payment(localstripe, payment.stripe_payment_intent_id,
                         card="4000000000000341")
    current = stripe.PaymentIntent.retrieve(payment.stripe_payment_intent_id,
                                            **api(localstripe))
    response = send_event(client, "payment_intent.payment_failed", current.to_dict())
    assert response.json["outcome"] == "failed"
    payment = the_payment(session, milestone)
    assert payment.status is PaymentStatus.FAILED and payment.failure_message
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert payment.failure_message in page
    # the milestone is still accepted and can be paid again
    start_payment(client, None, order, milestone)
    assert the_payment(session, milestone).status is PaymentStatus.PENDING


def test_stripe_unreachable_keeps_the_key_for_the_retry(stripe_app, localstripe, session,
                                                        client, login, accepted, monkeypatch):
    order, milestone = accepted
    monkeypatch.setitem(stripe_app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{_free_port()}")
    start_payment(client, login, order, milestone)
    first = the_payment(session, milestone)
    assert first.status is PaymentStatus.PENDING and first.stripe_payment_intent_id is None
    key = first.idempotency_key  # committed before the call that failed

    monkeypatch.setitem(stripe_app.config, "STRIPE_API_BASE", localstripe)
    client.post_form(f"/orders/{order.id}/milestones/{milestone.id}/pay",
                     token_from=f"/orders/{order.id}")
    again = the_payment(session, milestone)
    assert again.id == first.id and again.idempotency_key == key
    assert again.stripe_payment_intent_id is not None


def test_order_completes_when_the_last_milestone_is_paid_by_stripe(
        stripe_app, localstripe, session, client, login):
    order = make_order(session, value=900_000_000, amounts=(900_000_000,))
    milestone = order.milestones[0]
    accept_milestone(session, order, milestone)
    session.commit()
    start_payment(client, login, order, milestone)
    payment = the_payment(session, milestone)
    complete_payment(localstripe, payment.stripe_payment_intent_id)
    intent = stripe.PaymentIntent.retrieve(payment.stripe_payment_intent_id, **api(localstripe))
    assert send_event(client, "payment_intent.succeeded", intent.to_dict()).status_code == 200
    session.expire_all()
    assert session.get(type(order), order.id).status is OrderStatus.COMPLETED
    completed = session.scalar(select(AuditEvent).where(
        AuditEvent.object_type == "pilot_orders", AuditEvent.object_id == order.id,
        AuditEvent.action == "order.completed"))
    assert completed is not None and completed.actor_id is None  # by the system


# --- one charge per milestone, whatever Stripe does (issue 14) ----------------------
#
# End to end against localstripe, webhooks signed as Stripe signs them, events late
# and out of order:
#
# - a failed intent is cancelled through Stripe before a new one is created, so the payer
#   can no longer complete it (the 2 × 500,000,000 ₫);
# - a failed intent that succeeded meanwhile pays the milestone instead of a new intent;
# - money that pays nothing (another payment is live, or the amount is not ours) is a
#   real payment: refunded through Stripe, or shown and notified when the refund fails;
# - a payment stuck pending (its intent came back with another amount) can be abandoned
#   by the agency, its intent cancelled, and the milestone paid anew.

THREE_D_SECURE = "4000002500003155"  # localstripe asks this card to authenticate


def payments_of(session, milestone) -> list[Payment]:
    session.expire_all()
    return list(session.scalars(select(Payment).where(Payment.milestone_id == milestone.id)
                                .order_by(Payment.id)))


def milestone_status(session, milestone) -> MilestoneStatus:
    session.expire_all()
    return session.get(Milestone, milestone.id).status


def intent_of(localstripe, intent_id: str):
    return stripe.PaymentIntent.retrieve(intent_id, **api(localstripe))


def fail_authentication(localstripe, intent_id: str) -> None:
    """The payer's bank refuses the 3-D Secure check: the intent fails but stays open —
    the payer may try it again later with another card."""
    key = api(localstripe)
    method = stripe.PaymentMethod.create(type="card", card={
        "number": THREE_D_SECURE, "exp_month": 12, "exp_year": 2030, "cvc": "123"}, **key)
    stripe.PaymentIntent.modify(intent_id, payment_method=method.id, **key)
    intent = stripe.PaymentIntent.confirm(intent_id, **key)
    data = urllib.parse.urlencode({"client_secret": intent.client_secret,
                                   "success": "false"}).encode()
    request = urllib.request.Request(  # noqa: S310 (localstripe on 127.0.0.1)
        f"{localstripe}/v1/payment_intents/{intent_id}/_authenticate", data=data,
        headers={"Authorization": f"Bearer {SECRET_KEY}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local)
        assert response.status == 200
    assert intent_of(localstripe, intent_id).status == "requires_payment_method"


def first_attempt_fails(client, login, localstripe, session, order, milestone) -> Payment:
    start_payment(client, login, order, milestone)
    first = payments_of(session, milestone)[-1]
    fail_authentication(localstripe, first.stripe_payment_intent_id)
    failed = send_event(client, "payment_intent.payment_failed",
                        intent_of(localstripe, first.stripe_payment_intent_id).to_dict())
    assert failed.json["outcome"] == "failed"
    return first


def test_a_failed_intent_is_cancelled_before_a_new_one(stripe_app, localstripe, session,
                                                       client, login, accepted):
    order, milestone = accepted
    first = first_attempt_fails(client, login, localstripe, session, order, milestone)
    start_payment(client, None, order, milestone)  # pay again
    old, new = payments_of(session, milestone)
    assert old.id == first.id and old.status is PaymentStatus.CANCELLED
    assert intent_of(localstripe, old.stripe_payment_intent_id).status == "canceled"
    assert new.status is PaymentStatus.PENDING and new.stripe_payment_intent_id
    # the payer comes back to the first intent with a good card: Stripe refuses it
    with pytest.raises(stripe.InvalidRequestError):
        complete_payment(localstripe, old.stripe_payment_intent_id)
    complete_payment(localstripe, new.stripe_payment_intent_id)
    paid = send_event(client, "payment_intent.succeeded",
                      intent_of(localstripe, new.stripe_payment_intent_id).to_dict())
    assert paid.json["outcome"] == "paid"
    # the first intent's stale events, late and out of order, change nothing
    for kind in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        late = send_event(client, kind, {**intent_of(localstripe,
                                                     old.stripe_payment_intent_id).to_dict(),
                                         "status": "succeeded"})
        assert late.status_code == 200 and late.json["outcome"] == "cancelled"
    statuses = [p.status for p in payments_of(session, milestone)]
    assert statuses == [PaymentStatus.CANCELLED, PaymentStatus.SUCCEEDED]
    charged = [p for p in payments_of(session, milestone)
               if intent_of(localstripe, p.stripe_payment_intent_id).status == "succeeded"]
    assert len(charged) == 1  # one charge
    assert milestone_status(session, milestone) is MilestoneStatus.PAID


def test_a_failed_intent_that_succeeded_meanwhile_pays_the_milestone(
        stripe_app, localstripe, session, client, login, accepted):
    order, milestone = accepted
    first = first_attempt_fails(client, login, localstripe, session, order, milestone)
    complete_payment(localstripe, first.stripe_payment_intent_id)  # the webhook is late
    start_payment(client, None, order, milestone)  # the agency pays again meanwhile
    (only,) = payments_of(session, milestone)  # no second intent
    assert only.status is PaymentStatus.SUCCEEDED
    assert milestone_status(session, milestone) is MilestoneStatus.PAID
    late = send_event(client, "payment_intent.succeeded",
                      intent_of(localstripe, first.stripe_payment_intent_id).to_dict())
    assert late.json["outcome"] == "already paid"
    assert len(payments_of(session, milestone)) == 1


def stray_success(stripe_app, localstripe, session, client, login, order, milestone):
    """A failed payment whose intent is still open while a second payment is live (made
    before this rule, or racing it), then the first intent succeeds after all."""
    first = first_attempt_fails(client, login, localstripe, session, order, milestone)
    second = services.start_stripe(session, order.parties.officer, milestone)
    session.commit()
    gateway = get_gateway(stripe_app.config)
    services.attach_intent(session, second, gateway.create_intent(second))
    session.commit()
    complete_payment(localstripe, first.stripe_payment_intent_id)
    response = send_event(client, "payment_intent.succeeded",
                          intent_of(localstripe, first.stripe_payment_intent_id).to_dict())
    return first, second, response


def test_a_success_for_an_intent_that_is_not_the_live_one_is_refunded(
        stripe_app, localstripe, session, client, login, accepted):
    order, milestone = accepted
    first, second, response = stray_success(stripe_app, localstripe, session, client, login,
                                            order, milestone)
    assert response.status_code == 200 and response.json["outcome"] == "refunded"
    old, live = payments_of(session, milestone)
    assert old.status is PaymentStatus.REFUNDED and live.status is PaymentStatus.PENDING
    refunds = stripe.Refund.list(payment_intent=old.stripe_payment_intent_id,
                                 **api(localstripe)).data
    assert [r.amount for r in refunds] == [milestone.amount]
    # the live one pays the milestone, once
    complete_payment(localstripe, live.stripe_payment_intent_id)
    assert send_event(client, "payment_intent.succeeded", intent_of(
        localstripe, live.stripe_payment_intent_id).to_dict()).json["outcome"] == "paid"
    # the stray success delivered again: refunded already, nothing more
    again = send_event(client, "payment_intent.succeeded",
                       intent_of(localstripe, old.stripe_payment_intent_id).to_dict())
    assert again.json["outcome"] == "refunded"
    assert len(stripe.Refund.list(payment_intent=old.stripe_payment_intent_id,
                                  **api(localstripe)).data) == 1


def test_a_refund_that_fails_is_shown_and_notified(stripe_app, localstripe, session, client,
                                                   login, accepted, monkeypatch):
    order, milestone = accepted
    admin = make_user(session, is_admin=True)
    session.commit()

    def refuse(self, intent_id, *, idempotency_key):
        raise GatewayError("Refunds are not possible on this account")

    monkeypatch.setattr(StripeGateway, "refund", refuse)
    first, _second, response = stray_success(stripe_app, localstripe, session, client, login,
                                             order, milestone)
    assert response.status_code == 200 and response.json["outcome"] == "refund failed"
    old = payments_of(session, milestone)[0]
    assert old.status is PaymentStatus.REFUND_DUE
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Refunds are not possible on this account" in page
    assert "hoàn tiền" in page  # the status: received but not owed, to be refunded
    told = set(session.scalars(select(Notification.user_id).where(
        Notification.kind == "payment.refund_failed")))
    assert {order.parties.officer.id, admin.id} <= told


def test_a_success_with_another_amount_is_refunded(stripe_app, localstripe, session, client,
                                                   login, accepted):
    order, milestone = accepted
    start_payment(client, login, order, milestone)
    payment = payments_of(session, milestone)[0]
    stripe.PaymentIntent.modify(payment.stripe_payment_intent_id, amount=1000,
                                **api(localstripe))
    complete_payment(localstripe, payment.stripe_payment_intent_id)
    response = send_event(client, "payment_intent.succeeded", intent_of(
        localstripe, payment.stripe_payment_intent_id).to_dict())
    assert response.json["outcome"] == "refunded"
    assert payments_of(session, milestone)[0].status is PaymentStatus.REFUNDED
    assert milestone_status(session, milestone) is MilestoneStatus.ACCEPTED
    start_payment(client, None, order, milestone)  # and it can be paid anew
    assert payments_of(session, milestone)[-1].status is PaymentStatus.PENDING


def test_a_stuck_payment_is_abandoned_and_paid_anew(stripe_app, localstripe, session, client,
                                                    login, accepted):
    order, milestone = accepted
    start_payment(client, login, order, milestone)
    stuck = payments_of(session, milestone)[0]
    stripe.PaymentIntent.modify(stuck.stripe_payment_intent_id, amount=1000,
                                **api(localstripe))
    waiting = send_event(client, "payment_intent.amount_capturable_updated", intent_of(
        localstripe, stuck.stripe_payment_intent_id).to_dict())
    assert waiting.json["outcome"] == "untrusted"
    # stuck: paying again is refused while it is pending
    start_payment(client, None, order, milestone)
    assert len(payments_of(session, milestone)) == 1
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    abandon = (f"/orders/{order.id}/milestones/{milestone.id}/payments/{stuck.id}/abandon")
    assert abandon in page
    response = client.post_form(abandon, token_from=f"/orders/{order.id}")
    assert response.status_code == 302
    assert payments_of(session, milestone)[0].status is PaymentStatus.CANCELLED
    assert intent_of(localstripe, stuck.stripe_payment_intent_id).status == "canceled"
    start_payment(client, None, order, milestone)
    old, new = payments_of(session, milestone)
    assert new.status is PaymentStatus.PENDING
    complete_payment(localstripe, new.stripe_payment_intent_id)
    assert send_event(client, "payment_intent.succeeded", intent_of(
        localstripe, new.stripe_payment_intent_id).to_dict()).json["outcome"] == "paid"
    assert milestone_status(session, milestone) is MilestoneStatus.PAID
