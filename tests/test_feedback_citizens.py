"""Issue 18, "the satisfaction of the people served": citizens rate a pilot without an
account; rate limits per address and per pilot; one rating per browser per pilot per
day (a signed cookie); comments sanitised and moderated by the agency; the index shown
only from CITIZEN_RATINGS_MIN ratings on; the QR code of the page."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own SVG in a test

import pytest
from sqlalchemy import func, select

from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.feedback import qr, services
from marketplace.feedback.models import CitizenFeedback, FeedbackStatus
from marketplace.feedback.states import FEEDBACK_LIFECYCLE
from marketplace.lifecycle import transition
from marketplace.orders.models import OrderStatus
from tests.orders_factories import make_award_item, make_order

S = FeedbackStatus


@pytest.fixture
def minimum(app, monkeypatch):
    monkeypatch.setitem(app.config, "CITIZEN_RATINGS_MIN", 3)
    return 3


def _page(order) -> str:
    return f"/orders/{order.id}/feedback"


def _rate(client, order, rating="4", comment=""):
    return client.post_form(_page(order), {"rating": rating, "comment": comment})


# --- the lifecycle table ---------------------------------------------------------------

ALLOWED = [(S.PENDING, S.APPROVED), (S.PENDING, S.REJECTED)]
FORBIDDEN = [(a, b) for a in S for b in S if a is not b and (a, b) not in ALLOWED]


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_the_agency_officer_takes_each_allowed_step(session, source, target):
    order = make_order(session)
    feedback = services.give(session, order, rating=2, comment="Chờ lâu quá.")
    transition(session, feedback, target, order.parties.officer, lifecycle=FEEDBACK_LIFECYCLE)
    assert feedback.status is target


@pytest.mark.parametrize(("source", "target"), FORBIDDEN)
def test_every_other_step_is_refused(session, source, target):
    order = make_order(session)
    feedback = services.give(session, order, rating=2, comment="x")
    feedback.status = source  # the state under test, as stored
    with pytest.raises(InvalidTransition):
        transition(session, feedback, target, order.parties.officer,
                   lifecycle=FEEDBACK_LIFECYCLE)


def test_only_the_pilots_agency_moderates(session):
    order = make_order(session)
    other = make_order(session)
    feedback = services.give(session, order, rating=1, comment="Tệ.")
    for user in (order.parties.owner, order.parties.outsider, other.parties.officer):
        with pytest.raises(DomainError):
            services.approve(session, user, feedback)
    services.reject(session, order.parties.officer, feedback)
    assert order.citizen_comments_rejected == 1


# --- the rule -------------------------------------------------------------------------

def test_a_rating_stores_nothing_that_identifies_anyone(session):
    columns = set(CitizenFeedback.__table__.columns.keys())
    assert columns == {"id", "order_id", "rating", "comment", "status", "created_at",
                       "approved_at", "rejected_at"}


def test_ratings_count_at_once_and_comments_wait(session, minimum):
    order = make_order(session)
    services.give(session, order, rating=5)
    services.give(session, order, rating=4, comment="Nhanh hơn trước.")
    index = services.citizens_index(order)
    assert (index.ratings, index.average, index.rejected) == (2, None, 0)  # below 3
    third = services.give(session, order, rating=3, comment="Tạm được.")
    services.reject(session, order.parties.officer, third)
    index = services.citizens_index(order)
    # (5 + 4 + 3) / 3 = 4.00: a rejected comment's rating still counts
    assert (index.ratings, index.average, index.rejected, index.shown) == (
        3, Decimal("4.00"), 1, True)
    assert [f.status for f in session.scalars(select(CitizenFeedback).order_by(
        CitizenFeedback.id))] == [S.NO_COMMENT, S.PENDING, S.REJECTED]


def test_the_index_per_agency_sums_its_open_pilots(session, minimum):
    first = make_order(session, value=600_000_000)
    second = make_order(session, make_award_item(session, parties=first.parties,
                                                 amount=400_000_000), value=400_000_000)
    offered = make_order(session, status=OrderStatus.OFFERED)
    for rating in (5, 4):
        services.give(session, first, rating=rating)
    services.give(session, second, rating=1)
    by_agency = services.citizens_index_by_agency(session)
    # (5 + 4 + 1) / 3 = 3.33
    assert by_agency[first.agency_id].ratings == 3
    assert by_agency[first.agency_id].average == Decimal("3.33")
    assert offered.agency_id not in by_agency
    assert services.citizens_index_by_agency(session, [offered.agency_id]) == {}


@pytest.mark.parametrize("status", [OrderStatus.DRAFT, OrderStatus.OFFERED,
                                    OrderStatus.SIGNED])
def test_a_pilot_that_does_not_run_takes_no_rating(session, status):
    order = make_order(session, status=status)
    with pytest.raises(DomainError):
        services.give(session, order, rating=3)


@pytest.mark.parametrize(("typed", "stored"), [
    ("<script>alert(1)</script>Tốt", "Tốt"),
    ("<b>Rất</b> &amp; tốt", "Rất & tốt"),
    ("rtl\u202eabc", "rtlabc"),
    ("  một\n\n\n\nhai   ba \x00", "một\n\nhai ba"),
    ("Tho\u0302ng", "Thông"),  # NFC
    ("x" * 1500, "x" * 1000),
    ("<p></p>", ""),
])
def test_comments_are_sanitised(typed, stored):
    assert services.clean_comment(typed) == stored


# --- the page ----------------------------------------------------------------------------

def test_a_visitor_rates_and_the_browser_is_told_once_a_day(client, session):
    order = make_order(session)
    other = make_order(session)
    session.commit()
    page = client.get(_page(order))
    assert page.status_code == 200
    assert "Không cần tài khoản" in page.get_data(as_text=True)
    assert _rate(client, order, "5", "Xe buýt đúng giờ hơn.").status_code == 302
    again = _rate(client, order, "1", "Lại lần nữa")
    assert again.status_code == 400
    html = again.get_data(as_text=True)
    assert "Bạn đã đánh giá thí điểm này hôm nay" in html
    assert _rate(client, other, "3").status_code == 302  # another pilot: fine
    db.session.expire_all()
    assert session.scalar(select(func.count(CitizenFeedback.id))) == 2
    # a forged cookie counts as none; the server stores nothing of the browser
    client.set_cookie("citizen_rated", "forged.value")
    assert _rate(client, order, "2").status_code == 302


def test_an_invalid_form_keeps_what_was_typed_with_the_error_next_to_it(client, session):
    order = make_order(session)
    session.commit()
    response = _rate(client, order, "9", "Ý kiến của tôi")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Ý kiến của tôi" in html and "invalid-feedback" in html


def test_the_address_limit_counts_recorded_ratings(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "CITIZEN_FEEDBACK_LIMIT_PER_ADDRESS", "2 per hour")
    orders = [make_order(session) for _ in range(3)]
    session.commit()
    assert _rate(client, orders[0], "9").status_code == 400  # refused: not counted
    assert _rate(client, orders[0]).status_code == 302
    assert _rate(client, orders[1]).status_code == 302
    assert _rate(client, orders[2]).status_code == 429


def test_the_pilot_limit_holds_whatever_the_address(app, session, monkeypatch):
    from marketplace.extensions import limiter

    monkeypatch.setitem(app.config, "CITIZEN_FEEDBACK_LIMIT_PER_PILOT", "2 per hour")
    limiter.reset()
    order, other = make_order(session), make_order(session)
    session.commit()
    for n in range(2):
        fresh = app.test_client()  # another browser (no cookie), another address
        assert fresh.post_form(_page(order), {"rating": "4"},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code == 302
    late = app.test_client()
    assert late.post_form(_page(order), {"rating": "4"},
                          environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 429
    assert late.post_form(_page(other), {"rating": "4"},
                          environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302


def test_moderation_publishes_or_counts_the_rejected(client, session, login, minimum):
    order = make_order(session)
    good = services.give(session, order, rating=5, comment="Nhân viên tận tình.")
    bad = services.give(session, order, rating=1, comment="Số điện thoại 0912345678")
    services.give(session, order, rating=4)
    session.commit()
    public = client.get(_page(order)).get_data(as_text=True)
    assert "Nhân viên tận tình" not in public and "0912345678" not in public
    assert "3,33" in public  # (5 + 1 + 4) / 3
    login(order.parties.officer)
    queue = client.get(f"/orders/{order.id}/feedback/moderation").get_data(as_text=True)
    assert "Nhân viên tận tình" in queue and "0912345678" in queue
    token = client.csrf_token(f"/orders/{order.id}/feedback/moderation")
    assert client.post(f"/feedback/{good.id}/approve",
                       data={"csrf_token": token}).status_code == 302
    assert client.post(f"/feedback/{bad.id}/reject", data={"csrf_token": token}).status_code == 302
    client.post("/logout", data={"csrf_token": token})
    visitor = client.application.test_client()
    public = visitor.get(_page(order)).get_data(as_text=True)
    assert "Nhân viên tận tình" in public and "0912345678" not in public
    assert "Bình luận cơ quan không công bố: 1" in public
    # the pending and rejected comments do not exist for the public
    assert visitor.post(f"/feedback/{bad.id}/approve").status_code in (302, 400, 404)


def test_the_order_page_shows_the_citizens_index_beside_the_agencys_rating(
        client, session, minimum):
    order = make_order(session)
    for rating in (5, 5, 4):
        services.give(session, order, rating=rating)
    session.commit()
    html = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Chỉ số hài lòng của người dân" in html and "4,67" in html
    assert f"/orders/{order.id}/feedback" in html


@pytest.mark.parametrize("status", [OrderStatus.OFFERED, OrderStatus.TERMINATED])
def test_no_feedback_page_for_a_pilot_that_does_not_run(client, session, status):
    order = make_order(session, status=status) if status is OrderStatus.OFFERED else None
    if order is None:
        order = make_order(session)
        order.status, order.termination_reason = OrderStatus.TERMINATED, "Dừng."
    session.commit()
    assert client.get(_page(order)).status_code == 404
    assert client.get(f"{_page(order)}/qr.svg").status_code == 404


def test_the_qr_code_is_an_svg_of_the_pages_public_address(client, session):
    order = make_order(session)
    session.commit()
    response = client.get(f"/orders/{order.id}/feedback/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)  # noqa: S314 - our own output
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert b"<script" not in response.data
    assert response.data == qr.svg(f"http://localhost/orders/{order.id}/feedback")


def test_demo_pilots_have_citizens_ratings_some_waiting(session, client):
    from marketplace.demo import accounts, orders, people

    accounts.load(session)
    orders.load(session)
    assert "ratings on two pilots" in people.load(session)
    assert people.load(session) == "citizens' feedback: already loaded"
    statuses = set(session.scalars(select(CitizenFeedback.status)))
    assert statuses == {S.NO_COMMENT, S.PENDING, S.APPROVED, S.REJECTED}
    done = session.scalar(select(CitizenFeedback.order_id).where(
        CitizenFeedback.status == S.REJECTED))
    session.commit()
    html = client.get(f"/orders/{done}/feedback").get_data(as_text=True)
    assert "Mong thành phố nhân rộng" in html and "4,18" in html  # 46 / 11
    # the demo follower's daily digest is due: one mail
    from marketplace.alerts.services import send_alerts

    assert send_alerts(session).mails == 1
