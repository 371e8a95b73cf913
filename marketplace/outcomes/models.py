"""Issue 17: what a pilot proved, the catalogue of proven solutions, follow-on orders.

- `PilotOutcome`: the agency's record, once a pilot order completes or is terminated, of
  the result against each KPI (`KpiResult`, with evidence files) and the outcome:
  proven, not proven with the research risk accepted (Law 93/2025/QH15 accepts that risk
  and exempts compliant teams: shown without blame), or terminated. Public once published,
  with the lessons learned.
- `CatalogueEntry`: every proven pilot becomes one; the solver's owner writes the
  follow-on offer (unit, reference price in đồng, conditions, validity), the agency that
  ran the pilot confirms the facts. A follow-on order is a `PilotOrder` of kind
  `follow_on` pointing to its entry (`marketplace/orders/models.py`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import labels
from marketplace.accounts.models import Organization
from marketplace.extensions import db
from marketplace.orders.models import Kpi, PilotOrder
from marketplace.types import UTCDateTime, enum_column, utcnow


class OutcomeStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class OutcomeResult(StrEnum):
    PROVEN = "proven"
    NOT_PROVEN = "not_proven"  # research risk accepted
    TERMINATED = "terminated"


class KpiVerdict(StrEnum):
    MET = "met"
    PARTLY_MET = "partly_met"
    NOT_MET = "not_met"


class EntryStatus(StrEnum):
    PENDING = "pending"  # waiting for the solver's offer and the agency's confirmation
    LISTED = "listed"  # open to follow-on orders while the offer is valid
    WITHDRAWN = "withdrawn"  # the solver withdrew its offer; the record stays public


labels.register(OutcomeStatus, {
    OutcomeStatus.DRAFT: _l("Draft"), OutcomeStatus.PUBLISHED: _l("Published"),
})
labels.register(OutcomeResult, {
    OutcomeResult.PROVEN: _l("Proven"),
    OutcomeResult.NOT_PROVEN: _l("Not proven, research risk accepted"),
    OutcomeResult.TERMINATED: _l("Terminated"),
})
labels.register(KpiVerdict, {
    KpiVerdict.MET: _l("Met"), KpiVerdict.PARTLY_MET: _l("Partly met"),
    KpiVerdict.NOT_MET: _l("Not met"),
})
labels.register(EntryStatus, {
    EntryStatus.PENDING: _l("Awaiting the offer and confirmation"),
    EntryStatus.LISTED: _l("Listed"), EntryStatus.WITHDRAWN: _l("Offer withdrawn"),
})


class PilotOutcome(db.Model):
    """What a completed (or terminated) pilot order proved; one per order."""

    __tablename__ = "pilot_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("pilot_orders.id", ondelete="CASCADE"), unique=True)
    status: Mapped[OutcomeStatus] = mapped_column(
        enum_column(OutcomeStatus, "outcome_status"), default=OutcomeStatus.DRAFT,
        server_default=OutcomeStatus.DRAFT.value)
    result: Mapped[OutcomeResult] = mapped_column(enum_column(OutcomeResult, "outcome_result"))
    lessons: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[PilotOrder] = relationship(
        backref=db.backref("outcome", uselist=False, cascade="all, delete-orphan"))
    kpi_results: Mapped[list[KpiResult]] = relationship(
        back_populates="outcome", cascade="all, delete-orphan", order_by="KpiResult.id")

    __table_args__ = (
        CheckConstraint("status <> 'published' OR (published_at IS NOT NULL AND lessons <> '')",
                        name="published_has_lessons"),
    )

    @property
    def is_public(self) -> bool:
        return self.status is OutcomeStatus.PUBLISHED


class KpiResult(db.Model):
    """The achieved value of one KPI of the pilot, against its target."""

    __tablename__ = "kpi_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("pilot_outcomes.id", ondelete="CASCADE"), index=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"), index=True)
    achieved: Mapped[str] = mapped_column(String(300))
    verdict: Mapped[KpiVerdict] = mapped_column(enum_column(KpiVerdict, "kpi_verdict"))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")

    outcome: Mapped[PilotOutcome] = relationship(back_populates="kpi_results")
    kpi: Mapped[Kpi] = relationship()

    __table_args__ = (UniqueConstraint("outcome_id", "kpi_id"),)


class CatalogueEntry(db.Model):
    """A proven solution that any verified agency may buy again (a follow-on order)."""

    __tablename__ = "catalogue_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("pilot_outcomes.id", ondelete="CASCADE"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("pilot_orders.id"), unique=True)
    solver_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    status: Mapped[EntryStatus] = mapped_column(
        enum_column(EntryStatus, "catalogue_status"), default=EntryStatus.PENDING,
        server_default=EntryStatus.PENDING.value)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    # the solver owner's follow-on offer
    unit: Mapped[str] = mapped_column(String(80), default="", server_default="")
    reference_price: Mapped[int | None] = mapped_column(BigInteger)  # đồng per unit
    conditions: Mapped[str] = mapped_column(Text, default="", server_default="")
    valid_until: Mapped[date | None] = mapped_column(Date)
    offer_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offer_updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the pilot agency's confirmation of the facts (KPIs, evidence, cost)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    outcome: Mapped[PilotOutcome] = relationship(
        backref=db.backref("entry", uselist=False, cascade="all, delete-orphan"))
    order: Mapped[PilotOrder] = relationship(foreign_keys=[order_id])
    solver: Mapped[Organization] = relationship()

    __table_args__ = (
        CheckConstraint("reference_price IS NULL OR reference_price > 0",
                        name="price_positive"),
        CheckConstraint("status <> 'listed' OR (reference_price IS NOT NULL AND unit <> '' "
                        "AND valid_until IS NOT NULL AND confirmed_at IS NOT NULL)",
                        name="listed_is_complete"),
    )

    def offer_valid_on(self, day: date) -> bool:
        """Whether a follow-on order may be placed on `day` (Viet Nam's calendar)."""
        return (self.status is EntryStatus.LISTED and self.valid_until is not None
                and day <= self.valid_until)
