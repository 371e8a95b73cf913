"""Days to pay count from the milestone's acceptance to the transfer date the agency
recorded (`paid_on`), not to the moment the payment was typed in — on the public order
page and on the dashboard."""

from datetime import timedelta

from sqlalchemy import select

from marketplace.dashboard import services
from marketplace.dashboard.queries import Filters
from marketplace.orders.models import MilestoneStatus
from marketplace.orders.queries import summarize
from marketplace.orders.terms import LOCAL_ZONE
from marketplace.payments.models import Payment
from tests import transparency_factories as tf


def _process_paid_late_in_the_records(session):
    challenge, _award, order = tf.make_process(session)
    milestone = next(m for m in order.milestones if m.status is MilestoneStatus.PAID)
    payment = session.scalar(select(Payment).where(Payment.milestone_id == milestone.id))
    # the transfer was made 9 days after acceptance; it was typed in 30 days after
    accepted_on = milestone.accepted_at.astimezone(LOCAL_ZONE).date()
    payment.paid_on = accepted_on + timedelta(days=9)
    milestone.paid_at = payment.succeeded_at = milestone.accepted_at + timedelta(days=30)
    session.flush()
    return challenge, order, milestone


def test_the_order_page_counts_to_the_transfer_date(app, session):
    _challenge, order, milestone = _process_paid_late_in_the_records(session)
    lines = {line.milestone.id: line for line in summarize(order).lines}
    assert lines[milestone.id].days_to_payment == 9


def test_the_dashboard_counts_to_the_transfer_date(app, session):
    challenge, _order, _milestone = _process_paid_late_in_the_records(session)
    with app.test_request_context():
        board = services.build(session, Filters(agency_id=challenge.agency_id))
    assert board["days_to_payment"] == 9
