"""The standstill's end under concurrency: a complaint filed at the standstill's last
moment and an order offered (or signed) at its first moment after cannot both succeed.

Like tests/test_evaluation_concurrency.py, this test migrates its own database (a SQLite
file, and a throw-away PostgreSQL database when TEST_DATABASE_URL is set) and races two
threads, each with its own session and connection, aimed at the moment the standstill
ends."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.challenges.models import Challenge
from marketplace.complaints import services as complaints
from marketplace.complaints.models import Complaint
from marketplace.errors import DomainError
from marketplace.evaluation.models import Award
from marketplace.extensions import db
from marketplace.orders import services as orders
from marketplace.orders.models import OrderStatus, PilotOrder
from marketplace.orders.terms import terms_sha256
from marketplace.types import utcnow
from tests.complaints_factories import draft_order, make_awarded


@pytest.mark.parametrize("action", ["offer", "sign"])
def test_a_complaint_and_an_order_at_the_end_of_the_standstill(migrated_database, tmp_path, action):
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": migrated_database,
                      "UPLOAD_DIR": str(tmp_path / "uploads")})
    with app.app_context():
        world = make_awarded(db.session)
        order = draft_order(db.session, world)
        if action == "sign":  # offered before the standstill existed, say
            order.status = OrderStatus.OFFERED
        end = utcnow() + timedelta(seconds=1.5)
        world.award.standstill_ends_at = end
        db.session.commit()
        ids = {"officer": world.officer.id, "loser": world.loser_user.id,
               "winner": world.winner_user.id, "challenge": world.challenge.id,
               "order": order.id, "award": world.award.id}
        db.session.remove()

    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def run(name, work):
        with app.app_context():
            session = db.session
            try:
                loaded = work(session, prepare=True)
                session.commit()  # end the reading transaction (on SQLite: the write lock)
                barrier.wait()
                time.sleep(max((end - utcnow()).total_seconds(), 0))  # at the very moment
                work(session, loaded=loaded)
                session.commit()
                outcomes[name] = "done"
            except (DomainError, IntegrityError, OperationalError) as error:
                session.rollback()
                outcomes[name] = error
            except BaseException as error:  # noqa: BLE001 - reported by the main thread
                session.rollback()
                outcomes[name] = error
            finally:
                db.session.remove()

    def complain(session, prepare=False, loaded=None):
        if prepare:
            user, challenge = session.get(User, ids["loser"]), session.get(Challenge,
                                                                           ids["challenge"])
            assert user.memberships and challenge.agency
            return user, challenge
        user, challenge = loaded
        complaints.file(session, user, challenge, contested="award",
                        grounds="Kiến nghị vào giây cuối.")

    def act(session, prepare=False, loaded=None):
        if prepare:
            order = session.get(PilotOrder, ids["order"])
            user = session.get(User, ids["officer" if action == "offer" else "winner"])
            assert user.memberships and order.award_item.award
            return user, order
        user, order = loaded
        if action == "offer":
            orders.offer(session, user, order)
        else:
            orders.sign(session, user, order, full_name=user.full_name, confirmed=True,
                        shown_sha256=terms_sha256(order))

    threads = [threading.Thread(target=run, args=("complaint", complain)),
               threading.Thread(target=run, args=("order", act))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert set(outcomes) == {"complaint", "order"}, outcomes
    for outcome in outcomes.values():
        assert outcome == "done" or isinstance(outcome, DomainError | IntegrityError
                                               | OperationalError), repr(outcome)
    assert not (outcomes["complaint"] == "done" and outcomes["order"] == "done"), outcomes
    with app.app_context():
        filed = db.session.scalar(select(func.count()).select_from(Complaint))
        order = db.session.get(PilotOrder, ids["order"])
        moved = order.status is not (OrderStatus.DRAFT if action == "offer"
                                     else OrderStatus.OFFERED)
        assert not (filed and moved), (filed, order.status)
        assert db.session.get(Award, ids["award"]).standstill_ends_at is not None
        db.session.remove()
        db.engine.dispose()
