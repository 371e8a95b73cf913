from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.types import UTCDateTime, utcnow


class Attachment(db.Model):
    """An uploaded file, stored under a random name outside the web root, belonging to
    exactly one challenge, submission, milestone delivery, complaint or KPI result (the
    evidence of a pilot's outcome). Served only through a view
    that asks the policy about its owner."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("milestone_deliveries.id", ondelete="CASCADE"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    kpi_result_id: Mapped[int | None] = mapped_column(
        ForeignKey("kpi_results.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # its owner, whichever it is (read-only: the ids above are what is written); the
    # policy reads them, joined into one statement (`policy.existence.lookup`)
    challenge = relationship("Challenge", viewonly=True)
    submission = relationship("Submission", viewonly=True)
    delivery = relationship("MilestoneDelivery", viewonly=True)
    complaint = relationship("Complaint", viewonly=True)
    kpi_result = relationship("KpiResult", viewonly=True)

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN challenge_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN submission_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN delivery_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN complaint_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN kpi_result_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="exactly_one_owner",
        ),
        CheckConstraint("size > 0", name="size_positive"),
    )
