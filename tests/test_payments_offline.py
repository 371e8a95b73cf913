"""The offline gateway and money integrity: only accepted milestones are paid, each
payment tied to one milestone and stored once, the total never above the value."""

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from marketplace.errors import DomainError, NotAllowed
from marketplace.orders.models import MilestoneStatus
from marketplace.orders.terms import local_today
from marketplace.payments import services
from marketplace.payments.gateway import OfflineGateway, StripeGateway, get_gateway
from marketplace.payments.models import Payment, PaymentMethod, PaymentStatus
from tests.orders_factories import accept_milestone, make_order, treasury_payment


@pytest.fixture(autouse=True)
def in_english(session):
    """Messages are matched in English here (the site's default language is Vietnamese)."""
    with force_locale("en"):
        yield


def test_gateway_chosen_by_configuration():
    assert isinstance(get_gateway({}), OfflineGateway)
    assert isinstance(get_gateway({"STRIPE_SECRET_KEY": "sk_test_x"}), StripeGateway)


def test_offline_transfer_through_the_page(session, client, login):
    order = make_order(session)
    milestone = order.milestones[0]
    accept_milestone(session, order, milestone)
    session.commit()
    login(order.parties.officer)
    url = f"/orders/{order.id}/milestones/{milestone.id}/pay"
    data = {"treasury": "Kho bạc Nhà nước Đà Nẵng", "budget_unit_code": "1012345",
            "order_number": "KBNN-2026-000123", "order_date": local_today().isoformat(),
            "amount": f"{milestone.amount:,}".replace(",", "."),
            "paid_on": local_today().isoformat()}
    assert client.post_form(url, data).status_code == 302
    session.expire_all()
    payment = session.scalar(select(Payment).where(Payment.milestone_id == milestone.id))
    assert (payment.method, payment.status) == (PaymentMethod.OFFLINE, PaymentStatus.SUCCEEDED)
    assert payment.amount == milestone.amount and payment.reference == "KBNN-2026-000123"
    assert milestone.status is MilestoneStatus.PAID
    # a double click: the second submission is refused, one payment stored
    assert client.post_form(url, data, token_from=f"/orders/{order.id}").status_code == 403
    assert session.scalar(select(func.count()).select_from(Payment)) >= 1
    assert session.scalar(select(func.count()).select_from(Payment).where(
        Payment.milestone_id == milestone.id)) == 1


@pytest.mark.parametrize("status", [MilestoneStatus.PLANNED, MilestoneStatus.DELIVERED])
def test_only_accepted_milestones_are_paid(session, status):
    order = make_order(session)
    milestone = order.milestones[0]
    if status is MilestoneStatus.DELIVERED:
        from marketplace.orders import milestones

        milestones.deliver(session, order.parties.member, milestone, "x")
    with pytest.raises(DomainError, match="accepted"):
        services.record_offline(session, order.parties.officer, milestone,
                                treasury=treasury_payment(milestone, "R"),
                                paid_on=local_today())
    assert session.scalar(select(func.count()).select_from(Payment)
                          .where(Payment.milestone_id == milestone.id)) == 0


def test_recorded_twice_is_stored_once(session):
    order = make_order(session)
    milestone = order.milestones[0]
    accept_milestone(session, order, milestone)
    services.record_offline(session, order.parties.officer, milestone,
                            treasury=treasury_payment(milestone, "A"),
                            paid_on=local_today())
    milestone.status = MilestoneStatus.ACCEPTED  # even if a stale page thought so
    with pytest.raises(DomainError, match="already paid"):
        services.record_offline(session, order.parties.officer, milestone,
                                treasury=treasury_payment(milestone, "B"),
                                paid_on=local_today())
    assert session.scalar(select(func.count()).select_from(Payment)
                          .where(Payment.milestone_id == milestone.id)) == 1


def test_total_paid_never_exceeds_value(session):
    order = make_order(session)
    milestone = order.milestones[0]
    accept_milestone(session, order, milestone)
    other = make_order(session)
    session.add(Payment(milestone_id=other.milestones[0].id, order_id=order.id,
                        amount=order.value, method=PaymentMethod.OFFLINE,
                        status=PaymentStatus.SUCCEEDED, idempotency_key="seeded",
                        created_by_id=order.parties.officer.id,
                        succeeded_at=milestone.accepted_at))
    session.flush()
    with pytest.raises(DomainError, match="exceed"):
        services.record_offline(session, order.parties.officer, milestone,
                                treasury=treasury_payment(milestone, "A"),
                                paid_on=local_today())


def test_transfer_details_required(session):
    order = make_order(session)
    milestone = order.milestones[0]
    accept_milestone(session, order, milestone)
    officer = order.parties.officer
    with pytest.raises(DomainError) as refused:
        services.record_offline(session, officer, milestone,
                                treasury=treasury_payment(milestone, order_number=" "),
                                paid_on=local_today())
    assert refused.value.field == "order_number"
    with pytest.raises(DomainError) as refused:
        services.record_offline(session, officer, milestone,
                                treasury=treasury_payment(milestone, "A"),
                                paid_on=local_today() + timedelta(days=1))
    assert refused.value.field == "paid_on"
    with pytest.raises(NotAllowed):
        services.record_offline(session, order.parties.owner, milestone,
                                treasury=treasury_payment(milestone, "A"),
                                paid_on=local_today())
