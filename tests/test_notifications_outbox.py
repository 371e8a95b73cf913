"""Email goes through the outbox: written in the event's transaction, sent after the
commit, retried with backoff when SMTP fails, never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts.models import MemberRole
from marketplace.notifications import outbox, services
from marketplace.notifications.models import Notification, OutboxEmail
from marketplace.notifications.routes import send_outbox_after_commit
from marketplace.types import utcnow


class FailingThenWorking:
    """An SMTP server that is down for the first `failures` sends."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent = []

    def send(self, mail, sender) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionRefusedError("SMTP server unreachable")
        self.sent.append(mail)


@pytest.fixture
def smtp(app):
    previous = app.extensions["mail_backend"]
    backend = FailingThenWorking(failures=2)
    app.extensions["mail_backend"] = backend
    yield backend
    app.extensions["mail_backend"] = previous


def emails(session) -> list[OutboxEmail]:
    return list(session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_notify_writes_in_app_and_outbox_in_the_same_transaction(session, make_user, outbox):
    user = make_user(locale="en")
    created = services.notify(session, [user], "milestone.paid",
                              lambda: "Milestone 1 was paid.", link="/orders/1")
    assert [n.message for n in created] == ["Milestone 1 was paid."]
    [email] = emails(session)
    assert email.to == user.email and email.sent_at is None
    assert "A milestone is paid" in email.subject
    assert "http" in email.body or "/orders/1" in email.body
    assert outbox == []  # nothing sent before the commit
    session.rollback()
    assert emails(session) == []  # rolled back with the change: nothing to send


def test_outbox_retries_after_smtp_failures_then_sends(session, make_user, smtp):
    user = make_user()
    services.notify(session, [user], "order.signed", lambda: "Đơn hàng đã ký.")
    session.commit()
    now = utcnow()
    report = outbox.send_due(session, now=now)
    assert (report.sent, report.failed) == (0, 1)
    [email] = emails(session)
    assert email.attempts == 1 and email.sent_at is None
    assert "SMTP server unreachable" in email.last_error
    assert email.next_attempt_at > now
    # not due yet: nothing is tried
    assert outbox.send_due(session, now=now + timedelta(seconds=30)).failed == 0
    second = email.next_attempt_at
    assert outbox.send_due(session, now=second).failed == 1
    session.refresh(email)
    assert email.attempts == 2 and email.next_attempt_at - second >= timedelta(minutes=2)
    report = outbox.send_due(session, now=email.next_attempt_at)
    assert report.sent == 1
    session.refresh(email)
    assert email.sent_at is not None and email.attempts == 3 and email.last_error == ""
    assert [m.to for m in smtp.sent] == [user.email]
    assert outbox.send_due(session, now=utcnow() + timedelta(days=1)).sent == 0  # sent once


def test_outbox_gives_up_after_too_many_attempts(session, make_user, smtp):
    smtp.failures = 100
    services.notify(session, [make_user()], "order.signed", lambda: "x")
    session.commit()
    when = utcnow()
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.send_due(session, now=when)
        [email] = emails(session)
        when = email.next_attempt_at or when
    assert email.attempts == outbox.MAX_ATTEMPTS and email.next_attempt_at is None
    assert email.sent_at is None and email.last_error  # kept, visible, not retried


def test_after_request_hook_sends_what_the_request_committed(app, make_user, outbox):
    from marketplace.extensions import db

    with app.test_request_context("/"):
        user = make_user()
        services.notify(db.session, [user], "order.signed", lambda: "Đã ký.")
        db.session.commit()
        send_outbox_after_commit(app.response_class("ok"))
    assert [m.to for m in outbox] == [user.email]


def test_after_request_hook_never_raises(app, make_user):
    from marketplace.extensions import db

    class Broken:
        def send(self, mail, sender):
            raise RuntimeError("boom")

    previous = app.extensions["mail_backend"]
    app.extensions["mail_backend"] = Broken()
    try:
        with app.test_request_context("/"):
            services.notify(db.session, [make_user()], "order.signed", lambda: "x")
            db.session.commit()
            response = send_outbox_after_commit(app.response_class("ok"))
            assert response.status_code == 200
            assert db.session.scalar(select(OutboxEmail.attempts)) == 1
    finally:
        app.extensions["mail_backend"] = previous


def test_mail_send_command(app, session, make_user, outbox):
    services.notify(session, [make_user(), make_user()], "order.signed", lambda: "x")
    session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "sent 2" in result.output
    assert len(outbox) == 2


def test_preferences_are_honoured(session, make_user):
    both, app_only, email_only, none = (make_user() for _ in range(4))
    services.set_preferences(session, app_only, {"order.signed": (True, False)})
    services.set_preferences(session, email_only, {"order.signed": (False, True)})
    services.set_preferences(session, none, {"order.signed": (False, False)})
    services.notify(session, [both, app_only, email_only, none], "order.signed", lambda: "x")
    noted = set(session.scalars(select(Notification.user_id)))
    mailed = {e.to for e in emails(session)}
    assert noted == {both.id, app_only.id}
    assert mailed == {both.email, email_only.email}
    # another kind is unaffected
    services.notify(session, [none], "milestone.paid", lambda: "y")
    assert none.id in set(session.scalars(select(Notification.user_id)))


def test_notify_stays_backwards_compatible(session, make_user, make_org):
    user, inactive = make_user(), make_user(active=False)
    make_org(members={user: MemberRole.OWNER})
    created = services.notify(session, [user, user, inactive, None], "challenge.amended",
                              lambda: "Đã sửa.", link="/challenges/1", data={"a": 1})
    assert len(created) == 1 and created[0].id is not None and created[0].data == {"a": 1}
    assert services.notify(session, [user], "x.kind", lambda: "z", email=False)
    assert len(emails(session)) == 1
