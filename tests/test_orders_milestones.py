"""Deliveries with evidence, acceptance and rejection, overdue flags, completion, the
ratings of both sides, the scale-up recommendation, and termination's settlement."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.errors import DomainError, InvalidTransition, NotAllowed
from marketplace.files.models import Attachment
from marketplace.orders import milestones, services
from marketplace.orders.models import MilestoneDelivery, MilestoneStatus, OrderStatus, RatingSide
from marketplace.orders.queries import summarize
from marketplace.orders.terms import local_today
from marketplace.payments import services as payments
from tests.orders_factories import accept_milestone, make_order, treasury_payment


@pytest.fixture(autouse=True)
def in_english(session):
    """Messages are matched in English here (the site's default language is Vietnamese)."""
    with force_locale("en"):
        yield

PDF = b"%PDF-1.4 bien ban nghiem thu"


def pay(session, order, milestone):
    return payments.record_offline(session, order.parties.officer, milestone,
                                   treasury=treasury_payment(milestone, f"KBNN-{milestone.id}"),
                                   paid_on=local_today())


def test_delivery_through_the_form_with_evidence(session, client, login):
    order = make_order(session)
    milestone = order.milestones[0]
    session.commit()
    login(order.parties.member)
    url = f"/orders/{order.id}/milestones/{milestone.id}/deliver"
    response = client.post_form(url, {"notes": "Đã bàn giao báo cáo khảo sát.",
                                      "files": (BytesIO(PDF), "bien-ban.pdf")},
                                content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.expire_all()
    assert milestone.status is MilestoneStatus.DELIVERED
    delivery = session.scalar(select(MilestoneDelivery).where(
        MilestoneDelivery.milestone_id == milestone.id))
    attachment = session.scalar(select(Attachment).where(Attachment.delivery_id == delivery.id))
    assert attachment.original_name == "bien-ban.pdf"
    assert client.get(f"/files/{attachment.id}").status_code == 200  # a party


def test_reject_needs_reason_and_goes_back_to_planned(session):
    order = make_order(session)
    parties, milestone = order.parties, order.milestones[0]
    milestones.deliver(session, parties.member, milestone, "Bản nháp.")
    with pytest.raises(DomainError) as refused:
        milestones.reject(session, parties.officer, milestone, "  ")
    assert refused.value.field == "reason"
    milestones.reject(session, parties.officer, milestone, "Thiếu số liệu đo.")
    assert milestone.status is MilestoneStatus.PLANNED
    assert milestone.last_rejection_reason == "Thiếu số liệu đo."
    assert session.scalar(select(MilestoneDelivery.verdict).where(
        MilestoneDelivery.milestone_id == milestone.id)) == "rejected"
    milestones.deliver(session, parties.member, milestone, "Bản đầy đủ.")
    milestones.accept(session, parties.officer, milestone)
    assert milestone.status is MilestoneStatus.ACCEPTED and milestone.accepted_at is not None


def test_solver_cannot_accept_and_agency_cannot_deliver(session):
    order = make_order(session)
    parties, milestone = order.parties, order.milestones[0]
    with pytest.raises(NotAllowed):
        milestones.deliver(session, parties.officer, milestone, "x")
    milestones.deliver(session, parties.member, milestone, "x")
    with pytest.raises(NotAllowed):
        milestones.accept(session, parties.owner, milestone)
    with pytest.raises(InvalidTransition):
        milestones.deliver(session, parties.member, milestone, "again")


def test_overdue_flags(session, client, login):
    start = local_today() - timedelta(days=100)
    order = make_order(session, start=start, days=200, due_offsets=(10, 20, 150))
    parties = order.parties
    accept_milestone(session, order, order.milestones[1])  # accepted late: not overdue
    summary = summarize(order)
    assert [line.overdue for line in summary.lines] == [True, False, False]
    session.commit()
    for viewer in (None, parties.owner, parties.officer):
        if viewer is not None:
            login(viewer)
        html = client.get(f"/orders/{order.id}").get_data(as_text=True)
        assert html.count('badge text-bg-danger') == 1, viewer
        if viewer is not None:
            client.post_form("/logout", token_from="/")


def test_last_payment_completes_then_ratings_and_recommendation(session):
    order = make_order(session, value=600_000_000, amounts=(200_000_000, 400_000_000))
    parties = order.parties
    for milestone in order.milestones:
        accept_milestone(session, order, milestone)
    with pytest.raises(NotAllowed):
        milestones.rate_pilot(session, parties.officer, order, {}, "")
    pay(session, order, order.milestones[0])
    assert order.status is OrderStatus.ACTIVE
    pay(session, order, order.milestones[1])
    assert order.status is OrderStatus.COMPLETED and order.completed_at is not None

    kpi_ids = [k.id for k in order.kpis]
    with pytest.raises(DomainError, match="1 to 5"):
        milestones.rate_pilot(session, parties.officer, order, {kpi_ids[0]: 6}, "")
    rating = milestones.rate_pilot(session, parties.officer, order,
                                   {kpi_ids[0]: 5, kpi_ids[1]: 4}, "Vượt chỉ tiêu.")
    assert rating.side is RatingSide.AGENCY and rating.average == Decimal("4.50")
    with pytest.raises(DomainError, match="already rated"):
        milestones.rate_pilot(session, parties.officer, order,
                              {kpi_ids[0]: 5, kpi_ids[1]: 4}, "")
    with pytest.raises(NotAllowed):
        milestones.rate_agency(session, parties.officer, order, {}, "")
    solver = milestones.rate_agency(session, parties.member, order,
                                    {"fairness": 5, "clarity": 4, "payment_speed": 4}, "")
    assert solver.average == Decimal("4.33")

    with pytest.raises(DomainError) as refused:
        milestones.recommend(session, parties.officer, order, recommended=True, follow_on="")
    assert refused.value.field == "follow_on_plan"
    milestones.recommend(session, parties.officer, order, recommended=True,
                         follow_on="Mua sắm mở rộng cho 5 quận năm 2027.")
    assert order.scale_up_recommended is True


def test_ratings_through_the_pages(session, client, login):
    order = make_order(session, value=300_000_000, amounts=(300_000_000,))
    accept_milestone(session, order, order.milestones[0])
    pay(session, order, order.milestones[0])
    session.commit()
    login(order.parties.owner)
    response = client.post_form(f"/orders/{order.id}/rate",
                                {"fairness": "5", "clarity": "5", "payment_speed": "3",
                                 "comment": "Thanh toán hơi chậm."})
    assert response.status_code == 302
    html = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "4.33" in html or "4,33" in html


def test_termination_settles_what_is_owed(session):
    order = make_order(session, value=900_000_000,
                       amounts=(300_000_000, 300_000_000, 300_000_000))
    parties = order.parties
    first, second, third = order.milestones
    accept_milestone(session, order, first)
    pay(session, order, first)
    accept_milestone(session, order, second)
    milestones.deliver(session, parties.member, third, "Đang chờ.")
    with pytest.raises(DomainError):
        services.terminate(session, parties.officer, order, "")
    settlement = services.terminate(session, parties.officer, order, "Thay đổi chính sách.")
    assert settlement == {"owed": 300_000_000, "paid": 300_000_000, "cancelled": [third.id]}
    assert order.status is OrderStatus.TERMINATED
    # the accepted milestone is still owed and payable; the delivered one is cancelled
    pay(session, order, second)
    assert second.status is MilestoneStatus.PAID and order.status is OrderStatus.TERMINATED
    with pytest.raises(NotAllowed):
        milestones.accept(session, parties.officer, third)
    assert [line.cancelled for line in summarize(order).lines] == [False, False, True]
