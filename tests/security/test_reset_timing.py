"""Issue 15: the reset POST answers the same status, page and timing class for a known and
an unknown email — with the mail server dead too. The request does the same work for both
(one row written, one job queued: `accounts.services.request_password_reset`); the worker
looks the account up and queues the mail (`send_password_resets`), which still goes out."""

from __future__ import annotations

import re

from sqlalchemy import select

from marketplace import jobs
from marketplace.accounts.models import PasswordResetRequest
from marketplace.notifications.models import OutboxEmail
from tests.security.test_secret_timing import medians, same_class
from tests.statements import recording
from tests.test_mail_worker import smtp_port  # noqa: F401 - the fixture: a dead mail server

UNKNOWN = "nobody-here@example.vn"
_TOKEN = re.compile(r'name="csrf_token" value="[^"]+"')


def _post(app, client, token, email):
    """(status, Location, the page it leads to without its CSRF token, Work) of one POST."""
    with recording(app) as work:
        response = client.post("/password/forgot", data={"csrf_token": token, "email": email})
    page = client.get(response.headers.get("Location", "/")).get_data(as_text=True)
    return (response.status_code, response.headers.get("Location"),
            _TOKEN.sub('name="csrf_token" value=""', page), work)


def test_known_and_unknown_emails_get_the_same_answer_and_work(
        app, client, session, make_user, smtp_port):  # noqa: F811
    """Same status, redirect and page; the same SQL statements (their text, in order), no
    password hashed, no form but the request's own validated; then the worker sends the
    known address its link and the unknown one nothing."""
    user = make_user()
    token = client.csrf_token("/password/forgot")
    _post(app, client, token, UNKNOWN)  # warm: the first request of a process pays more
    known = _post(app, client, token, user.email)
    unknown = _post(app, client, token, UNKNOWN)
    assert known[:3] == unknown[:3]
    assert known[0] == 302
    assert known[3].summary() == unknown[3].summary()
    assert not known[3].passwords and not known[3].files
    assert any("password_reset_requests" in s for s in known[3].statements)
    assert not any("FROM users" in s for s in known[3].statements), "looked up in the request"

    assert session.scalars(select(OutboxEmail)).all() == []  # nothing in the request
    assert jobs.jobs(app).drain() >= 1  # the worker: the mail server refuses, kept for later
    [mail] = session.scalars(select(OutboxEmail)).all()
    assert mail.to == user.email and "/password/reset/" in mail.body
    assert mail.sent_at is None and mail.attempts == 1
    assert session.scalars(select(PasswordResetRequest)).all() == []  # no address kept


def test_known_and_unknown_emails_take_the_same_time(app, client, session, make_user,
                                                     smtp_port):  # noqa: F811
    """The median time of 30 POSTs of a known and 30 of an unknown address, interleaved,
    with a mail server that refuses: one timing class (`same_class`)."""
    user = make_user()
    token = client.csrf_token("/password/forgot")
    known, unknown = medians(
        client, ("POST", "/password/forgot", {"csrf_token": token, "email": user.email}),
        ("POST", "/password/forgot", {"csrf_token": token, "email": UNKNOWN}))
    print(f"POST /password/forgot: known {known * 1000:.2f} ms, "
          f"unknown {unknown * 1000:.2f} ms")
    assert same_class(known, unknown), (known, unknown)


def test_the_worker_builds_reset_links_on_the_public_address(app, session, make_user,
                                                            monkeypatch):
    """The worker has no request: it builds the link in a request context of its own, on
    the public address, which production's TRUSTED_HOSTS accepts. On Flask's default host
    (`localhost`) that context had no URL adapter and every reset failed in the worker —
    found by `python -m bench.operator` against gunicorn in the production configuration."""
    from flask import has_request_context

    from marketplace.accounts import services
    from marketplace.extensions import db

    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://marketplace.example.gov.vn")
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["marketplace.example.gov.vn"])
    user = make_user()
    services.request_password_reset(session, user.email)
    session.commit()
    with app.app_context():  # the worker's job: an app context, no request
        assert not has_request_context()
        assert services.send_password_resets(db.session) == 1
    [mail] = session.scalars(select(OutboxEmail).where(OutboxEmail.to == user.email)).all()
    assert "https://marketplace.example.gov.vn/password/reset/" in mail.body
