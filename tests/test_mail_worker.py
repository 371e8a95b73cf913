"""Mail never runs inside a request (issue 15): every mail is written to the outbox in the
transaction of its change and sent by the worker (`marketplace.jobs`), over Flask-Mailman's
SMTP transport. With a mail server that refuses connections, or one that accepts and never
answers — both real sockets on 127.0.0.1 — requests take the same time and the password
reset answers the same for known and unknown addresses; the mail goes out once the server
is back."""

from __future__ import annotations

import contextlib
import re
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from marketplace import jobs, mail
from marketplace.notifications.models import OutboxEmail
from marketplace.notifications.outbox import backoff

TIMEOUT = 2  # MAIL_TIMEOUT in these tests: a mail sent in the request would take this long
FAST = 1.0  # seconds: what any of these requests takes with the mail off the request


class Received:
    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def silent_server(port: int):
    """Accepts TCP connections (the kernel's backlog) and never says a word."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    try:
        yield
    finally:
        listener.close()


@contextlib.contextmanager
def real_server(port: int):
    handler = Received()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_port(app, monkeypatch):
    """The app sends over SMTP to 127.0.0.1:<port>, and its jobs wait in the queue until
    the test runs the worker (`drain`)."""
    port = _free_port()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", TIMEOUT)
    previous_backend, previous_mailman = (app.extensions["mail_backend"],
                                          app.extensions.get("mailman"))
    app.extensions["mail_backend"] = mail.SMTPBackend(app)
    queue = jobs.jobs(app)
    queue.huey.immediate = False
    try:
        yield port
    finally:
        queue.huey.flush()
        queue.huey.immediate = True
        app.extensions["mail_backend"] = previous_backend
        if previous_mailman is not None:
            app.extensions["mailman"] = previous_mailman


def _forgot(client, email: str):
    token = client.csrf_token("/password/forgot")
    started = time.perf_counter()
    response = client.post("/password/forgot", data={"csrf_token": token, "email": email})
    return response, time.perf_counter() - started


def _page_after(client, response) -> str:
    """The page the redirect leads to, without its CSRF token (signed with the second it was
    made in, so two pages made a second apart differ there and nowhere else)."""
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', page)


@pytest.mark.parametrize("server", ["refusing", "silent"])
def test_reset_answers_alike_and_fast_whatever_the_mail_server(
        app, client, session, make_user, smtp_port, server):
    user = make_user()
    context = silent_server(smtp_port) if server == "silent" else contextlib.nullcontext()
    with context:
        known, known_time = _forgot(client, user.email)
        known_page = _page_after(client, known)
        unknown, unknown_time = _forgot(client, "nobody-here@example.vn")
        unknown_page = _page_after(client, unknown)
        assert known.status_code == unknown.status_code == 302
        assert known.headers["Location"] == unknown.headers["Location"]
        assert known_page == unknown_page
        assert known_time < FAST and unknown_time < FAST, (known_time, unknown_time)

        # the worker tries, the server fails it: kept, with a later attempt
        assert jobs.jobs(app).drain() >= 1
        email = session.scalars(select(OutboxEmail).where(OutboxEmail.to == user.email)).one()
        session.refresh(email)
        assert email.sent_at is None and email.attempts == 1 and email.last_error
        assert email.next_attempt_at >= email.created_at + backoff(1) - backoff(1) / 2

    with real_server(smtp_port) as received:  # the server is back
        from marketplace.extensions import db
        from marketplace.notifications import outbox

        with app.app_context():
            report = outbox.send_due(db.session, now=email.next_attempt_at)
        assert (report.sent, report.failed) == (1, 0)
    session.refresh(email)
    assert email.sent_at is not None and email.attempts == 2
    [envelope] = received.envelopes
    assert envelope.rcpt_tos == [user.email]
    assert b"/password/reset/" in envelope.content


def test_a_silent_server_does_not_slow_any_request(app, client, session, make_user, login,
                                                  smtp_port):
    """A request that queues mail of a notification (an organization invitation) takes the
    same time with a silent server as with none: the worker alone waits for it."""
    from marketplace.accounts.models import MemberRole, OrgKind
    from tests import factories

    owner = make_user()
    org = factories.make_org(session, kind=OrgKind.AGENCY, members={owner: MemberRole.OWNER})
    login(owner)
    with silent_server(smtp_port):
        token = client.csrf_token(f"/organizations/{org.id}/members")
        started = time.perf_counter()
        response = client.post(f"/organizations/{org.id}/members", data={
            "csrf_token": token, "email": "new-member@example.vn", "role": "approver"})
        elapsed = time.perf_counter() - started
    assert response.status_code == 302 and elapsed < FAST, elapsed
    queued = session.scalars(select(OutboxEmail).where(
        OutboxEmail.to == "new-member@example.vn")).one()
    assert queued.attempts == 0  # nothing tried in the request


def test_mail_is_queued_as_a_job_not_sent_in_the_request(app, client, session, make_user,
                                                         outbox):
    queue = jobs.jobs(app)
    queue.huey.immediate = False
    try:
        user = make_user()
        response, _elapsed = _forgot(client, user.email)
        assert response.status_code == 302
        assert outbox == []  # not sent by the request
        assert queue.huey.pending_count() == 1
        assert queue.drain() == 1
        assert [m.to for m in outbox] == [user.email]
    finally:
        queue.huey.flush()
        queue.huey.immediate = True


def test_worker_drain_command(app, session, make_user, outbox):
    from marketplace.notifications import services

    queue = jobs.jobs(app)
    queue.huey.immediate = False
    try:
        services.notify(session, [make_user()], "order.signed", lambda: "x")
        session.commit()
        queue.enqueue("send_mail")
        result = app.test_cli_runner().invoke(args=["worker", "--drain"])
        assert result.exit_code == 0 and "ran 1 jobs" in result.output, result.output
        assert len(outbox) == 1
    finally:
        queue.huey.flush()
        queue.huey.immediate = True


def test_one_connection_for_a_batch(app, session, make_user, smtp_port):
    from marketplace.extensions import db
    from marketplace.notifications import outbox, services

    services.notify(session, [make_user() for _ in range(3)], "order.signed", lambda: "x")
    session.commit()
    with real_server(smtp_port) as received, app.app_context():
        opened = []
        original = mail.SMTPBackend._open

        def counting_open(self):
            opened.append(1)
            return original(self)

        mail.SMTPBackend._open = counting_open
        try:
            report = outbox.send_due(db.session)
        finally:
            mail.SMTPBackend._open = original
    assert report.sent == 3 and len(received.envelopes) == 3 and len(opened) == 1


def test_failures_are_logged_without_addresses(app, session, make_user, smtp_port, caplog):
    from marketplace.extensions import db
    from marketplace.notifications import outbox, services

    user = make_user()
    services.notify(session, [user], "order.signed", lambda: "x")
    session.commit()
    with app.app_context():
        assert outbox.send_due(db.session).failed == 1  # nobody listens on the port
    assert caplog.records and user.email not in caplog.text
