from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.types import UTCDateTime, utcnow


class SearchPending(db.Model):
    """A change the search index has not taken in yet. Written in the same transaction
    as the change; deleted only once the index holds the object's state read after it."""

    __tablename__ = "search_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(20))  # challenge | solution | organization
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_search_pending_object", "object_type", "object_id"),)
