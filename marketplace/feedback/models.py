"""Citizens' feedback on a pilot: the people a piloted service serves rate it (1–5) and
may leave a comment, without an account.

Nothing that identifies the person is stored with a rating: no address, no cookie, no
account. Abuse is held back by rate limits (per address and per pilot, in the limiter's
storage only) and a signed cookie kept by the browser (`feedback.routes`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import labels
from marketplace.extensions import db
from marketplace.orders.models import PilotOrder
from marketplace.types import UTCDateTime, enum_column, utcnow


class FeedbackStatus(StrEnum):
    NO_COMMENT = "no_comment"  # a rating alone: nothing to moderate
    PENDING = "pending"  # a comment waiting for the agency's moderation
    APPROVED = "approved"  # the comment is shown on the pilot's feedback page
    REJECTED = "rejected"  # the comment is never shown; rejections are counted publicly


labels.register(FeedbackStatus, {
    FeedbackStatus.NO_COMMENT: _l("Rating without a comment"),
    FeedbackStatus.PENDING: _l("Waiting for moderation"),
    FeedbackStatus.APPROVED: _l("Published"),
    FeedbackStatus.REJECTED: _l("Not published"),
})


class CitizenFeedback(db.Model):
    """One citizen's rating of a pilot (1–5) with an optional comment (plain text,
    sanitised when received). The rating counts at once, whatever becomes of the comment:
    moderation decides only whether the comment is shown."""

    __tablename__ = "citizen_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("pilot_orders.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[FeedbackStatus] = mapped_column(
        enum_column(FeedbackStatus, "feedback_status"), default=FeedbackStatus.NO_COMMENT,
        server_default=FeedbackStatus.NO_COMMENT.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[PilotOrder] = relationship()

    __table_args__ = (
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
        CheckConstraint("(status = 'no_comment') = (comment = '')", name="comment_status"),
        Index("ix_citizen_feedback_order_status", "order_id", "status"),
    )
