from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import labels
from marketplace.accounts.models import User
from marketplace.challenges.models import Challenge, Criterion
from marketplace.extensions import db
from marketplace.submissions.models import Submission
from marketplace.types import UTCDateTime, enum_column, utcnow

Score100 = Numeric(6, 2)  # a weighted total, 0.00–100.00


class PanelMember(db.Model):
    """An evaluator appointed to a challenge's panel; may come from outside the agency."""

    __tablename__ = "panel_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    is_chair: Mapped[bool] = mapped_column(default=False, server_default=false())
    appointed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    challenge: Mapped[Challenge] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        UniqueConstraint("challenge_id", "user_id"),
        Index("uq_panel_members_one_chair", "challenge_id", unique=True,
              sqlite_where=text("is_chair"), postgresql_where=text("is_chair")),
    )


class ConflictKind(StrEnum):
    NONE = "none"
    EMPLOYMENT = "employment"
    FINANCIAL = "financial"
    FAMILY = "family"
    COLLABORATION = "collaboration"
    OTHER = "other"
    AUTOMATIC = "automatic"  # a member of the submitting organization or a partner


labels.register(ConflictKind, {
    ConflictKind.NONE: _l("No conflict of interest"), ConflictKind.EMPLOYMENT: _l("Employment"),
    ConflictKind.FINANCIAL: _l("Financial interest"), ConflictKind.FAMILY: _l("Family"),
    ConflictKind.COLLABORATION: _l("Recent collaboration"), ConflictKind.OTHER: _l("Other"),
    ConflictKind.AUTOMATIC: _l("Member of the submitting organization or a partner"),
})


class ConflictDeclaration(db.Model):
    """What an evaluator declared about one submission before seeing anything of it."""

    __tablename__ = "conflict_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[ConflictKind] = mapped_column(enum_column(ConflictKind, "conflict_kind"))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship()
    evaluator: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("submission_id", "evaluator_id"),
        CheckConstraint("kind IN ('none', 'automatic') OR note <> ''", name="conflict_has_note"),
    )

    @property
    def recused(self) -> bool:
        return self.kind is not ConflictKind.NONE


class EvaluationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    # kept on record, out of the ranking: the evaluator was removed from the panel, or
    # declared a conflict after scoring (evaluation.panel_changes)
    SET_ASIDE = "set_aside"


labels.register(EvaluationStatus, {
    EvaluationStatus.DRAFT: _l("In progress"), EvaluationStatus.SUBMITTED: _l("Submitted"),
    EvaluationStatus.SET_ASIDE: _l("Set aside"),
})


class Evaluation(db.Model):
    """One evaluator's scoring of one submission; locked once submitted."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[EvaluationStatus] = mapped_column(
        enum_column(EvaluationStatus, "evaluation_status"), default=EvaluationStatus.DRAFT,
        server_default=EvaluationStatus.DRAFT.value)
    total: Mapped[Decimal | None] = mapped_column(Score100)  # computed on the server
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    set_aside_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    set_aside_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    submission: Mapped[Submission] = relationship()
    evaluator: Mapped[User] = relationship()
    # issue 21: never loaded one evaluation at a time by accident (a page of evaluations
    # would run one statement per evaluation): `evaluation.services.load_scores`, or
    # `selectinload`/`joinedload(Evaluation.scores)` where the evaluations are read
    scores: Mapped[list[Score]] = relationship(back_populates="evaluation",
                                               cascade="all, delete-orphan", lazy="raise",
                                               passive_deletes=True)

    __table_args__ = (
        UniqueConstraint("submission_id", "evaluator_id"),
        CheckConstraint("total IS NULL OR (total >= 0 AND total <= 100)", name="total_range"),
        CheckConstraint("status <> 'submitted' OR (total IS NOT NULL AND submitted_at IS NOT NULL)",
                        name="submitted_has_total"),
        CheckConstraint("status <> 'set_aside' OR (set_aside_reason <> '' AND "
                        "set_aside_at IS NOT NULL)", name="set_aside_has_reason"),
    )


class Score(db.Model):
    __tablename__ = "scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"),
                                               index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")

    evaluation: Mapped[Evaluation] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()

    __table_args__ = (
        UniqueConstraint("evaluation_id", "criterion_id"),
        CheckConstraint("score >= 0 AND score <= 10", name="score_range"),
    )


class Moderation(db.Model):
    """The chair's moderated score for a submission whose evaluators disagree widely;
    the individual scores stay on record."""

    __tablename__ = "moderations"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    score: Mapped[Decimal] = mapped_column(Score100)
    justification: Mapped[str] = mapped_column(Text)
    chair_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        CheckConstraint("justification <> ''", name="has_justification"),
    )


class AwardStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"  # in effect
    REJECTED = "rejected"  # the approver sent it back; a new proposal may follow
    ANNULLED = "annulled"  # undone by an upheld complaint (complaints.services.decide)


labels.register(AwardStatus, {
    AwardStatus.PROPOSED: _l("Waiting for approval"), AwardStatus.APPROVED: _l("Approved"),
    AwardStatus.REJECTED: _l("Sent back by the approver"),
    AwardStatus.ANNULLED: _l("Annulled after a complaint"),
})


class Award(db.Model):
    """The award decision on a challenge. At most one live (proposed or approved) award
    per challenge and phase: a partial unique index, so two simultaneous decisions make
    one. A single-phase challenge has only phase 1."""

    __tablename__ = "awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    status: Mapped[AwardStatus] = mapped_column(
        enum_column(AwardStatus, "award_status"), default=AwardStatus.PROPOSED,
        server_default=AwardStatus.PROPOSED.value)
    justification: Mapped[str] = mapped_column(Text)
    total_amount: Mapped[int] = mapped_column(BigInteger)
    requires_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # the end of the standstill that follows the approval (complaints.standstill); NULL for
    # awards approved before the standstill existed
    standstill_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 1: the award of the open call; k ≥ 2: the down-selection into phase k of a phased
    # challenge (issue 17, `marketplace.phases`)
    phase: Mapped[int] = mapped_column(default=1, server_default="1")

    challenge: Mapped[Challenge] = relationship()
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    items: Mapped[list[AwardItem]] = relationship(back_populates="award",
                                                  cascade="all, delete-orphan",
                                                  order_by="AwardItem.id")

    __table_args__ = (
        Index("uq_awards_one_live_per_challenge", "challenge_id", "phase", unique=True,
              sqlite_where=text("status NOT IN ('rejected', 'annulled')"),
              postgresql_where=text("status NOT IN ('rejected', 'annulled')")),
        CheckConstraint("total_amount > 0", name="total_positive"),
        CheckConstraint("phase >= 1 AND phase <= 3", name="phase_range"),
        CheckConstraint("justification <> ''", name="has_justification"),
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> proposed_by_id",
                        name="four_eyes"),
        CheckConstraint("status <> 'rejected' OR rejection_reason <> ''",
                        name="rejected_has_reason"),
    )


class AwardItem(db.Model):
    """One awarded submission and its amount (several when parallel pilots are allowed)."""

    __tablename__ = "award_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"),
                                          index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    rank: Mapped[int]  # the submission's rank when the award was proposed (1 = top)
    score: Mapped[Decimal | None] = mapped_column(Score100)
    not_top_ranked_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    award: Mapped[Award] = relationship(back_populates="items")
    submission: Mapped[Submission] = relationship()

    __table_args__ = (
        UniqueConstraint("award_id", "submission_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("rank = 1 OR not_top_ranked_reason <> ''", name="not_top_explained"),
    )
