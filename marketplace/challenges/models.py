from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    and_,
    false,
    true,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import labels
from marketplace.accounts.models import Organization, User
from marketplace.extensions import db
from marketplace.taxonomy.models import TechnologyGroup
from marketplace.types import UTCDateTime, enum_column, utcnow


class ChallengeStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    EVALUATING = "evaluating"
    AWARDED = "awarded"
    CANCELLED = "cancelled"


labels.register(ChallengeStatus, {
    ChallengeStatus.DRAFT: _l("Draft"), ChallengeStatus.PUBLISHED: _l("Open for solutions"),
    ChallengeStatus.CLOSED: _l("Closed"), ChallengeStatus.EVALUATING: _l("Under evaluation"),
    ChallengeStatus.AWARDED: _l("Awarded"), ChallengeStatus.CANCELLED: _l("Cancelled"),
})

PUBLIC_STATUSES = (ChallengeStatus.PUBLISHED, ChallengeStatus.CLOSED, ChallengeStatus.EVALUATING,
                   ChallengeStatus.AWARDED, ChallengeStatus.CANCELLED)


class Challenge(db.Model):
    """An agency's problem, posted for solvers to answer. Drafts may be incomplete;
    the database refuses a published challenge without its essentials."""

    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(300))
    problem: Mapped[str] = mapped_column(Text, default="", server_default="")  # Markdown
    expected_outcomes: Mapped[str] = mapped_column(Text, default="", server_default="")
    technology_group_id: Mapped[int | None] = mapped_column(ForeignKey("technology_groups.id"),
                                                            index=True)
    sector: Mapped[str] = mapped_column(String(120), default="", server_default="")
    pilot_site: Mapped[str] = mapped_column(String(300), default="", server_default="")
    province: Mapped[str] = mapped_column(String(80), default="", server_default="")
    budget_ceiling: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    pilot_duration_months: Mapped[int] = mapped_column(default=0, server_default="0")
    # OrgKind values of the solver kinds that may bid, e.g. ["startup", "university"].
    eligible_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    consortia_allowed: Mapped[bool] = mapped_column(default=True, server_default=true())
    parallel_pilots_allowed: Mapped[bool] = mapped_column(default=False, server_default=false())
    blind_review: Mapped[bool] = mapped_column(default=False, server_default=false())
    min_evaluators: Mapped[int] = mapped_column(default=2, server_default="2")
    clarification_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submission_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    status: Mapped[ChallengeStatus] = mapped_column(
        enum_column(ChallengeStatus, "challenge_status"), default=ChallengeStatus.DRAFT,
        server_default=ChallengeStatus.DRAFT.value,
    )
    cancel_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # 0: a single-phase challenge; 2 or 3: its `ChallengePhase` rows (issue 17), kept here
    # so that a challenge's page knows without a query
    phase_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # issue 17: published although highly similar to proven catalogue entries (their ids,
    # no foreign key: the entries point back to orders of challenges); the officer's
    # justification is public on the challenge page and counted on the dashboard
    similar_entry_ids: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    similarity_justification: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evaluating_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Organization] = relationship()
    created_by: Mapped[User] = relationship()
    technology_group: Mapped[TechnologyGroup | None] = relationship()
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="challenge", order_by="Criterion.position", cascade="all, delete-orphan")
    amendments: Mapped[list[Amendment]] = relationship(
        back_populates="challenge", order_by="Amendment.created_at",
        cascade="all, delete-orphan")
    clarifications: Mapped[list[Clarification]] = relationship(
        back_populates="challenge", order_by="Clarification.asked_at",
        cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("budget_ceiling >= 0", name="budget_not_negative"),
        CheckConstraint("pilot_duration_months >= 0", name="duration_not_negative"),
        CheckConstraint("min_evaluators >= 1", name="min_evaluators_positive"),
        CheckConstraint("phase_count >= 0 AND phase_count <= 3", name="phase_count_range"),
        # A draft may be incomplete, and so may a draft cancelled before publication.
        CheckConstraint(
            "status = 'draft' OR (status = 'cancelled' AND published_at IS NULL) "
            "OR (budget_ceiling > 0 AND submission_deadline IS NOT NULL "
            "AND published_at IS NOT NULL AND technology_group_id IS NOT NULL)",
            name="published_is_complete",
        ),
        CheckConstraint(
            "clarification_deadline IS NULL OR submission_deadline IS NULL "
            "OR clarification_deadline <= submission_deadline",
            name="deadlines_in_order",
        ),
        CheckConstraint("status <> 'cancelled' OR cancel_reason <> ''", name="cancel_has_reason"),
        Index("ix_challenges_status_published", "status", "published_at"),
        Index("ix_challenges_status_deadline", "status", "submission_deadline"),
        Index("ix_challenges_status_group_published", "status", "technology_group_id",
              "published_at"),
        Index("ix_challenges_agency_status", "agency_id", "status"),
        # the officer's "my challenges", newest created first, read from the index (issue 21)
        Index("ix_challenges_agency_created", "agency_id", "created_at", "id"),
        # the public list filtered by province: counted from the index (issue 21)
        Index("ix_challenges_province_status_published", "province", "status", "published_at"),
        # the public list filtered by agency: its page in the list's order and its count,
        # from the index (issue 21)
        Index("ix_challenges_agency_published", "agency_id", "published_at", "status"),
    )

    @hybrid_property
    def is_public(self) -> bool:
        """The one rule of a challenge's visibility, for its page (`challenge.view`), the
        list, search, the API, the CSV and OCDS alike: published once (`published_at`) and
        in a public status. A draft cancelled before publication never was public. In
        Python on a challenge, in SQL on the class."""
        return self.status in PUBLIC_STATUSES and self.published_at is not None

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls):
        return and_(cls.status.in_(PUBLIC_STATUSES), cls.published_at.is_not(None))

    def __repr__(self) -> str:
        return f"<Challenge {self.id} {self.status} {self.title!r}>"


class Criterion(db.Model):
    """An evaluation criterion with its weight; a challenge's weights sum to 100."""

    __tablename__ = "criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"),
                                              index=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    weight: Mapped[int]

    challenge: Mapped[Challenge] = relationship(back_populates="criteria")

    __table_args__ = (CheckConstraint("weight >= 1 AND weight <= 100", name="weight_range"),)


class Amendment(db.Model):
    """A public change to a published challenge."""

    __tablename__ = "amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"),
                                              index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[str] = mapped_column(Text)
    # {"field": {"before": ..., "after": ...}} for each changed field
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    challenge: Mapped[Challenge] = relationship(back_populates="amendments")


class Clarification(db.Model):
    """A solver's question and the agency's answer; public once answered, never with the
    asker's identity."""

    __tablename__ = "clarifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"),
                                              index=True)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    asker_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="", server_default="")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    challenge: Mapped[Challenge] = relationship(back_populates="clarifications")

    __table_args__ = (
        CheckConstraint("answered_at IS NULL OR answer <> ''", name="answered_has_answer"),
    )

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

