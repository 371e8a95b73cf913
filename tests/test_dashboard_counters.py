"""Issue 21: the dashboard's counters, kept up to date by the changes themselves, equal
the figures computed from scratch after any sequence of changes (Hypothesis draws it):
transitions of every lifecycle the figures depend on — publish, close, evaluate, award,
reopen, cancel; submit, open, withdraw, disqualify; a partner's answer; an order offered,
signed, activated, completed, terminated; milestones delivered, accepted, paid; payments
succeeded, failed, refunded; complaints reviewed, upheld, dismissed — made through
`lifecycle.transition`, the one way every service changes a status, and amounts changed
(an order's value, a rating given). Checked on every filter set and against a rebuild."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import OrgKind
from marketplace.challenges.models import ChallengeStatus
from marketplace.complaints.models import Complaint, Contested
from marketplace.dashboard import counters, services
from marketplace.dashboard.models import DashboardCounter
from marketplace.dashboard.queries import Filters
from marketplace.errors import DomainError
from marketplace.lifecycle import lifecycle_of, transition
from marketplace.orders.models import MilestoneStatus, OrderStatus, Rating, RatingSide
from marketplace.payments.models import PaymentStatus
from marketplace.submissions.models import PartnerStatus, SubmissionStatus
from marketplace.types import utcnow
from tests import factories
from tests import transparency_factories as tf

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)


def _world(session):
    """Challenges in every state with bids, partners, orders, milestones, payments and a
    complaint; every object whose status a step may move, in a fixed order."""
    group1, group2 = factories.group(session, "1"), factories.group(session, "2")
    agency = factories.make_agency(session, officer=factories.make_user(session),
                                   province="Hà Nội")
    other = factories.make_agency(session, officer=factories.make_user(session),
                                  province="Đà Nẵng")
    creator = agency.memberships[0].user
    now = utcnow()
    draft = factories.make_challenge(session, agency=agency, creator=creator,
                                     status=ChallengeStatus.DRAFT,
                                     technology_group_id=group1.id, budget_ceiling=10**9,
                                     submission_deadline=now + timedelta(days=20))
    open_ = factories.make_challenge(session, agency=agency, creator=creator,
                                     technology_group_id=group2.id)
    tf.make_bid(session, open_, status=SubmissionStatus.SUBMITTED,
                partners=[(OrgKind.UNIVERSITY, PartnerStatus.INVITED)])
    factories.make_submission(session, challenge=draft)
    closed = tf.make_closed_challenge(session, agency=other, creator=other.memberships[0].user,
                                      technology_group_id=group1.id, province="Đà Nẵng",
                                      published=datetime(2024, 12, 31, 18, tzinfo=UTC))
    tf.make_bid(session, closed, kind=OrgKind.ENTERPRISE,
                partners=[(OrgKind.INSTITUTE, PartnerStatus.INVITED)])
    tf.make_bid(session, closed, kind=OrgKind.UNIVERSITY)
    processes = [tf.make_process(session, bids=2, agency=agency, creator=creator,
                                 technology_group_id=group.id, province=agency.province,
                                 published=published)
                 for group, published in ((group1, datetime(2025, 3, 1, tzinfo=UTC)),
                                          (group2, datetime(2024, 6, 1, tzinfo=UTC)))]
    challenge, award, order = processes[0]
    planned = order.milestones[1]
    tf.make_payment(session, planned, status=PaymentStatus.PENDING, succeeded_at=None)
    winner = award.items[0].submission
    session.add(Complaint(challenge=challenge, award=award, submission=winner,
                          organization_id=winner.organization_id, filed_by_id=creator.id,
                          contested=Contested.AWARD, grounds="Sai tiêu chí.",
                          answer_due_at=now + timedelta(days=7)))
    session.flush()
    from marketplace.challenges.models import Challenge
    from marketplace.complaints.models import Complaint as C
    from marketplace.orders.models import Milestone, PilotOrder
    from marketplace.payments.models import Payment
    from marketplace.submissions.models import ConsortiumPartner, Submission

    objects = []
    for model in (Challenge, Submission, ConsortiumPartner, PilotOrder, Milestone, Payment, C):
        objects += session.scalars(select(model).order_by(model.id)).all()
    for obj in objects:  # what some statuses require, given up front
        for attr, value in (("cancel_reason", "Đổi kế hoạch"), ("termination_reason", "Trễ"),
                            ("signed_terms_sha256", tf.SHA), ("signer_name", "A"),
                            ("countersigned_terms_sha256", tf.SHA), ("countersigner_name", "B"),
                            ("disqualification_reason", "Thiếu hồ sơ"),
                            ("failure_message", "Từ chối")):
            if hasattr(obj, attr) and not getattr(obj, attr):
                setattr(obj, attr, value)
    session.flush()
    orders = session.scalars(select(PilotOrder).order_by(PilotOrder.id)).all()
    return objects, orders, {"agency": agency.id, "groups": [group1.id, group2.id]}


def _filter_sets(world) -> list[Filters]:
    agency, (group1, group2) = world["agency"], world["groups"]
    return [Filters(), Filters(year=2025, province="Hà Nội"), Filters(group_id=group1),
            Filters(agency_id=agency, group_id=group2, year=2024)]


def _counters(session) -> dict:
    return {(r.agency_id, r.province, r.group_id, r.year, r.metric, r.key): r.value
            for r in session.scalars(select(DashboardCounter)) if r.value}


def assert_same_as_from_scratch(session, filter_sets) -> None:
    for filters in filter_sets:
        kept = services.fold(services.figures(session, filters), AS_OF)
        fresh = services.fold(services.recount(session, filters), AS_OF)
        for name in fresh:
            assert kept[name] == fresh[name], (filters, name)
    incremental = _counters(session)
    with session.begin_nested() as rebuilt:
        counters.rebuild(session)
        assert _counters(session) == incremental
        rebuilt.rollback()


STEP = st.one_of(
    st.tuples(st.just("move"), st.integers(0, 60), st.integers(0, 5)),
    st.tuples(st.just("value"), st.integers(0, 1), st.integers(1, 9)),
    st.tuples(st.just("rate"), st.integers(0, 1), st.integers(0, 1)),
)


def _step(session, objects, orders, step) -> None:
    kind, a, b = step
    if kind == "move":
        obj = objects[a % len(objects)]
        lifecycle = lifecycle_of(obj)
        targets = lifecycle.targets(getattr(obj, lifecycle.status_attr))
        if not targets:
            return
        transition(session, obj, targets[b % len(targets)], None, lifecycle=lifecycle,
                   by_system=True)
    elif kind == "value":
        orders[a].value = b * 100_000_000
    else:
        side = (RatingSide.AGENCY, RatingSide.SOLVER)[b]
        if not any(r.side == side for r in orders[a].ratings):
            session.add(Rating(order=orders[a], side=side, average=Decimal("3.75") + b,
                               scores={}, rated_by_id=orders[a].created_by_id))
    session.flush()


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_random_changes_keep_the_counters_equal_to_a_recount(app, session):
    objects, orders, world = _world(session)
    filter_sets = _filter_sets(world)
    with app.test_request_context():
        assert_same_as_from_scratch(session, filter_sets)  # the factories' writes counted

        @settings(max_examples=10, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.lists(STEP, min_size=1, max_size=14))
        def sequence(steps):
            example = session.begin_nested()
            try:
                for step in steps:
                    with session.begin_nested() as one:
                        try:
                            _step(session, objects, orders, step)
                        except (IntegrityError, DomainError):
                            one.rollback()  # a state the database refuses: skipped
                assert_same_as_from_scratch(session, filter_sets)
            finally:
                example.rollback()
                session.expire_all()

        sequence()


def test_a_change_that_is_rolled_back_moves_no_counter(app, session):
    objects, _orders, _world_ids = _world(session)
    before = _counters(session)
    challenge = next(o for o in objects if getattr(o, "status", None) is ChallengeStatus.PUBLISHED)
    with session.begin_nested() as change:
        transition(session, challenge, ChallengeStatus.CLOSED, None,
                   lifecycle=lifecycle_of(challenge), by_system=True)
        assert _counters(session) != before  # counted in the change's own transaction
        change.rollback()
    assert _counters(session) == before


def test_private_work_moves_no_counter(app, session):
    """A sealed bid withdrawn before the deadline, a milestone delivered (not accepted):
    the counters stay as they were (issue 14); an order completed moves them."""
    objects, _orders, _world_ids = _world(session)
    before = _counters(session)
    sealed = next(o for o in objects if getattr(o, "status", None) is SubmissionStatus.SUBMITTED)
    transition(session, sealed, SubmissionStatus.WITHDRAWN, None,
               lifecycle=lifecycle_of(sealed), by_system=True)  # before the deadline
    planned = next(o for o in objects if getattr(o, "status", None) is MilestoneStatus.PLANNED)
    transition(session, planned, MilestoneStatus.DELIVERED, None,
               lifecycle=lifecycle_of(planned), by_system=True)
    session.flush()
    assert _counters(session) == before
    active = next(o for o in objects if getattr(o, "status", None) is OrderStatus.ACTIVE)
    transition(session, active, OrderStatus.COMPLETED, None, lifecycle=lifecycle_of(active),
               by_system=True)
    assert _counters(session) != before  # a public change does move them
