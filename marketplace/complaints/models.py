from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import labels
from marketplace.accounts.models import Organization, User
from marketplace.challenges.models import Challenge
from marketplace.evaluation.models import Award
from marketplace.extensions import db
from marketplace.submissions.models import Submission
from marketplace.types import UTCDateTime, enum_column, utcnow


class ComplaintStatus(StrEnum):
    FILED = "filed"
    UNDER_REVIEW = "under_review"
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"


labels.register(ComplaintStatus, {
    ComplaintStatus.FILED: _l("Filed"), ComplaintStatus.UNDER_REVIEW: _l("Under review"),
    ComplaintStatus.UPHELD: _l("Upheld"), ComplaintStatus.DISMISSED: _l("Dismissed"),
    ComplaintStatus.WITHDRAWN: _l("Withdrawn by the complainant"),
})

OPEN_STATUSES = (ComplaintStatus.FILED, ComplaintStatus.UNDER_REVIEW)
DECIDED_STATUSES = (ComplaintStatus.UPHELD, ComplaintStatus.DISMISSED)


class Contested(StrEnum):
    """The decision a complaint contests."""

    AWARD = "award"
    RANKING = "ranking"
    DISQUALIFICATION = "disqualification"
    OTHER = "other"


labels.register(Contested, {
    Contested.AWARD: _l("The award decision"),
    Contested.RANKING: _l("The scores and the ranking"),
    Contested.DISQUALIFICATION: _l("The disqualification of our submission"),
    Contested.OTHER: _l("Another decision of the procedure"),
})


class Remedy(StrEnum):
    """What an upheld complaint does to the award."""

    REEVALUATE = "reevaluate"  # the award is annulled, the challenge back to evaluation
    CANCEL = "cancel"  # the award is annulled and the challenge cancelled


labels.register(Remedy, {
    Remedy.REEVALUATE: _l("Annul the award and evaluate again"),
    Remedy.CANCEL: _l("Annul the award and cancel the challenge"),
})


class Complaint(db.Model):
    """A bidder's complaint (kiến nghị) about a decision on a challenge, filed during the
    standstill that follows the award. The grounds and the evidence are for the agency
    and the complainant only; the public register shows dates, the decision contested,
    the outcome and its reasoning, and the complainant's name once decided."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    # the bidder: its submission, and that submission's lead organization (a consortium
    # complains as one, whichever of its members files)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ComplaintStatus] = mapped_column(
        enum_column(ComplaintStatus, "complaint_status"), default=ComplaintStatus.FILED,
        server_default=ComplaintStatus.FILED.value)
    contested: Mapped[Contested] = mapped_column(enum_column(Contested, "complaint_contested"))
    grounds: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    under_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reasoning: Mapped[str] = mapped_column(Text, default="", server_default="")
    remedy: Mapped[Remedy | None] = mapped_column(enum_column(Remedy, "complaint_remedy"))

    challenge: Mapped[Challenge] = relationship()
    award: Mapped[Award] = relationship()
    submission: Mapped[Submission] = relationship()
    organization: Mapped[Organization] = relationship()
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])

    __table_args__ = (
        Index("ix_complaints_challenge_status", "challenge_id", "status"),
        CheckConstraint("grounds <> ''", name="has_grounds"),
        CheckConstraint("status NOT IN ('upheld', 'dismissed') OR "
                        "(reasoning <> '' AND decided_at IS NOT NULL)",
                        name="decided_has_reasoning"),
        CheckConstraint("status = 'upheld' OR remedy IS NULL", name="remedy_only_upheld"),
        CheckConstraint("status <> 'upheld' OR remedy IS NOT NULL", name="upheld_has_remedy"),
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED_STATUSES

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Still open after the day the agency's answer was due."""
        return self.is_open and (now or utcnow()) > self.answer_due_at
