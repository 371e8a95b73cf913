"""The public page of a pilot order: public once signed, never the confidential terms,
deliveries or files, and a fixed number of SQL queries whatever the order's size."""

import pytest
from sqlalchemy import event, select

from marketplace.files.models import Attachment
from marketplace.orders.models import MilestoneDelivery, OrderStatus
from marketplace.orders.terms import local_today
from marketplace.payments import services as payments
from tests.orders_factories import accept_milestone, make_order, treasury_payment

SECRET_TERMS = "không rời khỏi"


@pytest.mark.parametrize("status, public", [
    (OrderStatus.DRAFT, False), (OrderStatus.OFFERED, False), (OrderStatus.SIGNED, True),
    (OrderStatus.ACTIVE, True)])
def test_public_once_signed(session, client, status, public):
    order = make_order(session, status=status)
    session.commit()
    assert client.get(f"/orders/{order.id}").status_code == (200 if public else 404)


def test_draft_visible_to_agency_only_offer_to_solver(session, client, login):
    order = make_order(session, status=OrderStatus.DRAFT)
    session.commit()
    login(order.parties.owner)
    assert client.get(f"/orders/{order.id}").status_code == 404


def test_public_page_hides_confidential(session, client, login):
    order = make_order(session)
    milestone = order.milestones[0]
    accept_milestone(session, order, milestone)
    payments.record_offline(session, order.parties.officer, milestone,
                            treasury=treasury_payment(milestone, "KBNN-77"),
                            paid_on=local_today())
    session.commit()
    attachment = session.scalar(select(Attachment).join(
        MilestoneDelivery, MilestoneDelivery.id == Attachment.delivery_id).where(
        MilestoneDelivery.milestone_id == milestone.id))
    html = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert order.contract_number in html and milestone.deliverable in html
    assert "1.200.000.000" in html or "1,200,000,000" in html
    for secret in (SECRET_TERMS, "bien-ban.pdf", f"/files/{attachment.id}", "Đã bàn giao.",
                   "KBNN-77", order.signed_terms_sha256):
        assert secret not in html, secret
    assert client.get(f"/files/{attachment.id}").status_code == 404
    login(order.parties.outsider)
    assert SECRET_TERMS not in client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert client.get(f"/files/{attachment.id}").status_code == 404
    client.post_form("/logout", token_from="/")
    login(order.parties.member)
    party_html = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert SECRET_TERMS in party_html and "bien-ban.pdf" in party_html
    assert client.get(f"/files/{attachment.id}").status_code == 200


def _count_queries(client, connection, url) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(connection, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(connection, "before_cursor_execute", count)
    return len(statements)


def test_public_page_query_count_is_fixed(session, client, connection):
    small = make_order(session, value=300_000_000, amounts=(300_000_000,))
    large = make_order(session, value=1_200_000_000, amounts=(200_000_000,) * 6)
    for milestone in large.milestones[:3]:
        accept_milestone(session, large, milestone)
    session.commit()
    few = _count_queries(client, connection, f"/orders/{small.id}")
    many = _count_queries(client, connection, f"/orders/{large.id}")
    assert few == many <= 8, (few, many)
