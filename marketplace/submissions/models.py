from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import labels
from marketplace.accounts.models import Organization, User
from marketplace.challenges.models import Challenge
from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column, utcnow


class SubmissionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    OPENED = "opened"
    DISQUALIFIED = "disqualified"
    SCORED = "scored"
    SHORTLISTED = "shortlisted"
    AWARDED = "awarded"
    NOT_AWARDED = "not_awarded"


labels.register(SubmissionStatus, {
    SubmissionStatus.DRAFT: _l("Draft"), SubmissionStatus.SUBMITTED: _l("Submitted"),
    SubmissionStatus.WITHDRAWN: _l("Withdrawn"), SubmissionStatus.OPENED: _l("Opened"),
    SubmissionStatus.DISQUALIFIED: _l("Disqualified"), SubmissionStatus.SCORED: _l("Scored"),
    SubmissionStatus.SHORTLISTED: _l("Shortlisted"), SubmissionStatus.AWARDED: _l("Awarded"),
    SubmissionStatus.NOT_AWARDED: _l("Not awarded"),
})

# Statuses in which a submission takes part in evaluation (after the deadline).
IN_EVALUATION = (SubmissionStatus.OPENED, SubmissionStatus.SCORED, SubmissionStatus.SHORTLISTED,
                 SubmissionStatus.AWARDED, SubmissionStatus.NOT_AWARDED)


class PartnerStatus(StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


labels.register(PartnerStatus, {
    PartnerStatus.INVITED: _l("Invited"), PartnerStatus.ACCEPTED: _l("Joined the consortium"),
    PartnerStatus.DECLINED: _l("Declined"),
})


class Submission(db.Model):
    """A solver organization's answer to a challenge. Sealed until the deadline: only
    the lead organization and its accepted consortium partners may read it before."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[SubmissionStatus] = mapped_column(
        enum_column(SubmissionStatus, "submission_status"), default=SubmissionStatus.DRAFT,
        server_default=SubmissionStatus.DRAFT.value,
    )
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    technical_approach: Mapped[str] = mapped_column(Text, default="", server_default="")
    trl: Mapped[int | None]
    proposed_price: Mapped[int | None] = mapped_column(BigInteger)
    timeline: Mapped[str] = mapped_column(Text, default="", server_default="")
    team: Mapped[str] = mapped_column(Text, default="", server_default="")
    # SHA-256 over the submitted content and attachments: the solver's receipt.
    receipt_digest: Mapped[str | None] = mapped_column(String(64))
    disqualification_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disqualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shortlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    challenge: Mapped[Challenge] = relationship()
    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User] = relationship()
    partners: Mapped[list[ConsortiumPartner]] = relationship(
        back_populates="submission", cascade="all, delete-orphan",
        order_by="ConsortiumPartner.id")

    __table_args__ = (
        UniqueConstraint("challenge_id", "organization_id"),  # one per organization
        Index("ix_submissions_challenge_status", "challenge_id", "status"),
        CheckConstraint("trl IS NULL OR (trl >= 1 AND trl <= 9)", name="trl_range"),
        CheckConstraint("proposed_price IS NULL OR proposed_price > 0", name="price_positive"),
        CheckConstraint(
            "status IN ('draft', 'withdrawn') OR (submitted_at IS NOT NULL AND "
            "receipt_digest IS NOT NULL AND trl IS NOT NULL AND proposed_price IS NOT NULL)",
            name="submitted_is_complete",
        ),
        CheckConstraint("status <> 'disqualified' OR disqualification_reason <> ''",
                        name="disqualified_has_reason"),
    )

    def accepted_partner_ids(self) -> list[int]:
        return [p.organization_id for p in self.partners if p.status is PartnerStatus.ACCEPTED]

    @property
    def is_consortium(self) -> bool:
        return bool(self.accepted_partner_ids())

    def __repr__(self) -> str:
        return f"<Submission {self.id} {self.status} challenge={self.challenge_id}>"


class ConsortiumPartner(db.Model):
    """Another verified organization invited by the lead to bid together."""

    __tablename__ = "consortium_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"),
                                               index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    status: Mapped[PartnerStatus] = mapped_column(
        enum_column(PartnerStatus, "partner_status"), default=PartnerStatus.INVITED,
        server_default=PartnerStatus.INVITED.value)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    submission: Mapped[Submission] = relationship(back_populates="partners")
    organization: Mapped[Organization] = relationship()

    __table_args__ = (UniqueConstraint("submission_id", "organization_id"),)
