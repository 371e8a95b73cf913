"""Each red flag firing and not firing (definitions: `/methodology`,
`marketplace/scorecards/flags.py`)."""

from datetime import timedelta

from marketplace.challenges.models import Amendment, ChallengeStatus
from marketplace.evaluation.models import AwardStatus
from marketplace.orders.models import MilestoneStatus, OrderStatus
from marketplace.scorecards import flags
from marketplace.scorecards.models import FlagKind, RedFlag
from marketplace.submissions.models import SubmissionStatus
from marketplace.types import utcnow
from tests import factories
from tests import transparency_factories as tf

T = flags.Thresholds()


def _kinds(session, **where) -> list[FlagKind]:
    found = flags.find(session, T)
    return sorted(f.kind for f in found
                  if all(getattr(f, name) == value for name, value in where.items()))


def test_single_valid_submission(session):
    one = tf.make_closed_challenge(session)
    tf.make_bid(session, one)
    tf.make_bid(session, one, status=SubmissionStatus.DISQUALIFIED,  # not valid
                disqualification_reason="Thiếu hồ sơ.")
    two = tf.make_closed_challenge(session)
    tf.make_bid(session, two)
    tf.make_bid(session, two)
    assert FlagKind.SINGLE_BID in _kinds(session, challenge_id=one.id)
    assert FlagKind.SINGLE_BID not in _kinds(session, challenge_id=two.id)


def test_short_submission_period(session):
    now = utcnow()
    short = factories.make_challenge(session, published_at=now - timedelta(days=1),
                                     submission_deadline=now + timedelta(days=12))  # 13 days
    fine = factories.make_challenge(session, published_at=now - timedelta(days=1),
                                    submission_deadline=now + timedelta(days=13))  # 14 days
    assert _kinds(session, challenge_id=short.id) == [FlagKind.SHORT_PERIOD]
    assert _kinds(session, challenge_id=fine.id) == []


def _award(session, *, rank=1, amount=1_000_000_000, ceiling=2_000_000_000,
           status=AwardStatus.APPROVED):
    challenge = tf.make_closed_challenge(session, status=ChallengeStatus.AWARDED,
                                         budget_ceiling=ceiling)
    bids = [tf.make_bid(session, challenge) for _ in range(2)]
    award = tf.make_award(session, challenge, [(bids[0], amount)], status=status)
    award.items[0].rank = rank
    award.items[0].not_top_ranked_reason = "" if rank == 1 else "Giá thấp hơn."
    session.flush()
    return challenge


def test_award_not_to_the_top_ranked(session):
    second = _award(session, rank=2)
    first = _award(session, rank=1)
    proposed = _award(session, rank=2, status=AwardStatus.PROPOSED)  # not public yet
    assert FlagKind.NOT_TOP_RANKED in _kinds(session, challenge_id=second.id)
    assert FlagKind.NOT_TOP_RANKED not in _kinds(session, challenge_id=first.id)
    assert FlagKind.NOT_TOP_RANKED not in _kinds(session, challenge_id=proposed.id)


def test_award_near_the_ceiling(session):
    near = _award(session, amount=1_960_000_000)  # 98% of 2 billion: within 2%
    below = _award(session, amount=1_959_999_999)
    assert FlagKind.NEAR_CEILING in _kinds(session, challenge_id=near.id)
    assert FlagKind.NEAR_CEILING not in _kinds(session, challenge_id=below.id)


def _amend(session, challenge, at):
    session.add(Amendment(challenge=challenge, created_by_id=challenge.created_by_id,
                          created_at=at, summary="Sửa đổi", changes={}))
    session.flush()


def test_many_amendments(session):
    now = utcnow()
    many = factories.make_challenge(session, published_at=now - timedelta(days=20),
                                    submission_deadline=now + timedelta(days=20))
    few = factories.make_challenge(session, published_at=now - timedelta(days=20),
                                   submission_deadline=now + timedelta(days=20))
    for day in range(4):
        _amend(session, many, now - timedelta(days=10 - day))
    for day in range(3):
        _amend(session, few, now - timedelta(days=10 - day))
    assert _kinds(session, challenge_id=many.id) == [FlagKind.MANY_AMENDMENTS]
    assert _kinds(session, challenge_id=few.id) == []


def test_late_amendment(session):
    now = utcnow()
    late = factories.make_challenge(session, published_at=now - timedelta(days=20),
                                    clarification_deadline=now,
                                    submission_deadline=now + timedelta(days=2))
    early = factories.make_challenge(session, published_at=now - timedelta(days=20),
                                     clarification_deadline=now,
                                     submission_deadline=now + timedelta(days=4))
    _amend(session, late, now - timedelta(hours=1))  # 2 days before the deadline
    _amend(session, early, now - timedelta(hours=1))  # 4 days before
    assert _kinds(session, challenge_id=late.id) == [FlagKind.LATE_AMENDMENT]
    assert _kinds(session, challenge_id=early.id) == []


def _order(session, status=OrderStatus.ACTIVE, **kw):
    _challenge, _award, order = tf.make_process(session, order_status=status, **kw)
    return order


def test_accepted_milestone_unpaid(session):
    order = _order(session)
    late = tf.make_milestone(session, order, amount=1_000, status=MilestoneStatus.ACCEPTED,
                             accepted_at=utcnow() - timedelta(days=31))
    recent = tf.make_milestone(session, order, amount=1_000, status=MilestoneStatus.ACCEPTED,
                               accepted_at=utcnow() - timedelta(days=29))
    found = [f for f in flags.find(session, T) if f.kind is FlagKind.UNPAID_ACCEPTED]
    assert [f.milestone_id for f in found] == [late.id]
    assert recent.id not in [f.milestone_id for f in found]
    assert found[0].detail == {"days": 31, "threshold": 30}


def test_delivery_neither_accepted_nor_rejected(session):
    order = _order(session)
    old = tf.make_milestone(session, order, amount=1_000, status=MilestoneStatus.DELIVERED)
    old.delivered_at = utcnow() - timedelta(days=31)
    new = tf.make_milestone(session, order, amount=1_000, status=MilestoneStatus.DELIVERED)
    new.delivered_at = utcnow() - timedelta(days=29)
    session.flush()
    found = [f.milestone_id for f in flags.find(session, T)
             if f.kind is FlagKind.UNDECIDED_DELIVERY]
    assert found == [old.id]


def test_stalled_pilot(session):
    order = _order(session)
    order.signed_at = utcnow() - timedelta(days=201)
    order.active_at = utcnow() - timedelta(days=200)
    for milestone in order.milestones:  # the last activity: a payment 91 days ago
        if milestone.paid_at:
            milestone.delivered_at = utcnow() - timedelta(days=97)
            milestone.accepted_at = utcnow() - timedelta(days=95)
            milestone.paid_at = utcnow() - timedelta(days=91)
    busy = _order(session)  # paid recently (the factory's dates: about a month ago)
    session.flush()
    stalled = [f.order_id for f in flags.find(session, T) if f.kind is FlagKind.STALLED_PILOT]
    assert order.id in stalled and busy.id not in stalled


def test_same_solver_winning_repeatedly(session):
    agency = factories.make_agency(session)
    solver = factories.make_org(session)
    member = factories.make_user(session)
    other = factories.make_org(session)

    def win(org):
        challenge = tf.make_closed_challenge(session, status=ChallengeStatus.AWARDED,
                                             agency=agency)
        bid = tf.make_bid(session, challenge)
        bid.organization_id = org.id
        bid.created_by_id = member.id
        session.flush()
        tf.make_award(session, challenge, [(bid, 1_000_000)])

    for _ in range(3):
        win(solver)
    for _ in range(2):
        win(other)
    found = [(f.agency_id, f.solver_id, f.detail["wins"]) for f in flags.find(session, T)
             if f.kind is FlagKind.REPEAT_WINNER]
    assert found == [(agency.id, solver.id, 3)]


def test_recompute_replaces_the_stored_flags(session):
    challenge = tf.make_closed_challenge(session)
    tf.make_bid(session, challenge)
    assert flags.recompute(session, T) >= 1
    stored = session.query(RedFlag).filter_by(challenge_id=challenge.id).all()
    assert [f.kind for f in stored] == [FlagKind.SINGLE_BID]
    tf.make_bid(session, challenge)
    flags.recompute(session, T)
    assert session.query(RedFlag).filter_by(challenge_id=challenge.id).all() == []


def test_thresholds_come_from_the_configuration(app):
    thresholds = flags.Thresholds.from_config({**app.config, "FLAG_UNPAID_DAYS": 10})
    assert thresholds.unpaid_days == 10
    assert thresholds.min_submission_days == app.config["FLAG_MIN_SUBMISSION_DAYS"] == 14


def test_the_worker_job_recomputes_and_commits(app, session):
    from marketplace import jobs

    challenge = tf.make_closed_challenge(session)
    tf.make_bid(session, challenge)
    session.commit()
    assert "recompute_flags" in jobs.PERIODIC
    assert jobs.recompute_flags() >= 1
    kinds = [f.kind for f in session.query(RedFlag).filter_by(challenge_id=challenge.id)]
    assert kinds == [FlagKind.SINGLE_BID]


def test_the_command_recomputes(app, session):
    challenge = tf.make_closed_challenge(session)
    tf.make_bid(session, challenge)
    session.commit()
    result = app.test_cli_runner().invoke(args=["flags", "recompute"])
    assert result.exit_code == 0 and "red flag(s)" in result.output
