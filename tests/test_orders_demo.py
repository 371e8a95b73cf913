"""The orders demo: an active order part-paid, a completed one rated and recommended;
a second load changes nothing."""

from sqlalchemy import func, select

from marketplace.demo import accounts, orders
from marketplace.orders.models import MilestoneStatus, OrderStatus, PilotOrder
from marketplace.orders.queries import summarize


def test_demo_orders(session, client):
    accounts.load(session)
    assert "orders: 2 awarded" in orders.load(session)
    active, done = session.scalars(select(PilotOrder).order_by(PilotOrder.id)).all()
    assert active.status is OrderStatus.ACTIVE and done.status is OrderStatus.COMPLETED
    assert [m.status for m in active.milestones][:3] == [
        MilestoneStatus.PAID, MilestoneStatus.ACCEPTED, MilestoneStatus.PLANNED]
    assert summarize(active).overdue_count == 1
    assert len(done.ratings) == 2 and done.scale_up_recommended
    assert orders.load(session) == "orders: already loaded"
    assert session.scalar(select(func.count()).select_from(PilotOrder)) == 2
    session.commit()
    assert client.get(f"/orders/{active.id}").status_code == 200
    assert client.get(f"/orders/{done.id}").status_code == 200
