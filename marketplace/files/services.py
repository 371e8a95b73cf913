"""Attaching uploaded files to challenges, submissions and milestone deliveries.

A file is written to storage before its row; if the transaction then rolls back, the
file is removed again, so a failed upload leaves no row and no file behind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.files.models import Attachment
from marketplace.files.storage import CheckedFile, check_upload, storage

OWNER_FIELDS = ("challenge_id", "submission_id", "delivery_id")
_PENDING_KEY = "files_written_in_this_transaction"


def attachments_of(session, owner_field: str, owner_id: int) -> list[Attachment]:
    column = getattr(Attachment, owner_field)
    return list(session.scalars(select(Attachment).where(column == owner_id)
                                .order_by(Attachment.id)))


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
