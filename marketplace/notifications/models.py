from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.types import UTCDateTime, utcnow


class Notification(db.Model):
    """An in-app notification. `kind` names the event (e.g. "challenge.amended");
    `message` is stored already rendered in the recipient's language."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="", server_default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)


class NotificationPreference(db.Model):
    """A user's choice for one kind of notification; no row means both channels on."""

    __tablename__ = "notification_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    in_app: Mapped[bool] = mapped_column(default=True, server_default=true())
    email: Mapped[bool] = mapped_column(default=True, server_default=true())

    __table_args__ = (UniqueConstraint("user_id", "kind"),)


class Subscription(db.Model):
    """A solver's wish to hear of new challenges in a technology group or by an agency."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    technology_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("technology_groups.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "technology_group_id"),
        UniqueConstraint("user_id", "agency_id"),
        CheckConstraint("(technology_group_id IS NULL) <> (agency_id IS NULL)",
                        name="exactly_one_target"),
    )


class OutboxEmail(db.Model):
    """An email waiting to be sent, written in the same transaction as its event.
    `next_attempt_at` NULL with `sent_at` NULL means given up after too many attempts."""

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    # header name → value added to the message (List-Unsubscribe, List-Unsubscribe-Post)
    headers: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_outbox_emails_due", "sent_at", "next_attempt_at"),)


class NotificationOnce(db.Model):
    """A key per notification that must go out only once (e.g. a deadline reminder)."""

    __tablename__ = "notification_once"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
