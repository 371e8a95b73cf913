"""Phases of a challenge, the phase results of the solvers carried forward, and their
scores. Money in đồng (BigInteger), times aware UTC."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import labels
from marketplace.accounts.models import User
from marketplace.challenges.models import Challenge
from marketplace.extensions import db
from marketplace.submissions.models import Submission
from marketplace.types import UTCDateTime, enum_column, utcnow

MAX_PHASES = 3


class PhaseStatus(StrEnum):
    PLANNED = "planned"  # phase 1 stays here: it follows the challenge's own lifecycle
    COLLECTING = "collecting"  # the previous phase's results are being submitted
    EVALUATING = "evaluating"  # the results are open to the panel
    SELECTED = "selected"  # the down-selection into this phase is in effect


labels.register(PhaseStatus, {
    PhaseStatus.PLANNED: _l("Planned"),
    PhaseStatus.COLLECTING: _l("Collecting phase results"),
    PhaseStatus.EVALUATING: _l("Phase results under evaluation"),
    PhaseStatus.SELECTED: _l("Solvers selected"),
})


class ChallengePhase(db.Model):
    """One phase of a phased challenge. For phase k ≥ 2, `results_deadline` is the end
    of phase k-1: the deadline of the results that decide who enters phase k."""

    __tablename__ = "challenge_phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    budget_share: Mapped[int] = mapped_column(BigInteger)  # đồng
    duration_days: Mapped[int]
    carried_forward: Mapped[int]  # at most this many solvers enter the phase
    results_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[PhaseStatus] = mapped_column(
        enum_column(PhaseStatus, "phase_status"), default=PhaseStatus.PLANNED,
        server_default=PhaseStatus.PLANNED.value)
    collecting_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evaluating_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    selected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    challenge: Mapped[Challenge] = relationship()
    criteria: Mapped[list[PhaseCriterion]] = relationship(
        back_populates="phase", order_by="PhaseCriterion.position",
        cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("challenge_id", "number"),
        CheckConstraint(f"number >= 1 AND number <= {MAX_PHASES}", name="number_range"),
        CheckConstraint("budget_share > 0", name="share_positive"),
        CheckConstraint("duration_days > 0", name="duration_positive"),
        CheckConstraint("carried_forward >= 1", name="carried_positive"),
        CheckConstraint("status = 'planned' OR results_deadline IS NOT NULL",
                        name="collecting_has_deadline"),
    )

    def __repr__(self) -> str:
        return f"<ChallengePhase {self.challenge_id}/{self.number} {self.status}>"


class PhaseCriterion(db.Model):
    """A criterion of phase k ≥ 2 (the results of phase k-1 are scored on it); a phase's
    weights sum to 100. Phase 1's criteria are the challenge's own (`Criterion`)."""

    __tablename__ = "phase_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    phase_id: Mapped[int] = mapped_column(
        ForeignKey("challenge_phases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int]

    phase: Mapped[ChallengePhase] = relationship(back_populates="criteria")

    __table_args__ = (CheckConstraint("weight >= 1 AND weight <= 100", name="weight_range"),)


class ResultStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    OPENED = "opened"
    SCORED = "scored"
    CARRIED = "carried"
    DROPPED = "dropped"


labels.register(ResultStatus, {
    ResultStatus.DRAFT: _l("Draft"), ResultStatus.SUBMITTED: _l("Submitted"),
    ResultStatus.OPENED: _l("Opened"), ResultStatus.SCORED: _l("Scored"),
    ResultStatus.CARRIED: _l("Carried forward"), ResultStatus.DROPPED: _l("Not carried forward"),
})

RESULT_IN_EVALUATION = (ResultStatus.OPENED, ResultStatus.SCORED, ResultStatus.CARRIED,
                        ResultStatus.DROPPED)


class PhaseResult(db.Model):
    """What a solver of phase k-1 hands in to be considered for phase k (`phase_id` is
    phase k's); the solver is named by its first submission."""

    __tablename__ = "phase_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    phase_id: Mapped[int] = mapped_column(
        ForeignKey("challenge_phases.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")  # Markdown
    status: Mapped[ResultStatus] = mapped_column(
        enum_column(ResultStatus, "phase_result_status"), default=ResultStatus.DRAFT,
        server_default=ResultStatus.DRAFT.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    phase: Mapped[ChallengePhase] = relationship()
    submission: Mapped[Submission] = relationship()

    __table_args__ = (
        UniqueConstraint("phase_id", "submission_id"),
        CheckConstraint("status = 'draft' OR (summary <> '' AND submitted_at IS NOT NULL)",
                        name="submitted_has_summary"),
    )

    @property
    def challenge(self) -> Challenge:
        return self.phase.challenge


class PhaseScore(db.Model):
    """One panel member's score of one phase result on one criterion (0–10), submitted
    with the others at once and locked from then on; `total` is the weighted total of
    the evaluator (0–100) repeated on each row of the evaluator."""

    __tablename__ = "phase_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(
        ForeignKey("phase_results.id", ondelete="CASCADE"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("phase_criteria.id"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    total: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    result: Mapped[PhaseResult] = relationship()
    evaluator: Mapped[User] = relationship()
    criterion: Mapped[PhaseCriterion] = relationship()

    __table_args__ = (
        UniqueConstraint("result_id", "evaluator_id", "criterion_id"),
        CheckConstraint("score >= 0 AND score <= 10", name="score_range"),
        CheckConstraint("total >= 0 AND total <= 100", name="total_range"),
    )
