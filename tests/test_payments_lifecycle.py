"""PAYMENT_LIFECYCLE: every pair of statuses allowed or refused by the table, and every
step taken only by whom the policy names (the system, or the agency abandoning a stuck
Stripe payment). There is no way back from failed to pending (issue 14)."""

import itertools
import uuid

import pytest

from marketplace import policy
from marketplace.errors import InvalidTransition, NotAllowed
from marketplace.lifecycle import SYSTEM, transition
from marketplace.payments.models import Payment, PaymentMethod
from marketplace.payments.models import PaymentStatus as P
from marketplace.payments.states import PAYMENT_LIFECYCLE
from tests.orders_factories import accept_milestone, make_order

ALLOWED = {(P.PENDING, P.SUCCEEDED), (P.FAILED, P.SUCCEEDED), (P.PENDING, P.FAILED),
           (P.PENDING, P.CANCELLED), (P.FAILED, P.CANCELLED), (P.PENDING, P.REFUND_DUE),
           (P.FAILED, P.REFUND_DUE), (P.CANCELLED, P.REFUND_DUE), (P.REFUND_DUE, P.REFUNDED)}


@pytest.mark.parametrize("source, target", list(itertools.product(P, P)))
def test_payment_table(source, target):
    if (source, target) in ALLOWED:
        assert PAYMENT_LIFECYCLE.find(source, target).target is target
    else:
        with pytest.raises(InvalidTransition):
            PAYMENT_LIFECYCLE.find(source, target)


def stripe_payment(session, status: P = P.PENDING) -> Payment:
    order = make_order(session)
    milestone = order.milestones[0]
    accept_milestone(session, order, milestone)
    payment = Payment(milestone_id=milestone.id, order_id=order.id, amount=milestone.amount,
                      method=PaymentMethod.STRIPE, status=status,
                      idempotency_key=f"test-{uuid.uuid4().hex}",
                      created_by_id=order.parties.officer.id)
    session.add(payment)
    session.flush()
    return payment


ROLES = ("officer", "approver", "owner", "member", "outsider")


# the agency's one step, tried by everyone; the system's steps, by the agency's officer
CASES = [((P.PENDING, P.CANCELLED), role) for role in ROLES] + \
    [(step, "officer") for step in sorted(ALLOWED) if step != (P.PENDING, P.CANCELLED)]


@pytest.mark.parametrize("step, role", CASES)
def test_payment_step_needs_the_right_person(session, step, role):
    source, target = step
    payment = stripe_payment(session, source)
    user = getattr(payment.milestone.order.parties, role)
    allowed = step == (P.PENDING, P.CANCELLED) and role == "officer"
    assert policy.can(user, PAYMENT_LIFECYCLE.find(source, target).action, payment) is allowed
    if not allowed:
        with pytest.raises(NotAllowed):
            transition(session, payment, target, user, lifecycle=PAYMENT_LIFECYCLE)
        assert payment.status is source
    else:
        transition(session, payment, target, user, lifecycle=PAYMENT_LIFECYCLE)
        assert payment.status is target


@pytest.mark.parametrize("step", sorted(ALLOWED))
def test_the_system_takes_its_steps(session, step):
    source, target = step
    payment = stripe_payment(session, source)
    transition(session, payment, target, SYSTEM, lifecycle=PAYMENT_LIFECYCLE, by_system=True)
    assert payment.status is target
    if target is P.SUCCEEDED:
        assert payment.succeeded_at is not None
