"""The email outbox: written in the transaction of its event (`queue`), sent by the worker
(`marketplace.jobs`: after each commit that queued mail, and every minute) and by
`flask mail send`. A failed send is retried with growing pauses; an SMTP outage only
delays mail. Each message is claimed with a lease before it is sent, so two processes
never send the same one at once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from marketplace import mail
from marketplace.notifications.models import OutboxEmail
from marketplace.types import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=10)  # a crashed sender's claim expires after this


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, … minutes after each failure, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=6))


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0


def queue(session, to: str, subject: str, body: str,
          headers: dict[str, str] | None = None) -> OutboxEmail:
    """Write a mail to the outbox in the caller's transaction (it is sent by the worker
    once that transaction commits; nothing is sent if it rolls back). Never commits.
    `headers`: extra header lines (e.g. `alerts.unsubscribe.headers(...)`)."""
    email = OutboxEmail(to=to, subject=subject[:300], body=body, headers=headers or None)
    session.add(email)
    return email


def due(session, now: datetime, limit: int) -> list[int]:
    return list(session.scalars(select(OutboxEmail.id).where(
        OutboxEmail.sent_at.is_(None), OutboxEmail.next_attempt_at.is_not(None),
        OutboxEmail.next_attempt_at <= now).order_by(OutboxEmail.id).limit(limit)))


def _claim(session, now: datetime, limit: int) -> list[int]:
    """The due mail this process takes: each claimed with a lease, so that two senders
    never send the same message at once."""
    claimed = []
    for email_id in due(session, now, limit):
        if session.execute(
            update(OutboxEmail).where(OutboxEmail.id == email_id, OutboxEmail.sent_at.is_(None),
                                      OutboxEmail.next_attempt_at <= now)
            .values(next_attempt_at=now + LEASE).execution_options(synchronize_session=False)
        ).rowcount:
            claimed.append(email_id)
        session.commit()
    return claimed


def _failed(email: OutboxEmail, now: datetime, error: BaseException) -> None:
    email.last_error = f"{type(error).__name__}: {error}"[:1000]
    email.next_attempt_at = now + backoff(email.attempts) if email.attempts < MAX_ATTEMPTS else None
    # the message's id only: no address or other personal data in the logs
    log.warning("mail %s failed (attempt %s): %s", email.id, email.attempts, type(error).__name__)


def send_due(session, *, now: datetime | None = None, limit: int = 100) -> SendReport:
    """Send what is due over one connection (`mail.connection`), committing after each
    message; a failure (the server refusing, or not answering within `MAIL_TIMEOUT`) keeps
    the message for a later attempt with backoff. Run by the worker; commits."""
    now = now or utcnow()
    report = SendReport()
    session.commit()
    claimed = _claim(session, now, limit)
    if not claimed:
        return report
    done: set[int] = set()
    try:
        with mail.connection() as send:
            for email_id in claimed:
                email = session.get(OutboxEmail, email_id)
                email.attempts += 1
                try:
                    send(mail.Mail(email.to, email.subject, email.body,
                                   dict(email.headers or {})))
                except Exception as error:  # noqa: BLE001 - any failure: retry it later
                    _failed(email, now, error)
                    report.failed += 1
                else:
                    email.sent_at = utcnow()
                    email.last_error = ""
                    report.sent += 1
                session.commit()
                done.add(email_id)
    except Exception as error:  # noqa: BLE001 - no connection: the rest waits its turn
        session.rollback()
        for email_id in claimed:
            if email_id not in done:
                email = session.get(OutboxEmail, email_id)
                email.attempts += 1
                _failed(email, now, error)
                report.failed += 1
        session.commit()
    return report


def oldest_due(session, now: datetime | None = None) -> datetime | None:
    """When the oldest mail that is due now was created (None when none is due)."""
    now = now or utcnow()
    return session.scalar(select(func.min(OutboxEmail.created_at)).where(
        OutboxEmail.sent_at.is_(None), OutboxEmail.next_attempt_at.is_not(None),
        OutboxEmail.next_attempt_at <= now))


def backlog(session) -> int:
    """Mail not sent yet and not given up."""
    return session.scalar(select(func.count(OutboxEmail.id)).where(
        OutboxEmail.sent_at.is_(None), OutboxEmail.next_attempt_at.is_not(None))) or 0
