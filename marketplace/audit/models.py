from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.types import UTCDateTime, utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(db.Model):
    """One recorded change. Append-only: each event carries the hash of the one before,
    so that editing, deleting or reordering events breaks the chain."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    public: Mapped[bool] = mapped_column(default=False, server_default=false())
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_public_id", "public", "id"),
    )

    def payload(self) -> dict[str, Any]:
        return hashed_payload(self)


HASHED_COLUMNS = ("created_at", "actor_id", "action", "object_type", "object_id",
                  "before", "after", "public", "prev_hash")


def hashed_payload(row: Any) -> dict[str, Any]:
    """What the hash covers: everything but the database id and the hash itself."""
    data = {name: getattr(row, name) for name in HASHED_COLUMNS}
    data["created_at"] = data["created_at"].isoformat()
    data["public"] = bool(data["public"])
    return data
