"""The dashboard: figures checked against values computed by hand on a small data set,
the filters, the accessible charts, and a query count that does not grow with the data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from marketplace.accounts.models import OrgKind
from marketplace.challenges.models import ChallengeStatus
from marketplace.dashboard import services
from marketplace.dashboard.queries import Filters
from marketplace.extensions import db
from marketplace.orders.models import MilestoneStatus, OrderStatus, RatingSide
from marketplace.payments.models import PaymentStatus
from marketplace.submissions.models import PartnerStatus, SubmissionStatus
from tests import factories
from tests import transparency_factories as tf


def at(year, month, day, hour=3) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def data(session):
    """The hand-computed data set (see the expected values in each test).

    c1 agency A, group 1, 2025: 5 bids (startup; university; startup+university = SSE;
       enterprise+startup = consortium; institute with an invited partner = alone), a
       withdrawn one (not a bid); awarded 30 days after publication; order 1 completed,
       1.0 bn, two milestones paid 4 and 10 days after acceptance; scale-up yes;
       ratings agency 4.50, solver 4.00.
    c2 agency A, group 2, 2025: 2 bids; awarded after 50 days; order 2 active, 0.8 bn,
       one milestone paid after 6 days (0.3 bn, paid 20:00 UTC on 31 May = June in Viet
       Nam), one accepted and not paid (a failed payment).
    c3 agency B (Đà Nẵng), group 1, 2024: 1 bid; awarded after 20 days; order 3
       completed, 0.5 bn, paid after 2 days; scale-up no; ratings agency 3.00, solver 5.00.
    c4 agency B, evaluating, 0 bids. c5 agency A, open with 2 sealed submissions.
    c6 agency A, cancelled while open. c7 a draft (never counted).
    """
    group1, group2 = factories.group(session, "1"), factories.group(session, "2")
    agency_a = factories.make_agency(session, officer=factories.make_user(session),
                                     province="Hà Nội", name_vi="Sở Khoa học và Công nghệ Hà Nội")
    agency_b = factories.make_agency(session, officer=factories.make_user(session),
                                     province="Đà Nẵng", name_vi="Sở Y tế Đà Nẵng")
    creator_a, creator_b = agency_a.memberships[0].user, agency_b.memberships[0].user

    def challenge(agency, creator, published, days_to_award, group, status):
        c = tf.make_closed_challenge(session, status=status, published=published, agency=agency,
                                     creator=creator, technology_group_id=group.id,
                                     province=agency.province)
        if days_to_award is not None:
            c.awarded_at = published + timedelta(days=days_to_award)
        return c

    c1 = challenge(agency_a, creator_a, at(2025, 3, 1), 30, group1, ChallengeStatus.AWARDED)
    s1 = tf.make_bid(session, c1, kind=OrgKind.STARTUP)
    tf.make_bid(session, c1, kind=OrgKind.UNIVERSITY)
    tf.make_bid(session, c1, kind=OrgKind.STARTUP,
                partners=[(OrgKind.UNIVERSITY, PartnerStatus.ACCEPTED)])
    tf.make_bid(session, c1, kind=OrgKind.ENTERPRISE,
                partners=[(OrgKind.STARTUP, PartnerStatus.ACCEPTED)])
    tf.make_bid(session, c1, kind=OrgKind.INSTITUTE,
                partners=[(OrgKind.ENTERPRISE, PartnerStatus.INVITED)])
    tf.make_bid(session, c1, kind=OrgKind.STARTUP, status=SubmissionStatus.WITHDRAWN)
    award1 = tf.make_award(session, c1, [(s1, 1_000_000_000)], decided_at=c1.awarded_at)
    order1 = tf.make_order(session, award1.items[0], status=OrderStatus.COMPLETED,
                           signed_at=at(2025, 4, 5), scale_up_recommended=True)
    tf.make_paid_milestone(session, order1, amount=600_000_000, accepted_at=at(2025, 5, 1),
                           paid_after_days=4)
    tf.make_paid_milestone(session, order1, amount=400_000_000, accepted_at=at(2025, 7, 1),
                           paid_after_days=10)
    tf.make_rating(session, order1, RatingSide.AGENCY, "4.50")
    tf.make_rating(session, order1, RatingSide.SOLVER, "4.00")

    c2 = challenge(agency_a, creator_a, at(2025, 3, 10), 50, group2, ChallengeStatus.AWARDED)
    s2 = tf.make_bid(session, c2, kind=OrgKind.ENTERPRISE)
    tf.make_bid(session, c2, kind=OrgKind.INSTITUTE)
    award2 = tf.make_award(session, c2, [(s2, 800_000_000)], decided_at=c2.awarded_at)
    order2 = tf.make_order(session, award2.items[0], status=OrderStatus.ACTIVE,
                           signed_at=at(2025, 5, 2))
    tf.make_paid_milestone(session, order2, amount=300_000_000,
                           accepted_at=at(2025, 5, 25, 20), paid_after_days=6)
    unpaid = tf.make_milestone(session, order2, amount=500_000_000,
                               status=MilestoneStatus.ACCEPTED, accepted_at=at(2025, 6, 1))
    tf.make_payment(session, unpaid, status=PaymentStatus.FAILED, succeeded_at=None)

    c3 = challenge(agency_b, creator_b, at(2024, 5, 1), 20, group1, ChallengeStatus.AWARDED)
    s3 = tf.make_bid(session, c3, kind=OrgKind.STARTUP)
    award3 = tf.make_award(session, c3, [(s3, 500_000_000)], decided_at=c3.awarded_at)
    order3 = tf.make_order(session, award3.items[0], status=OrderStatus.COMPLETED,
                           signed_at=at(2024, 6, 1), scale_up_recommended=False)
    tf.make_paid_milestone(session, order3, amount=500_000_000, accepted_at=at(2024, 9, 1),
                           paid_after_days=2)
    tf.make_rating(session, order3, RatingSide.AGENCY, "3.00")
    tf.make_rating(session, order3, RatingSide.SOLVER, "5.00")

    challenge(agency_b, creator_b, at(2025, 8, 1), None, group1, ChallengeStatus.EVALUATING)
    c5 = factories.make_challenge(session, agency=agency_a, creator=creator_a)
    factories.make_submission(session, challenge=c5)
    factories.make_submission(session, challenge=c5)
    factories.make_challenge(session, agency=agency_a, creator=creator_a,
                             status=ChallengeStatus.CANCELLED, cancel_reason="Đổi kế hoạch",
                             cancelled_at=at(2025, 9, 1))
    factories.make_challenge(session, agency=agency_a, creator=creator_a,
                             status=ChallengeStatus.DRAFT)
    session.flush()
    return {"a": agency_a, "b": agency_b, "group1": group1, "group2": group2}


def board(app, session, **filters) -> dict:
    with app.test_request_context():
        return services.build(session, Filters(**filters))


def test_challenges_by_status_and_group(app, session, data):
    result = board(app, session)
    assert result["challenges_total"] == 6
    assert {row["status"]: row["count"] for row in result["statuses"]} == {
        ChallengeStatus.PUBLISHED: 1, ChallengeStatus.CLOSED: 0,
        ChallengeStatus.EVALUATING: 1, ChallengeStatus.AWARDED: 3,
        ChallengeStatus.CANCELLED: 1}
    assert {row["id"]: row["count"] for row in result["groups"]} == {
        data["group1"].id: 5, data["group2"].id: 1}


def test_bids_only_after_close_and_their_distribution(app, session, data):
    result = board(app, session)
    assert {row["label"]: row["challenges"] for row in result["bids"]["rows"]} == {
        "0": 1, "1": 1, "2": 1, "3–5": 1, "6–10": 0, "> 10": 0}
    assert result["bids"]["challenges"] == 4  # the open one's sealed bids are not counted
    assert result["bids"]["total"] == 8
    assert result["bids"]["mean"] == Decimal("2.0")


def test_who_bids_and_state_school_enterprise_consortia(app, session, data):
    result = board(app, session)["bidders"]
    counts = {row["kind"]: row["count"] for row in result["rows"]}
    assert counts == {"startup": 2, "institute": 2, "university": 1, "enterprise": 1,
                      "consortium": 2}
    assert result["consortia"] == 2
    assert result["sse"] == 1
    assert result["total"] == 8


def test_money_committed_and_paid_by_month_in_vietnam_time(app, session, data):
    money = board(app, session)["money"]
    assert money["committed"] == 2_300_000_000
    assert money["paid"] == 1_800_000_000  # the failed payment is not money paid
    by_month = {row["month"]: (row["committed"], row["paid"]) for row in money["rows"]}
    assert by_month == {
        "2024-06": (500_000_000, 0), "2024-09": (0, 500_000_000),
        "2025-04": (1_000_000_000, 0), "2025-05": (800_000_000, 600_000_000),
        # accepted 25 May 20:00 UTC + 6 days = 31 May 20:00 UTC = 1 June in Ha Noi
        "2025-06": (0, 300_000_000), "2025-07": (0, 400_000_000)}
    assert money["rows"][-1]["committed_total"] == 2_300_000_000
    assert money["paid_share"] == Decimal("78.3")


def test_medians_outcomes_and_satisfaction(app, session, data):
    result = board(app, session)
    assert result["days_to_award"] == Decimal("30.0")  # 20, 30, 50
    assert result["days_to_payment"] == Decimal("5.0")  # 2, 4, 6, 10
    assert (result["completed"], result["scale_up"]) == (2, 1)
    assert result["scale_up_share"] == Decimal("50.0")
    assert result["satisfaction"]["agency"] == {"average": Decimal("3.75"), "count": 2}
    assert result["satisfaction"]["solver"] == {"average": Decimal("4.50"), "count": 2}


def test_top_agencies(app, session, data):
    top = board(app, session)["top_agencies"]
    assert [(row["id"], row["pilots"], row["value"]) for row in top] == [
        (data["a"].id, 2, 1_800_000_000), (data["b"].id, 1, 500_000_000)]


def test_the_top_agencies_rank_by_pilots_then_value_then_id_and_stop_at_ten(app, session):
    def pilots(agency, values):
        challenge = tf.make_closed_challenge(session, status=ChallengeStatus.AWARDED,
                                             agency=agency, province=agency.province)
        bids = [tf.make_bid(session, challenge) for _value in values]
        award = tf.make_award(session, challenge, list(zip(bids, values, strict=True)))
        for item in award.items:
            tf.make_order(session, item)

    agencies = [factories.make_agency(session, name_vi=f"Sở {i:02d}") for i in range(12)]
    for agency in agencies[:10]:
        pilots(agency, [100])
    pilots(agencies[10], [50, 60])  # most pilots, though the least value
    pilots(agencies[11], [300])  # the largest value of those with one pilot
    none = factories.make_agency(session, name_vi="Sở không có đơn hàng")
    factories.make_challenge(session, agency=none)
    top = board(app, session)["top_agencies"]
    assert [(row["id"], row["pilots"], row["value"]) for row in top] == [
        (agencies[10].id, 2, 110), (agencies[11].id, 1, 300),
        *[(agency.id, 1, 100) for agency in agencies[:8]]]


def test_the_filters_narrow_the_top_agencies_and_bids_but_not_the_choices(app, session, data):
    result = board(app, session, agency_id=data["b"].id)
    assert [(row["id"], row["pilots"], row["value"]) for row in result["top_agencies"]] == [
        (data["b"].id, 1, 500_000_000)]
    assert {row["label"]: row["challenges"] for row in result["bids"]["rows"]} == {
        "0": 1, "1": 1, "2": 0, "3–5": 0, "6–10": 0, "> 10": 0}
    assert (result["bids"]["challenges"], result["bids"]["total"]) == (2, 1)
    assert {row["status"]: row["count"] for row in result["statuses"]} == {
        ChallengeStatus.PUBLISHED: 0, ChallengeStatus.CLOSED: 0,
        ChallengeStatus.EVALUATING: 1, ChallengeStatus.AWARDED: 1,
        ChallengeStatus.CANCELLED: 0}
    assert [aid for aid, _name in result["options"]["agencies"]] == [data["a"].id, data["b"].id]

    result = board(app, session, year=2025, group_id=data["group1"].id)
    assert [(row["id"], row["pilots"]) for row in result["top_agencies"]] == [(data["a"].id, 1)]
    assert {row["label"]: row["challenges"] for row in result["bids"]["rows"]}["3–5"] == 1
    assert [aid for aid, _name in result["options"]["agencies"]] == [data["a"].id, data["b"].id]

    result = board(app, session, year=2023)
    assert result["top_agencies"] == [] and result["bids"]["challenges"] == 0
    assert len(result["options"]["agencies"]) == 2


def test_filters_narrow_every_figure(app, session, data):
    result = board(app, session, agency_id=data["b"].id)
    assert result["challenges_total"] == 2
    assert (result["money"]["committed"], result["money"]["paid"]) == (500_000_000, 500_000_000)
    assert result["days_to_award"] == Decimal("20.0")
    assert result["bidders"]["total"] == 1

    result = board(app, session, year=2024)
    assert result["challenges_total"] == 1
    assert result["money"]["committed"] == 500_000_000

    result = board(app, session, group_id=data["group2"].id)
    assert result["challenges_total"] == 1
    assert result["days_to_award"] == Decimal("50.0")
    assert result["days_to_payment"] == Decimal("6.0")

    result = board(app, session, province="Đà Nẵng")
    assert result["challenges_total"] == 2


def test_filters_from_the_query_string_ignore_nonsense():
    filters = Filters.from_args({"agency": "x", "province": "Atlantis", "group": "-1",
                                 "year": "99999"})
    assert filters == Filters()
    filters = Filters.from_args({"agency": "3", "province": "Huế", "group": "2", "year": "2025"})
    assert filters == Filters(agency_id=3, province="Huế", group_id=2, year=2025)


def test_the_page_shows_accessible_charts_and_tables(client, data):
    response = client.get("/dashboard?year=2025&province=H%C3%A0+N%E1%BB%99i")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('role="img"') >= 5
    assert html.count("<caption>") >= 7
    assert "<title id=\"chart-status-title\">" in html
    assert 'style="' not in html and "<script>" not in html
    assert 'selected>2025</option>' in html
    assert "Sở Khoa học và Công nghệ Hà Nội" in html


def test_the_page_works_on_an_empty_database(client):
    response = client.get("/dashboard")
    assert response.status_code == 200


def test_the_page_is_in_vietnamese_by_default(client, data):
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Bảng điều khiển minh bạch" in html


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)


def count_queries(app, client, path: str) -> int:
    counter = QueryCounter()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return len([s for s in counter.statements if s.lstrip().upper().startswith("SELECT")])


def grow(session, n: int) -> None:
    """n more processes of every shape: awarded with orders, payments and ratings."""
    for i in range(n):
        _challenge, _award, order = tf.make_process(
            session, bids=1 + i % 3,
            order_status=OrderStatus.COMPLETED if i % 2 else OrderStatus.ACTIVE,
            published=at(2024 + i % 2, 1 + i % 12, 1))
        tf.make_rating(session, order, RatingSide.AGENCY, "4.00")
        tf.make_bid(session, factories.make_challenge(session), status=SubmissionStatus.SUBMITTED)


def test_the_number_of_queries_does_not_grow_with_the_data(app, client, session):
    grow(session, 2)
    small = count_queries(app, client, "/dashboard")
    grow(session, 12)
    large = count_queries(app, client, "/dashboard")
    assert small == large == services.QUERIES
    assert count_queries(app, client, "/dashboard?year=2025&group=1") == services.QUERIES


FILTER_SETS = [{}, {"year": 2025}, {"year": 2024}, {"province": "Hà Nội"},
               {"year": 2025, "province": "Hà Nội"}, {"province": "Đà Nẵng"}]


def _same_as_recount(session, filters: Filters) -> None:
    """The counters' figures, folded into the page, equal those computed from scratch."""
    kept = services.fold(services.figures(session, filters), datetime(2026, 1, 1, tzinfo=UTC))
    fresh = services.fold(services.recount(session, filters), datetime(2026, 1, 1, tzinfo=UTC))
    for name in fresh:
        assert kept[name] == fresh[name], (filters, name)


@pytest.mark.parametrize("filters", FILTER_SETS + [{"group": "1"}, {"agency": "a"}])
def test_the_counters_give_the_figures_computed_from_scratch(app, session, data, filters):
    if filters.get("group"):
        filters = {"group_id": data["group1"].id}
    elif filters.get("agency"):
        filters = {"agency_id": data["a"].id}
    with app.test_request_context():
        _same_as_recount(session, Filters(**filters))
