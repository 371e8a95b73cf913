"""Alerts that follow what someone cares about (issue 18): a challenge, an agency, a
technology group or a saved search, by immediate mail or a daily or weekly digest.

A follow belongs to a user, or to an email address (a visitor without an account, who
confirms it from a link: double opt-in). News is read from the public audit events
(what the activity stream tells); `last_event_id` is the follow's cursor: the events up
to it were considered (mailed, or found empty)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import labels
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column, utcnow


class FollowKind(StrEnum):
    CHALLENGE = "challenge"
    AGENCY = "agency"
    GROUP = "group"  # a technology group
    SEARCH = "search"  # a saved search: a /challenges/ filter or a /search query


class Frequency(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"


class FollowStatus(StrEnum):
    PENDING = "pending"  # a visitor's follow waiting for the confirmation link
    ACTIVE = "active"
    ENDED = "ended"  # stopped by its owner or by an unsubscribe link


labels.register(FollowKind, {
    FollowKind.CHALLENGE: _l("Challenge"), FollowKind.AGENCY: _l("Agency"),
    FollowKind.GROUP: _l("Technology group"), FollowKind.SEARCH: _l("Saved search"),
})
labels.register(Frequency, {
    Frequency.IMMEDIATE: _l("Immediately, one mail per news"),
    Frequency.DAILY: _l("A daily digest"),
    Frequency.WEEKLY: _l("A weekly digest"),
})
labels.register(FollowStatus, {
    FollowStatus.PENDING: _l("Waiting for confirmation"),
    FollowStatus.ACTIVE: _l("Active"), FollowStatus.ENDED: _l("Stopped"),
})


class Follow(db.Model):
    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(254))  # a visitor's address
    locale: Mapped[str] = mapped_column(String(5), default="vi", server_default="vi")
    kind: Mapped[FollowKind] = mapped_column(enum_column(FollowKind, "follow_kind"))
    target_id: Mapped[int | None]  # the challenge, agency or group
    # a saved search: "challenges?<filters>" or "search?<q and facets>", keys sorted
    query: Mapped[str] = mapped_column(String(600), default="", server_default="")
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency, "follow_frequency"))
    status: Mapped[FollowStatus] = mapped_column(
        enum_column(FollowStatus, "follow_status"), default=FollowStatus.ACTIVE,
        server_default=FollowStatus.ACTIVE.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_event_id: Mapped[int] = mapped_column(default=0, server_default="0")
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last period's end

    user: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (email IS NULL)", name="one_owner"),
        CheckConstraint("(kind = 'search') = (query <> '' AND target_id IS NULL)",
                        name="target_or_query"),
        Index("ix_follows_status_frequency", "status", "frequency"),
        Index("ix_follows_user", "user_id"),
    )

    @property
    def address(self) -> str:
        return self.user.email if self.user is not None else (self.email or "")
