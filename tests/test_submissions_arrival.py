"""The deadline is judged at the time the request arrived, not when it got the lock.

Writes to one challenge are serialised (its row lock; on SQLite the database's write
lock), so a bid sent just before the deadline may obtain the lock just after it. It is
accepted; one sent after the deadline is refused. The file of an upload is checked and
written before the lock is taken, so the lock is held briefly."""

import io
import time
from datetime import timedelta

import pytest

from marketplace.files import storage as storage_module
from marketplace.submissions import services
from marketplace.submissions.models import SubmissionStatus
from marketplace.types import utcnow
from tests.submissions_factories import PDF, make_challenge_due, make_draft, make_solver


def _late_lock(monkeypatch, until):
    """Every change to a challenge obtains its lock only after `until`."""
    original = services._lock

    def waits_for_the_lock(*args, **kwargs):
        time.sleep(max(0.0, (until - utcnow()).total_seconds()))
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "_lock", waits_for_the_lock)


def _move_deadline(session, challenge, deadline) -> None:
    challenge.clarification_deadline = deadline - timedelta(minutes=1)
    challenge.submission_deadline = deadline
    session.flush()


def _draft(session, login, deadline):
    challenge = make_challenge_due(session, deadline)
    user, org = make_solver(session)
    draft = make_draft(session, challenge, org)
    login(user)
    return challenge, draft


def test_a_bid_sent_before_the_deadline_that_gets_the_lock_after_it_is_accepted(
        client, session, login, monkeypatch):
    challenge, draft = _draft(session, login, utcnow() + timedelta(days=1))
    path = f"/submissions/{draft.id}"
    token = client.csrf_token(path)
    deadline = utcnow() + timedelta(seconds=1)  # the request starts 1 s before it
    _move_deadline(session, challenge, deadline)
    _late_lock(monkeypatch, deadline + timedelta(seconds=0.3))

    response = client.post(f"{path}/submit", data={"csrf_token": token})
    assert response.status_code == 302
    assert utcnow() > deadline  # the lock was obtained after the deadline
    session.expire_all()
    assert draft.status is SubmissionStatus.SUBMITTED
    assert draft.submitted_at < deadline  # received before it, and recorded so
    assert draft.receipt_digest


def test_a_bid_sent_after_the_deadline_is_refused(client, session, login, monkeypatch):
    challenge, draft = _draft(session, login, utcnow() + timedelta(days=1))
    path = f"/submissions/{draft.id}"
    token = client.csrf_token(path)
    _move_deadline(session, challenge, utcnow() - timedelta(seconds=1))

    response = client.post(f"{path}/submit", data={"csrf_token": token},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "deadline" in response.get_data(as_text=True) or \
        "hạn" in response.get_data(as_text=True)
    session.expire_all()
    assert draft.status is SubmissionStatus.DRAFT


def test_an_upload_is_written_before_the_lock_is_taken(client, session, login, monkeypatch):
    _challenge, draft = _draft(session, login, utcnow() + timedelta(days=1))
    order = []
    original_lock = services._lock
    original_save = storage_module.LocalStorage.save

    def lock(*args, **kwargs):
        order.append("lock")
        return original_lock(*args, **kwargs)

    def save(self, data):
        order.append("file written")
        return original_save(self, data)

    monkeypatch.setattr(services, "_lock", lock)
    monkeypatch.setattr(storage_module.LocalStorage, "save", save)
    path = f"/submissions/{draft.id}"
    response = client.post(f"{path}/attachments", content_type="multipart/form-data",
                           data={"attachments": [(io.BytesIO(PDF), "de-xuat.pdf")],
                                 "csrf_token": client.csrf_token(path)})
    assert response.status_code == 302
    assert order == ["file written", "lock"]
    assert len(services.attachments_of(session, draft)) == 1


def _closed_by_the_clock_while_waiting(monkeypatch, until):
    """The lock comes after `until`, and meanwhile the clock closes the challenge (in the
    transaction the waiting request then joins, as a real close before its lock)."""
    from marketplace.challenges import services as challenges
    from marketplace.extensions import db

    original = services._lock

    def waits_while_the_clock_closes(session, submission, challenge_id, *args, **kwargs):
        time.sleep(max(0.0, (until - utcnow()).total_seconds()))
        assert challenges.close_expired(db.session) == 1
        return original(session, submission, challenge_id, *args, **kwargs)

    monkeypatch.setattr(services, "_lock", waits_while_the_clock_closes)


def test_a_bid_on_time_that_waited_while_the_clock_closed_is_opened_with_the_others(
        client, session, login, monkeypatch):
    """Issue 15: the close and the late-locked bid agree — accepted, opened at once, and in
    the opening record (recorded again, public)."""
    from sqlalchemy import select

    from marketplace.audit.models import AuditEvent
    from marketplace.challenges.models import ChallengeStatus
    from marketplace.submissions import opening

    challenge, draft = _draft(session, login, utcnow() + timedelta(days=1))
    path = f"/submissions/{draft.id}"
    token = client.csrf_token(path)
    deadline = utcnow() + timedelta(seconds=1)  # the request starts 1 s before it
    _move_deadline(session, challenge, deadline)
    _closed_by_the_clock_while_waiting(monkeypatch, deadline + timedelta(seconds=0.2))

    response = client.post(f"{path}/submit", data={"csrf_token": token})
    assert response.status_code == 302
    session.expire_all()
    assert challenge.status is ChallengeStatus.CLOSED
    assert draft.status is SubmissionStatus.OPENED and draft.submitted_at < deadline
    record = opening.opening_record(session, challenge)
    assert [e["receipt_digest"] for e in record["entries"]] == [draft.receipt_digest]
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.action == opening.EVENT, AuditEvent.object_id == challenge.id)
        .order_by(AuditEvent.id)).all()
    assert [e.after["count"] for e in events] == [0, 1] and all(e.public for e in events)


def test_a_bid_sent_after_the_deadline_stays_refused_after_the_close(client, session, login):
    from marketplace.challenges import services as challenges

    challenge, draft = _draft(session, login, utcnow() + timedelta(days=1))
    path = f"/submissions/{draft.id}"
    token = client.csrf_token(path)
    _move_deadline(session, challenge, utcnow() - timedelta(seconds=1))
    challenges.close_expired(session)
    session.commit()
    client.post(f"{path}/submit", data={"csrf_token": token})
    session.expire_all()
    assert draft.status is SubmissionStatus.DRAFT


def test_the_receipt_pdf_is_rendered_after_the_bid_not_inside_it(
        client, session, login, monkeypatch):
    """Rendering the receipt's PDF (0.3–1.5 s) held the challenge's lock in every submit:
    in a deadline rush the bids queued behind it until past the deadline. The submit
    records the digest only; the worker's job issues the PDF afterwards, with the bytes
    a download before it already had."""
    from sqlalchemy import func, select

    from marketplace import jobs
    from marketplace.documents import layout
    from marketplace.documents.models import DocumentKind, IssuedDocument

    challenge, draft = _draft(session, login, utcnow() + timedelta(days=1))
    path = f"/submissions/{draft.id}"
    token = client.csrf_token(path)
    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda name, *args: queued.append(name))
    renders = []
    original_render = layout.render

    def counting_render(doc):
        renders.append(doc)
        return original_render(doc)

    monkeypatch.setattr(layout, "render", counting_render)
    monkeypatch.setattr("marketplace.documents.services.render", counting_render)

    assert client.post(f"{path}/submit", data={"csrf_token": token}).status_code == 302
    session.expire_all()
    assert draft.status is SubmissionStatus.SUBMITTED
    assert renders == [] and "issue_receipts" in queued
    receipts = select(func.count()).select_from(IssuedDocument).where(
        IssuedDocument.kind == DocumentKind.RECEIPT, IssuedDocument.subject_id == draft.id)
    assert session.scalar(receipts) == 0

    before = client.get(f"{path}/receipt.pdf")  # before the worker: rendered, not archived
    assert before.headers["X-Document-Archived"] == "no"
    assert jobs.JOBS["issue_receipts"]() == 1
    assert jobs.JOBS["issue_receipts"]() == 0  # issued once
    assert session.scalar(receipts) == 1
    after = client.get(f"{path}/receipt.pdf")
    assert after.headers["X-Document-Archived"] == "yes"
    assert after.data == before.data


# --- behind a proxy that stamps the arrival ------------------------------------------------

@pytest.fixture
def stamping_front(app, session, database_url, tmp_path):
    """The app behind one trusted nginx that writes when it received each request into
    X-Request-Start (`proxy_set_header X-Request-Start "t=${msec}";`)."""
    from marketplace import create_app
    from tests.conftest import IsolatedClient

    behind = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url,
                         "UPLOAD_DIR": str(tmp_path / "uploads"),
                         "SEARCH_INDEX_DIR": str(tmp_path / "index"), "TRUSTED_PROXIES": 1,
                         "REQUEST_START_HEADER": "X-Request-Start"})
    behind.test_client_class = IsolatedClient
    return behind


def _submit_stamped(client, session, *, stamp_before_deadline: timedelta):
    """A draft whose deadline passed 1 s ago, submitted with the proxy's stamp
    `stamp_before_deadline` before the deadline; the submission, reloaded."""
    from tests.factories import PASSWORD

    challenge = make_challenge_due(session, utcnow() + timedelta(days=1))
    user, org = make_solver(session)
    draft = make_draft(session, challenge, org)
    client.post_form("/login", {"email": user.email, "password": PASSWORD})
    path = f"/submissions/{draft.id}"
    token = client.csrf_token(path)
    deadline = utcnow() - timedelta(seconds=1)
    _move_deadline(session, challenge, deadline)
    stamp = (deadline - stamp_before_deadline).timestamp()
    response = client.post(f"{path}/submit", data={"csrf_token": token},
                           headers={"X-Request-Start": f"t={stamp:.3f}"})
    assert response.status_code == 302
    session.expire_all()
    return draft, deadline


def test_behind_a_stamping_proxy_a_bid_that_waited_in_the_server_queue_is_on_time(
        stamping_front, session):
    """nginx received the bid 2 s before the deadline; gunicorn's queue handed it to the
    application 1 s after it. Judged at the proxy's time, it is accepted."""
    draft, deadline = _submit_stamped(stamping_front.test_client(), session,
                                      stamp_before_deadline=timedelta(seconds=2))
    assert draft.status is SubmissionStatus.SUBMITTED
    received = deadline - timedelta(seconds=2)  # as the proxy wrote it, to the millisecond
    assert abs(draft.submitted_at - received) < timedelta(milliseconds=1)


def test_the_stamp_is_ignored_without_a_trusted_proxy_and_when_implausible(
        stamping_front, client, session):
    """A client's own X-Request-Start counts for nothing when no trusted proxy sets it;
    nor does a stamp more than `MAX_FRONT_WAIT` old, even from the proxy."""
    from marketplace.requests import MAX_FRONT_WAIT

    forged, _ = _submit_stamped(client, session, stamp_before_deadline=timedelta(seconds=2))
    assert forged.status is SubmissionStatus.DRAFT
    stale, _ = _submit_stamped(stamping_front.test_client(), session,
                               stamp_before_deadline=MAX_FRONT_WAIT + timedelta(seconds=5))
    assert stale.status is SubmissionStatus.DRAFT


@pytest.mark.parametrize(("value", "seconds"), [
    ("t=1796110935.386", 1796110935.386), ("1796110935", 1796110935.0),
    ("t=1796110935386", 1796110935.386), ("1796110935386000", 1796110935.386),
    ("", None), ("t=soon", None), ("t=-5", None), ("nan", None), (None, None)])
def test_request_start_values(value, seconds):
    from marketplace.requests import parse_request_start

    parsed = parse_request_start(value)
    assert parsed == pytest.approx(seconds) if seconds is not None else parsed is None
