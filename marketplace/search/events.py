"""Queue index updates automatically, so that no domain has to remember to.

An `after_flush` listener on every Session writes a `SearchPending` row for each
challenge, clarification, awarded (or status-changed) submission and renamed
organization in the flush, in the same transaction. With an engine that lives in the
database (`SEARCH_BACKEND=postgresql`) the rows are applied and deleted before the same
transaction commits. Flags in `session.info` tell the
after-request hook that a commit carried pending rows and that nothing is left unsaved."""

from __future__ import annotations

from itertools import chain

from flask import has_app_context
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from marketplace.accounts.models import Organization
from marketplace.challenges.models import Challenge, Clarification
from marketplace.search.models import SearchPending
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.types import utcnow

QUEUED = "search.queued"  # pending rows written in the current transaction
READY = "search.ready"  # a commit carried pending rows: apply them
UNSAVED = "search.unsaved"  # something was flushed and not yet committed


def _status_changed(obj) -> bool:
    return inspect(obj).attrs.status.history.has_changes()


def _keys(session) -> set[tuple[str, int]]:
    keys = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Challenge):
            keys.add(("challenge", obj.id))
        elif isinstance(obj, Clarification):
            keys.add(("challenge", obj.challenge_id))
        elif isinstance(obj, Submission):
            if (obj in session.deleted or obj.status is SubmissionStatus.AWARDED
                    or _status_changed(obj)):
                keys.add(("solution", obj.id))
        elif isinstance(obj, Organization) and obj in session.dirty:
            history = inspect(obj).attrs
            if history.name_vi.history.has_changes() or history.name_en.history.has_changes():
                keys.add(("organization", obj.id))
    return {key for key in keys if key[1] is not None}


@event.listens_for(Session, "after_flush")
def _queue_changes(session, _flush_context) -> None:
    session.info[UNSAVED] = True
    keys = _keys(session)
    if not keys:
        return
    now = utcnow()
    session.connection().execute(insert(SearchPending.__table__), [
        {"object_type": kind, "object_id": object_id, "created_at": now}
        for kind, object_id in sorted(keys)])
    session.info[QUEUED] = True


@event.listens_for(Session, "before_commit")
def _index_in_transaction(session) -> None:
    """An engine in the database (PostgreSQL) takes the changes in their own transaction:
    nothing is left pending, for no worker, and every host sees them at the commit."""
    if not has_app_context():
        return
    from marketplace.search import services

    if not services.backend().transactional:
        return
    session.flush()  # before_commit runs before the commit's own flush
    if session.info.pop(QUEUED, False):
        services.apply_in_transaction(session)


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    session.info.pop(UNSAVED, None)
    if session.info.pop(QUEUED, False):
        session.info[READY] = True


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(QUEUED, None)
        session.info.pop(UNSAVED, None)
