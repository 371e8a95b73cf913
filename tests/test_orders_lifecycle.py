"""ORDER_LIFECYCLE and MILESTONE_LIFECYCLE: every pair of statuses allowed or refused by
the table, and every allowed step taken only by whom the policy names."""

import itertools

import pytest

from marketplace import policy
from marketplace.errors import InvalidTransition, NotAllowed
from marketplace.lifecycle import transition
from marketplace.orders.models import MilestoneStatus as M
from marketplace.orders.models import OrderStatus as O
from marketplace.orders.states import MILESTONE_LIFECYCLE, ORDER_LIFECYCLE
from tests.orders_factories import make_order

ORDER_ALLOWED = {(O.DRAFT, O.OFFERED), (O.OFFERED, O.DRAFT), (O.OFFERED, O.SIGNED),
                 (O.SIGNED, O.ACTIVE), (O.ACTIVE, O.COMPLETED), (O.OFFERED, O.TERMINATED),
                 (O.SIGNED, O.TERMINATED), (O.ACTIVE, O.TERMINATED)}
MILESTONE_ALLOWED = {(M.PLANNED, M.DELIVERED), (M.DELIVERED, M.ACCEPTED),
                     (M.DELIVERED, M.PLANNED), (M.ACCEPTED, M.PAID)}


@pytest.mark.parametrize("source, target", list(itertools.product(O, O)))
def test_order_table(source, target):
    if (source, target) in ORDER_ALLOWED:
        assert ORDER_LIFECYCLE.find(source, target).target is target
    else:
        with pytest.raises(InvalidTransition):
            ORDER_LIFECYCLE.find(source, target)


@pytest.mark.parametrize("source, target", list(itertools.product(M, M)))
def test_milestone_table(source, target):
    if (source, target) in MILESTONE_ALLOWED:
        assert MILESTONE_LIFECYCLE.find(source, target).target is target
    else:
        with pytest.raises(InvalidTransition):
            MILESTONE_LIFECYCLE.find(source, target)


ROLES = ("officer", "approver", "owner", "member", "outsider")
# (from, to) -> who may take the step; everyone else is refused
ORDER_WHO = {
    (O.DRAFT, O.OFFERED): {"officer"},
    (O.OFFERED, O.DRAFT): {"officer"},
    (O.OFFERED, O.SIGNED): {"owner"},
    (O.SIGNED, O.ACTIVE): {"approver"},
    (O.ACTIVE, O.COMPLETED): set(),  # only the system
    (O.OFFERED, O.TERMINATED): {"officer"},
    (O.SIGNED, O.TERMINATED): {"officer"},
    (O.ACTIVE, O.TERMINATED): {"officer"},
}


@pytest.mark.parametrize("step, role", [(step, role) for step in ORDER_WHO for role in ROLES])
def test_order_step_needs_the_right_person(session, step, role):
    source, target = step
    order = make_order(session, status=source)
    user = getattr(order.parties, role)
    allowed = role in ORDER_WHO[step]
    assert policy.can(user, ORDER_LIFECYCLE.find(source, target).action, order) is allowed
    if not allowed:
        with pytest.raises(NotAllowed):
            transition(session, order, target, user, lifecycle=ORDER_LIFECYCLE)
        assert order.status is source


MILESTONE_WHO = {
    "milestone.deliver": {"owner", "member"},
    "milestone.accept": {"officer"},
    "milestone.reject": {"officer"},
    "milestone.pay": {"officer"},
}


@pytest.mark.parametrize("action, role", [(a, r) for a in MILESTONE_WHO for r in ROLES])
def test_milestone_step_needs_the_right_person(session, action, role):
    order = make_order(session)
    assert policy.can(getattr(order.parties, role), action,
                      order.milestones[0]) is (role in MILESTONE_WHO[action])


@pytest.mark.parametrize("status", [O.DRAFT, O.OFFERED, O.SIGNED])
@pytest.mark.parametrize("action", ["milestone.deliver", "milestone.accept",
                                    "milestone.reject", "milestone.pay"])
def test_milestones_move_only_while_active(session, status, action):
    order = make_order(session, status=status)
    parties = order.parties
    for user in (parties.officer, parties.owner, parties.member):
        assert not policy.can(user, action, order.milestones[0])


def test_terminated_order_still_pays_accepted_milestones(session):
    order = make_order(session)
    order.status = O.TERMINATED  # arranged directly: the rule is tested elsewhere
    order.termination_reason = "x"
    assert policy.can(order.parties.officer, "milestone.pay", order.milestones[0])
    assert not policy.can(order.parties.member, "milestone.deliver", order.milestones[0])
