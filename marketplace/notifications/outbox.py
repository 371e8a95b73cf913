"""Sending the email outbox: after the commit by the web process (best effort), and by
`flask mail send`. A failed send is retried with growing pauses; an SMTP outage only
delays mail. Each message is claimed with a lease before it is sent, so two processes
never send the same one at once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

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


def due(session, now: datetime, limit: int) -> list[int]:
    return list(session.scalars(select(OutboxEmail.id).where(
        OutboxEmail.sent_at.is_(None), OutboxEmail.next_attempt_at.is_not(None),
        OutboxEmail.next_attempt_at <= now).order_by(OutboxEmail.id).limit(limit)))


def send_due(session, *, now: datetime | None = None, limit: int = 100) -> SendReport:
    """Send what is due, committing after each message. Call it after the commit."""
    now = now or utcnow()
    report = SendReport()
    session.commit()
    for email_id in due(session, now, limit):
        claimed = session.execute(
            update(OutboxEmail).where(OutboxEmail.id == email_id, OutboxEmail.sent_at.is_(None),
                                      OutboxEmail.next_attempt_at <= now)
            .values(next_attempt_at=now + LEASE).execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
        if not claimed:
            continue  # another process took it
        email = session.get(OutboxEmail, email_id)
        email.attempts += 1
        try:
            mail.send(email.to, email.subject, email.body)
        except Exception as error:  # noqa: BLE001 - any failure: keep it and retry later
            email.last_error = f"{type(error).__name__}: {error}"[:1000]
            email.next_attempt_at = (now + backoff(email.attempts)
                                     if email.attempts < MAX_ATTEMPTS else None)
            report.failed += 1
            log.warning("mail %s to %s failed (attempt %s): %s", email.id, email.to,
                        email.attempts, email.last_error)
        else:
            email.sent_at = utcnow()
            email.last_error = ""
            report.sent += 1
        session.commit()
    return report
