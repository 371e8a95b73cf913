"""Attaching uploaded files to challenges, submissions and milestone deliveries.

A file is written to storage before its row; if the transaction then rolls back, the
file is removed again, so a failed upload leaves no row and no file behind. A process
killed in between (SIGKILL, gunicorn's timeout, a power cut) cannot clean up: what it
leaves — a `.part` file, or a whole file with no committed row — is removed by `sweep`
(`flask files sweep`, and the worker every hour) once older than `FILES_SWEEP_GRACE`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, event, func, select
from sqlalchemy.orm import Session

from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.files.models import Attachment
from marketplace.files.storage import CheckedFile, check_upload, storage
from marketplace.types import utcnow

OWNER_FIELDS = ("challenge_id", "submission_id", "delivery_id", "complaint_id", "kpi_result_id")
_PENDING_KEY = "files_written_in_this_transaction"


def attachments_of(session, owner_field: str, owner_id: int) -> list[Attachment]:
    """The attachments of one owner (`owner_field` one of `OWNER_FIELDS`), oldest first."""
    return list(session.scalars(_attachments_statement(owner_field), {"owner_id": owner_id}))


@lru_cache(maxsize=16)
def _attachments_statement(owner_field: str):
    """The select of `attachments_of` for one kind of owner, the owner's id bound when it
    runs: built once, so its cache key is too (pages that show attachments ask on every
    request)."""
    return (select(Attachment).where(getattr(Attachment, owner_field) == bindparam("owner_id"))
            .order_by(Attachment.id))


def total_size(session, owner_field: str, owner_id: int) -> int:
    column = getattr(Attachment, owner_field)
    return session.scalar(select(func.coalesce(func.sum(Attachment.size), 0))
                          .where(column == owner_id))


@dataclass(frozen=True)
class StoredUpload:
    """An upload checked and written to storage, not yet recorded (`attach`)."""

    checked: CheckedFile
    stored_name: str


def store_upload(session, stream: BinaryIO, filename: str) -> StoredUpload:
    """Check an upload and write it to storage, before any lock is taken (the slow part:
    ~0.2 s for 20 MB). The file is removed again if `session`'s transaction rolls back.
    Raises DomainError when the file is refused (`check_upload`)."""
    checked = check_upload(stream, filename)
    stored_name = storage().save(checked.data)
    session.info.setdefault(_PENDING_KEY, []).append(stored_name)
    return StoredUpload(checked, stored_name)


def attach(session, user, *, owner_field: str, owner_id: int, stream: BinaryIO | None = None,
           filename: str = "", max_total: int | None = None,
           upload: StoredUpload | None = None) -> Attachment:
    """Check, store and record one upload (or record `upload`, stored beforehand by
    `store_upload`). The caller has already checked that `user` may change the owner.
    `max_total` bounds the owner's files together."""
    if owner_field not in OWNER_FIELDS:
        raise ValueError(owner_field)
    if upload is None:
        upload = store_upload(session, stream, filename)
    checked, stored_name = upload.checked, upload.stored_name
    if max_total is not None and total_size(session, owner_field, owner_id) + checked.size \
            > max_total:
        raise DomainError(_("Together the files may not exceed %(mb)d MB.",
                            mb=max_total // (1024 * 1024)), field="attachments")
    attachment = Attachment(original_name=checked.original_name, stored_name=stored_name,
                            content_type=checked.content_type, size=checked.size,
                            sha256=checked.sha256, uploaded_by_id=user.id,
                            **{owner_field: owner_id})
    session.add(attachment)
    session.flush()
    record(session, user, "attachment.added", attachment,
           after={"owner": owner_field, "owner_id": owner_id, "name": checked.original_name,
                  "sha256": checked.sha256, "size": checked.size})
    return attachment


def remove(session, user, attachment: Attachment) -> None:
    record(session, user, "attachment.removed", attachment,
           before={"name": attachment.original_name, "sha256": attachment.sha256})
    stored_name = attachment.stored_name
    session.delete(attachment)
    session.flush()
    session.info.setdefault("files_to_delete_after_commit", []).append(stored_name)


@event.listens_for(Session, "after_commit")
def _forget_or_delete(session) -> None:
    session.info.pop(_PENDING_KEY, None)
    for stored_name in session.info.pop("files_to_delete_after_commit", []):
        _quietly_delete(stored_name)


@event.listens_for(Session, "after_soft_rollback")
def _remove_orphans(session, previous_transaction) -> None:
    if previous_transaction.nested:
        return
    session.info.pop("files_to_delete_after_commit", None)
    for stored_name in session.info.pop(_PENDING_KEY, []):
        _quietly_delete(stored_name)


def _quietly_delete(stored_name: str) -> None:
    try:
        storage().delete(stored_name)
    except (OSError, RuntimeError, KeyError):  # no app context, or already gone
        current_app.logger.warning("could not remove stored file %s", stored_name)


@dataclass
class SweepReport:
    removed: int = 0  # files (and `.part` files) no row references, deleted
    kept: int = 0  # old enough to be looked at, and referenced by a row


SWEEP_BATCH = 500


def stored_name_columns() -> list:
    """Every column that points at a stored file: any table's `stored_name` (today the
    attachments and the issued documents), so that a new kind of stored file is never
    taken for an orphan."""
    from marketplace.extensions import db

    return [table.c.stored_name for table in db.metadata.sorted_tables
            if "stored_name" in table.c]


def referenced(session, stored_names: list[str]) -> set[str]:
    """Which of `stored_names` a committed row refers to, in any table."""
    found: set[str] = set()
    for column in stored_name_columns():
        found.update(session.scalars(select(column).where(column.in_(stored_names))))
    return found


def sweep(session, *, grace: float | None = None, now: datetime | None = None) -> SweepReport:
    """Remove stored files that no row references and that were last written more than
    `grace` seconds ago (`FILES_SWEEP_GRACE`, an hour: longer than any upload's
    transaction, so a file whose row is about to be committed is never taken), on the
    configured storage (local disk or S3). The files are listed before the rows are read,
    so a row committed meanwhile keeps its file. Commits nothing."""
    if grace is None:
        grace = float(current_app.config.get("FILES_SWEEP_GRACE", 3600))
    before = (now or utcnow()) - timedelta(seconds=grace)
    backend, report = storage(), SweepReport()
    entries = list(backend.stale(before))
    session.rollback()  # read the rows as committed now, after the listing
    for start in range(0, len(entries), SWEEP_BATCH):
        batch = entries[start:start + SWEEP_BATCH]
        keep = referenced(session, sorted({entry.stored_name for entry in batch}))
        for entry in batch:
            if entry.stored_name in keep and not entry.handle.endswith(".part"):
                report.kept += 1
            else:
                backend.discard(entry)
                report.removed += 1
    if report.removed:
        current_app.logger.info("files sweep: removed %s unreferenced files", report.removed)
    return report
