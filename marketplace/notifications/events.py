"""Session hooks of the notifications domain.

- A `challenge.published` audit event notifies the challenge's subscribers in the same
  flush, so that publishing needs no extra call (`notify_new_challenge` is idempotent).
- Flags in `session.info` tell the after-request hook that a commit carried outbox mail
  and that nothing flushed is left uncommitted."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.audit.models import AuditEvent
from marketplace.challenges.models import Challenge
from marketplace.notifications import services
from marketplace.notifications.models import OutboxEmail

QUEUED = "mail.queued"
READY = "mail.ready"
UNSAVED = "mail.unsaved"


@event.listens_for(Session, "before_flush")
def _before_flush(session, _flush_context, _instances) -> None:
    for obj in list(session.new):
        if (isinstance(obj, AuditEvent) and obj.action == "challenge.published"
                and obj.object_type == Challenge.__tablename__ and obj.object_id is not None):
            challenge = session.get(Challenge, obj.object_id)
            if challenge is not None:
                services.notify_new_challenge(session, challenge, flush=False)
    if any(isinstance(obj, OutboxEmail) for obj in session.new):
        session.info[QUEUED] = True


@event.listens_for(Session, "after_flush")
def _after_flush(session, _flush_context) -> None:
    session.info[UNSAVED] = True
    session.info.pop(services.ONCE_KEYS, None)  # now visible to queries


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    session.info.pop(UNSAVED, None)
    if session.info.pop(QUEUED, False):
        session.info[READY] = True


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        for key in (QUEUED, UNSAVED, services.ONCE_KEYS):
            session.info.pop(key, None)
