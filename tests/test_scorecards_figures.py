"""Each scorecard figure on small hand-made data, its right value written out
(definitions: `/methodology`, `marketplace/scorecards/queries.py`)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from marketplace.challenges.models import ChallengeStatus
from marketplace.dashboard.queries import Filters
from marketplace.orders.models import MilestoneStatus, OrderStatus, Rating, RatingSide
from marketplace.scorecards import queries, services
from marketplace.types import utcnow
from tests import factories
from tests import transparency_factories as tf


def _at(days_ago: int) -> datetime:
    """A time `days_ago` days before now, at 03:00 UTC (10:00 in Viet Nam: no date turns)."""
    day = (utcnow() - timedelta(days=days_ago)).date()
    return datetime(day.year, day.month, day.day, 3, tzinfo=UTC)


def _awarded(session, agency, *, published, to_award, to_order, value, status=OrderStatus.ACTIVE):
    challenge = tf.make_closed_challenge(session, status=ChallengeStatus.AWARDED,
                                         published=published, agency=agency)
    bid = tf.make_bid(session, challenge)
    challenge.awarded_at = published + timedelta(days=to_award)
    award = tf.make_award(session, challenge, [(bid, value)], decided_at=challenge.awarded_at)
    order = tf.make_order(session, award.items[0], status=status,
                          signed_at=challenge.awarded_at + timedelta(days=to_order - 1))
    return challenge, order


def _paid(session, order, *, accepted, after):
    milestone = tf.make_milestone(session, order, amount=100_000_000,
                                  status=MilestoneStatus.PAID, accepted_at=accepted,
                                  paid_at=accepted + timedelta(days=after))
    tf.make_payment(session, milestone)
    return milestone


@pytest.fixture
def agency_world(session):
    agency = factories.make_agency(session)
    # challenge 1: awarded 30 days after publication, order signed by both 10 days later
    _c1, o1 = _awarded(session, agency, published=_at(200), to_award=30, to_order=10,
                       value=1_000_000_000)
    for after in (4, 20, 40):  # days from acceptance to the transfer
        _paid(session, o1, accepted=_at(150), after=after)
    tf.make_milestone(session, o1, amount=100_000_000, status=MilestoneStatus.ACCEPTED,
                      accepted_at=_at(45))  # unpaid for 45 days: overdue
    tf.make_milestone(session, o1, amount=100_000_000, status=MilestoneStatus.ACCEPTED,
                      accepted_at=_at(10))  # unpaid for 10 days: not yet overdue
    # challenge 2: 50 days to award, 20 to the order, completed and rated by the solver
    _c2, o2 = _awarded(session, agency, published=_at(300), to_award=50, to_order=20,
                       value=500_000_000, status=OrderStatus.COMPLETED)
    session.add(Rating(order=o2, side=RatingSide.SOLVER, average="4.00",
                       scores={"fairness": 5, "clarity": 4, "payment_speed": 3},
                       rated_by_id=o2.created_by_id))
    # a rating on an order not completed does not count
    session.add(Rating(order=o1, side=RatingSide.SOLVER, average="1.00",
                       scores={"fairness": 1, "clarity": 1, "payment_speed": 1},
                       rated_by_id=o1.created_by_id))
    # an open challenge, and a draft (not public: not counted)
    factories.make_challenge(session, agency=agency)
    factories.make_challenge(session, agency=agency, status=ChallengeStatus.DRAFT)
    session.flush()
    return agency


def test_the_agency_scorecard_figures(session, agency_world):
    card = services.scorecard(session, queries.AGENCY, agency_world.id)
    assert card["challenges"] == {"awarded": 2, "published": 1}
    assert card["challenges_total"] == 3
    assert card["days_to_award"] == 40.0  # median of 30 and 50
    assert card["days_to_order"] == 15.0  # median of 10 and 20
    assert card["paid_milestones"] == 3
    assert card["days_to_pay"] == 20.0  # median of 4, 20, 40
    assert card["paid_within_30"] == 66.7  # 2 of 3
    assert card["paid_within_5"] == 33.3  # 1 of 3
    assert card["overdue"] == 1
    assert card["committed"] == 1_500_000_000
    assert card["paid"] == 300_000_000
    assert card["completed"] == 1
    assert card["ratings"] == 1
    assert card["rating"] == {"average": 4.0, "fairness": 5.0, "clarity": 4.0,
                              "payment_speed": 3.0}


def test_an_agency_without_records_has_empty_figures(session):
    agency = factories.make_agency(session)
    card = services.scorecard(session, queries.AGENCY, agency.id)
    assert card["challenges_total"] == 0
    assert card["days_to_pay"] is None and card["paid_within_30"] is None
    assert card["committed"] == 0 and card["ratings"] == 0


def test_the_solver_scorecard_figures(session):
    agency = factories.make_agency(session)
    challenge = tf.make_closed_challenge(session, status=ChallengeStatus.AWARDED,
                                         published=_at(100), agency=agency)
    won = tf.make_bid(session, challenge)
    tf.make_bid(session, challenge)
    challenge.awarded_at = _at(70)
    award = tf.make_award(session, challenge, [(won, 800_000_000)], decided_at=_at(70))
    order = tf.make_order(session, award.items[0], status=OrderStatus.COMPLETED,
                          signed_at=_at(68))  # countersigned the next day: 3 days
    _paid(session, order, accepted=_at(40), after=6)
    session.add(Rating(order=order, side=RatingSide.AGENCY, average="3.50",
                       scores={"kpi:1": 3, "kpi:2": 4}, rated_by_id=order.created_by_id))
    session.flush()
    solver = won.organization_id
    card = services.scorecard(session, queries.SOLVER, solver)
    assert card["bids_total"] == 1
    assert card["days_to_order"] == 3.0
    assert card["days_to_pay"] == 6.0
    assert card["paid_within_30"] == 100.0 and card["paid_within_5"] == 0.0
    assert card["committed"] == 800_000_000 and card["paid"] == 100_000_000
    assert card["completed"] == 1
    assert card["ratings"] == 1 and card["rating"] == {"average": 3.5}


def test_the_ranking_sorts_agencies_and_provinces(session, agency_world):
    other = factories.make_agency(session)
    factories.make_challenge(session, agency=other)
    rows = services.ranking(session, queries.AGENCY, Filters())
    ours = next(row for row in rows if row["key"] == agency_world.id)
    theirs = next(row for row in rows if row["key"] == other.id)
    assert ours["rank"] is not None and theirs["rank"] is None  # no paid milestone
    assert rows.index(ours) < rows.index(theirs)
    provinces = services.ranking(session, queries.PROVINCE, Filters())
    assert agency_world.province in {row["key"] for row in provinces}


def test_the_year_filter_narrows_the_figures(session, agency_world):
    future = services.scorecard(session, queries.AGENCY, agency_world.id, Filters(year=2100))
    assert future["challenges_total"] == 0


def _outcome(session, order, result, *, published=True):
    from marketplace.outcomes.models import OutcomeStatus, PilotOutcome

    session.add(PilotOutcome(order=order, result=result, lessons="Bài học.",
                             status=OutcomeStatus.PUBLISHED if published
                             else OutcomeStatus.DRAFT,
                             published_at=utcnow() if published else None,
                             recorded_by_id=order.created_by_id))
    session.flush()


def test_pilots_proven_and_scaled(session):
    from marketplace.orders.models import OrderKind, PilotOrder
    from marketplace.outcomes.models import OutcomeResult

    agency, buyer = factories.make_agency(session), factories.make_agency(session)
    pilots = [_awarded(session, agency, published=_at(300), to_award=30, to_order=5,
                       value=1_000_000_000, status=OrderStatus.COMPLETED)[1]
              for _ in range(3)]
    _outcome(session, pilots[0], OutcomeResult.PROVEN)
    _outcome(session, pilots[1], OutcomeResult.NOT_PROVEN)  # research risk: not proven
    _outcome(session, pilots[2], OutcomeResult.PROVEN, published=False)  # a draft
    # the proven pilot bought again by another agency: a follow-on order, signed
    first = pilots[0]
    session.add(PilotOrder(
        kind=OrderKind.FOLLOW_ON, follows_order_id=first.id, challenge_id=first.challenge_id,
        agency_id=buyer.id, solver_id=first.solver_id, created_by_id=first.created_by_id,
        contract_number="HĐ-FO-1", value=300_000_000, start_date=first.start_date,
        quantity=1, justification=f"Căn cứ {first.contract_number}.",
        end_date=first.end_date, status=OrderStatus.ACTIVE, signed_at=_at(10),
        signed_terms_sha256=tf.SHA, active_at=_at(9), countersigned_terms_sha256=tf.SHA))
    session.flush()
    card = services.scorecard(session, queries.AGENCY, agency.id)
    assert (card["completed"], card["proven"], card["scaled"]) == (3, 1, 1)
    assert card["committed"] == 3_000_000_000  # the follow-on is the buyer's money
    theirs = services.scorecard(session, queries.AGENCY, buyer.id)
    assert theirs["committed"] == 300_000_000
    assert (theirs["completed"], theirs["proven"], theirs["scaled"]) == (0, 0, 0)
    solver = services.scorecard(session, queries.SOLVER, first.solver_id)
    assert (solver["proven"], solver["scaled"], solver["committed"]) == \
        (1, 1, 1_300_000_000)


def test_the_citizens_index_counts_running_and_completed_public_pilots(app, session,
                                                                       agency_world,
                                                                       monkeypatch):
    """Issue 18: the mean of every citizen's rating of the agency's public pilots that run or
    are completed, shown from CITIZEN_RATINGS_MIN ratings, with the rejected comments."""
    active, completed = sorted(agency_world_orders(session, agency_world),
                               key=lambda o: o.status.value)  # o1 active, o2 completed
    active.citizen_ratings, active.citizen_rating_sum = 4, 14  # 3,5 on average
    active.citizen_comments_rejected = 1
    completed.citizen_ratings, completed.citizen_rating_sum = 2, 10  # 5 on average
    _c3, terminated = _awarded(session, agency_world, published=_at(100), to_award=10,
                               to_order=5, value=100_000_000, status=OrderStatus.TERMINATED)
    terminated.citizen_ratings, terminated.citizen_rating_sum = 3, 3  # not counted
    session.flush()
    card = services.scorecard(session, queries.AGENCY, agency_world.id)
    assert card["citizens_ratings"] == 6
    assert card["citizens_average"] == Decimal("4.00")  # (14 + 10) / 6
    assert card["citizens_rejected"] == 1
    monkeypatch.setitem(app.config, "CITIZEN_RATINGS_MIN", 7)
    card = services.scorecard(session, queries.AGENCY, agency_world.id)
    assert card["citizens_ratings"] == 6 and card["citizens_average"] is None


def agency_world_orders(session, agency):
    from sqlalchemy import select

    from marketplace.challenges.models import Challenge
    from marketplace.orders.models import PilotOrder

    return session.scalars(select(PilotOrder).join(Challenge)
                           .where(Challenge.agency_id == agency.id)).all()
