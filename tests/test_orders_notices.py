"""Each step of a pilot order tells the other party, in their own language."""

from sqlalchemy import select

from marketplace.notifications.models import Notification
from marketplace.orders import milestones
from marketplace.orders.models import OrderStatus
from marketplace.orders.terms import local_today
from marketplace.payments import services as payments
from tests.orders_factories import make_order, treasury_payment


def kinds_for(session, user) -> list[str]:
    return list(session.scalars(select(Notification.kind).where(
        Notification.user_id == user.id).order_by(Notification.id)))


def test_offer_signature_and_countersignature_reach_the_other_side(session):
    order = make_order(session, status=OrderStatus.ACTIVE)
    parties = order.parties
    solver_kinds = kinds_for(session, parties.owner)
    assert solver_kinds.count("order.offered") == 1
    assert solver_kinds.count("order.signed") == 1  # the countersignature: now active
    assert kinds_for(session, parties.member) == solver_kinds  # every solver member
    assert kinds_for(session, parties.approver).count("order.signed") == 1
    assert "order.offered" not in kinds_for(session, parties.approver)
    assert kinds_for(session, parties.outsider) == []
    note = session.scalar(select(Notification).where(
        Notification.user_id == parties.owner.id, Notification.kind == "order.offered"))
    assert order.contract_number in note.message and note.link == f"/orders/{order.id}"
    assert "Vui lòng" in note.message  # written in the recipient's language (Vietnamese)


def test_milestone_steps_reach_the_other_side(session):
    order = make_order(session)
    parties, first, second = order.parties, order.milestones[0], order.milestones[1]
    milestones.deliver(session, parties.member, first, "Đã bàn giao.")
    assert "milestone.delivered" in kinds_for(session, parties.officer)
    assert "milestone.delivered" not in kinds_for(session, parties.owner)
    milestones.reject(session, parties.officer, first, "Thiếu số liệu đo.")
    rejected = session.scalar(select(Notification).where(
        Notification.user_id == parties.owner.id, Notification.kind == "milestone.rejected"))
    assert "Thiếu số liệu đo." in rejected.message
    milestones.deliver(session, parties.member, first, "Bản đầy đủ.")
    milestones.accept(session, parties.officer, first)
    assert "milestone.accepted" in kinds_for(session, parties.owner)
    payments.record_offline(session, parties.officer, first,
                            treasury=treasury_payment(first, "KBNN-1"),
                            paid_on=local_today())
    assert "milestone.paid" in kinds_for(session, parties.owner)
    assert "milestone.paid" not in kinds_for(session, parties.officer)
    assert second.status.value == "planned"
