"""Closing by the clock: the command, and the first request that finds an expired
challenge. Either way an audited event by the system, and sealed submissions open."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from marketplace.audit.models import AuditEvent
from marketplace.challenges import services
from marketplace.challenges.cli import close_expired as close_expired_command
from marketplace.challenges.models import ChallengeStatus
from marketplace.extensions import db
from marketplace.submissions.models import SubmissionStatus
from marketplace.types import utcnow
from tests import factories

S = ChallengeStatus


def _expired(session, **overrides):
    now = utcnow()
    return factories.make_challenge(session, clarification_deadline=now - timedelta(days=3),
                                    submission_deadline=now - timedelta(seconds=1), **overrides)


def _events(session, action, object_id):
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_id == object_id)))


def test_close_if_expired_closes_and_opens_submitted_solutions(session):
    challenge = _expired(session)
    submitted = factories.make_submission(session, challenge=challenge)
    draft = factories.make_submission(session, challenge=challenge,
                                      status=SubmissionStatus.DRAFT)
    withdrawn = factories.make_submission(session, challenge=challenge,
                                          status=SubmissionStatus.WITHDRAWN)
    assert services.close_if_expired(session, challenge) is True
    assert challenge.status is S.CLOSED and challenge.closed_at is not None
    assert submitted.status is SubmissionStatus.OPENED and submitted.opened_at is not None
    assert draft.status is SubmissionStatus.DRAFT
    assert withdrawn.status is SubmissionStatus.WITHDRAWN
    [closed] = _events(session, "challenge.closed", challenge.id)
    assert closed.actor_id is None and closed.public
    [opened] = _events(session, "submission.opened", submitted.id)
    assert opened.actor_id is None and not opened.public
    assert services.close_if_expired(session, challenge) is False  # once only


@pytest.mark.parametrize("overrides", [
    {"submission_deadline_days": 1},
    {"status": S.DRAFT, "submission_deadline_days": -1},
    {"status": S.CANCELLED, "submission_deadline_days": -1, "cancel_reason": "x"},
])
def test_close_if_expired_leaves_the_others(session, overrides):
    days = overrides.pop("submission_deadline_days")
    now = utcnow()
    challenge = factories.make_challenge(session, clarification_deadline=now - timedelta(days=9),
                                         submission_deadline=now + timedelta(days=days),
                                         **overrides)
    before = challenge.status
    assert services.close_if_expired(session, challenge) is False
    assert challenge.status is before


def test_close_expired_closes_every_expired_one(session):
    expired = [_expired(session) for _ in range(3)]
    still_open = factories.make_challenge(session)
    submission = factories.make_submission(session, challenge=expired[0])
    assert services.close_expired(session) == 3
    assert all(c.status is S.CLOSED for c in expired)
    assert still_open.status is S.PUBLISHED
    assert submission.status is SubmissionStatus.OPENED
    assert services.close_expired(session) == 0


def test_cli_close_expired(app, session):
    challenge = _expired(session)
    submission = factories.make_submission(session, challenge=challenge)
    result = app.test_cli_runner().invoke(close_expired_command)
    assert result.exit_code == 0, result.output
    assert "1 challenge(s) closed" in result.output
    session.expire_all()
    assert challenge.status is S.CLOSED
    assert submission.status is SubmissionStatus.OPENED
    [closed] = _events(session, "challenge.closed", challenge.id)
    assert closed.actor_id is None


def test_the_command_is_registered(app):
    result = app.test_cli_runner().invoke(args=["challenges", "close-expired"])
    assert result.exit_code == 0, result.output
    assert "challenge(s) closed" in result.output


@pytest.mark.parametrize("page", ["list", "detail"])
def test_a_request_that_finds_an_expired_challenge_closes_it_first(client, session, page):
    challenge = _expired(session)
    submission = factories.make_submission(session, challenge=challenge)
    path = "/challenges/" if page == "list" else f"/challenges/{challenge.id}"
    response = client.get(path)
    assert response.status_code == 200
    session.expire_all()
    assert challenge.status is S.CLOSED
    assert submission.status is SubmissionStatus.OPENED
    [closed] = _events(session, "challenge.closed", challenge.id)
    assert closed.actor_id is None
    html = response.get_data(as_text=True)
    assert "Đã đóng" in html or "closed" in html


def test_a_list_request_closes_a_few_of_a_backlog_and_the_command_the_rest(app, client,
                                                                         session):
    """Issue 21: a GET of the list closes at most `CLOSE_PER_REQUEST` expired challenges
    (lowest ids first): a backlog never holds the write lock for one request's whole
    time (100 at once took 16-25 s, and other writers' logins answered 500)."""
    from marketplace.challenges.routes import CLOSE_PER_REQUEST

    backlog = [_expired(session) for _ in range(CLOSE_PER_REQUEST + 2)]

    def still_open():
        session.expire_all()
        return [c.id for c in backlog if c.status is S.PUBLISHED]

    assert client.get("/challenges/").status_code == 200
    assert still_open() == [c.id for c in backlog[CLOSE_PER_REQUEST:]]
    assert client.get("/challenges/?status=closed").status_code == 200
    assert still_open() == []
    assert services.close_expired(session) == 0
    late = [_expired(session) for _ in range(CLOSE_PER_REQUEST + 1)]
    assert services.close_expired(session) == len(late)  # the clock: no limit


def test_nothing_expired_means_no_write(app, client, session):
    factories.make_challenge(session)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/challenges/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE",
                                                                       "DELETE"))]
    assert statements and writes == []
