"""Two simultaneous payment attempts on one milestone make one payment, on SQLite and
on PostgreSQL. The usual fixture runs a test in one rolled-back transaction on one
connection, which cannot show a race; so this test migrates a database of its own and
runs two threads, each with its own session and connection."""

import threading

from sqlalchemy import func, select

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.orders.models import Milestone, MilestoneStatus
from marketplace.orders.terms import local_today
from marketplace.payments import services
from marketplace.payments.models import Payment
from tests.orders_factories import accept_milestone, make_order, treasury_payment


def test_two_concurrent_payments_make_one(migrated_database, tmp_path):
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": migrated_database,
                      "UPLOAD_DIR": str(tmp_path / "uploads")})
    with app.app_context():
        order = make_order(db.session)
        milestone = order.milestones[0]
        accept_milestone(db.session, order, milestone)
        db.session.commit()
        officer_id, milestone_id = order.parties.officer.id, milestone.id

    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        with app.app_context():
            try:
                user = db.session.get(User, officer_id)
                target = db.session.get(Milestone, milestone_id)
                assert target.status is MilestoneStatus.ACCEPTED and user.memberships
                assert target.order.agency is not None
                # the reads' transaction ends here: on SQLite it holds the write lock
                # (BEGIN IMMEDIATE), and the other thread must reach the barrier too
                db.session.commit()
                barrier.wait()  # both have seen the milestone accepted
                services.record_offline(db.session, user, target,
                                        treasury=treasury_payment(target, f"KB-{n}"),
                                        paid_on=local_today())
                db.session.commit()
                outcomes.append("paid")
            except DomainError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with app.app_context():
        try:
            assert sorted(outcomes) == ["paid", "refused"]
            assert db.session.scalar(select(func.count()).select_from(Payment).where(
                Payment.milestone_id == milestone_id)) == 1
            assert db.session.get(Milestone, milestone_id).status is MilestoneStatus.PAID
        finally:
            db.session.remove()
            db.engine.dispose()
