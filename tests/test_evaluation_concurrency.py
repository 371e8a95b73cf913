"""Two award decisions at the same moment make exactly one award.

The usual fixtures run each test in one rolled-back transaction on one connection, which
cannot show a race; this test migrates its own database (a SQLite file, and a throw-away
PostgreSQL database when TEST_DATABASE_URL is set) and decides from two threads, each
with its own session and connection."""

import threading

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.errors import DomainError
from marketplace.evaluation import awards
from marketplace.evaluation.models import Award
from marketplace.extensions import db
from marketplace.submissions.models import SubmissionStatus
from tests.evaluation_factories import make_evaluation, score_everything


def test_two_simultaneous_awards_make_one(migrated_database, tmp_path):
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": migrated_database,
                      "UPLOAD_DIR": str(tmp_path / "uploads")})
    with app.app_context():
        world = make_evaluation(db.session, submissions=2)
        score_everything(db.session, world, [[[9, 9, 9], [6, 6, 6]], [[9, 9, 9], [6, 6, 6]]])
        db.session.commit()
        officer_id, challenge_id = world.officer.id, world.challenge.id
        top = world.submissions[0].id
        db.session.remove()

    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[object] = []

    def decide(amount: int) -> None:
        with app.app_context():
            session = db.session
            try:
                officer = session.get(User, officer_id)
                challenge = session.get(Challenge, challenge_id)
                assert challenge.status is ChallengeStatus.EVALUATING
                assert officer.memberships  # loaded before the race starts
                # the reads' transaction ends here: on SQLite it holds the write lock
                # (BEGIN IMMEDIATE), and the other thread must reach the barrier too
                session.commit()
                barrier.wait()
                awards.propose(session, officer, challenge,
                               [awards.Choice(top, amount)], "Quyết định")
                session.commit()
                outcomes.append("awarded")
            except (DomainError, IntegrityError, OperationalError) as error:
                session.rollback()
                outcomes.append(error)
            except BaseException as error:  # noqa: BLE001 - reported by the main thread
                session.rollback()
                outcomes.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(amount,))
               for amount in (500_000_000, 600_000_000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert outcomes.count("awarded") == 1, outcomes
    loser = next(o for o in outcomes if o != "awarded")
    expected = (DomainError,) if migrated_database.startswith("postgresql") \
        else (DomainError, IntegrityError, OperationalError)
    assert isinstance(loser, expected), repr(loser)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Award).where(
            Award.challenge_id == challenge_id)) == 1
        challenge = db.session.get(Challenge, challenge_id)
        assert challenge.status is ChallengeStatus.AWARDED
        award = db.session.scalar(select(Award).where(Award.challenge_id == challenge_id))
        winner = award.items[0].submission
        assert winner.status is SubmissionStatus.AWARDED
        db.session.remove()
        db.engine.dispose()
