from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import labels
from marketplace.accounts.models import Organization
from marketplace.challenges.models import Challenge
from marketplace.evaluation.models import AwardItem
from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column, utcnow


class OrderStatus(StrEnum):
    DRAFT = "draft"
    OFFERED = "offered"
    SIGNED = "signed"  # by the solver; waiting for the agency's countersignature
    ACTIVE = "active"
    COMPLETED = "completed"
    TERMINATED = "terminated"


labels.register(OrderStatus, {
    OrderStatus.DRAFT: _l("Draft"), OrderStatus.OFFERED: _l("Offered to the solver"),
    OrderStatus.SIGNED: _l("Signed by the solver"), OrderStatus.ACTIVE: _l("Active"),
    OrderStatus.COMPLETED: _l("Completed"), OrderStatus.TERMINATED: _l("Terminated"),
})

class OrderKind(StrEnum):
    PILOT = "pilot"  # carries out an award of a challenge
    FOLLOW_ON = "follow_on"  # bought again from a catalogue entry (issue 17)


labels.register(OrderKind, {OrderKind.PILOT: _l("Pilot order"),
                            OrderKind.FOLLOW_ON: _l("Follow-on order")})

PUBLIC_ORDER_STATUSES = (OrderStatus.ACTIVE, OrderStatus.COMPLETED, OrderStatus.TERMINATED,
                         OrderStatus.SIGNED)


class PilotOrder(db.Model):
    """The early-customer contract between the agency and an awarded solver."""

    __tablename__ = "pilot_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrderKind] = mapped_column(
        enum_column(OrderKind, "order_kind"), default=OrderKind.PILOT,
        server_default=OrderKind.PILOT.value)
    # a pilot carries out an award item; a follow-on order has none
    award_item_id: Mapped[int | None] = mapped_column(ForeignKey("award_items.id"), unique=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    solver_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    contract_number: Mapped[str] = mapped_column(String(60))
    value: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    terms: Mapped[str] = mapped_column(Text, default="", server_default="")  # confidential
    status: Mapped[OrderStatus] = mapped_column(
        enum_column(OrderStatus, "order_status"), default=OrderStatus.DRAFT,
        server_default=OrderStatus.DRAFT.value)
    version: Mapped[int] = mapped_column(default=1, server_default="1")  # +1 per amendment
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the solver owner's signature: typed name, time, SHA-256 of the exact terms shown
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    signed_terms_sha256: Mapped[str | None] = mapped_column(String(64))
    # the agency approver's countersignature
    active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    countersigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    countersigner_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    countersigned_terms_sha256: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    terminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    termination_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    scale_up_recommended: Mapped[bool | None]
    follow_on_plan: Mapped[str] = mapped_column(Text, default="", server_default="")
    # a follow-on order (issue 17): the proven pilot it buys again, how much, why
    follows_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("pilot_orders.id"), index=True)
    quantity: Mapped[int | None]
    scope: Mapped[str] = mapped_column(Text, default="", server_default="")
    justification: Mapped[str] = mapped_column(Text, default="", server_default="")
    # the agency approver's second signature, when the value is above its threshold
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # a controlled-testing permission (sandbox) the pilot cites; public with the order
    sandbox_decision: Mapped[str] = mapped_column(String(100), default="", server_default="")
    sandbox_issuer: Mapped[str] = mapped_column(String(300), default="", server_default="")
    sandbox_scope: Mapped[str] = mapped_column(Text, default="", server_default="")
    sandbox_starts_on: Mapped[date | None] = mapped_column(Date)
    sandbox_ends_on: Mapped[date | None] = mapped_column(Date)
    # citizens' feedback (marketplace.feedback), kept as totals on the order so that the
    # order's own row carries its citizens' index: ratings received, their sum (1–5
    # each), comments the agency rejected. Changed only by `feedback.services`.
    citizen_ratings: Mapped[int] = mapped_column(default=0, server_default="0")
    citizen_rating_sum: Mapped[int] = mapped_column(default=0, server_default="0")
    citizen_comments_rejected: Mapped[int] = mapped_column(default=0, server_default="0")

    award_item: Mapped[AwardItem | None] = relationship()
    follows: Mapped[PilotOrder | None] = relationship(
        remote_side="PilotOrder.id", foreign_keys=[follows_order_id],
        backref=db.backref("follow_ons", order_by="PilotOrder.id"))
    challenge: Mapped[Challenge] = relationship()
    agency: Mapped[Organization] = relationship(foreign_keys=[agency_id])
    solver: Mapped[Organization] = relationship(foreign_keys=[solver_id])
    kpis: Mapped[list[Kpi]] = relationship(back_populates="order", order_by="Kpi.position",
                                           cascade="all, delete-orphan")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="order", order_by="Milestone.position", cascade="all, delete-orphan")
    ratings: Mapped[list[Rating]] = relationship(back_populates="order",
                                                 cascade="all, delete-orphan")
    amendments: Mapped[list[OrderAmendment]] = relationship(
        back_populates="order", order_by="OrderAmendment.version", cascade="all, delete-orphan")

    @hybrid_property
    def is_public(self) -> bool:
        """The one rule of an order's visibility, for the page (`order.view`), the API,
        the CSV, OCDS, search and the activity stream alike: public once the solver has
        signed it; an order never signed (a draft, an offer, an offer terminated before
        anyone signed) is the two parties' business only. In Python on an order, in SQL
        on the class (`select(PilotOrder).where(PilotOrder.is_public)`)."""
        return self.status in PUBLIC_ORDER_STATUSES and self.signed_at is not None

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls):
        return and_(cls.status.in_(PUBLIC_ORDER_STATUSES), cls.signed_at.is_not(None))

    __table_args__ = (
        UniqueConstraint("agency_id", "contract_number"),
        CheckConstraint("value > 0", name="value_positive"),
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        CheckConstraint("status <> 'terminated' OR termination_reason <> ''",
                        name="terminated_has_reason"),
        CheckConstraint("status NOT IN ('signed', 'active', 'completed') OR "
                        "signed_terms_sha256 IS NOT NULL", name="signed_has_signature"),
        CheckConstraint("status NOT IN ('active', 'completed') OR "
                        "countersigned_terms_sha256 IS NOT NULL",
                        name="active_has_countersignature"),
    )


class Kpi(db.Model):
    """A success metric of the pilot, with its target."""

    __tablename__ = "kpis"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("pilot_orders.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    name: Mapped[str] = mapped_column(String(300))
    target: Mapped[str] = mapped_column(String(300))

    order: Mapped[PilotOrder] = relationship(back_populates="kpis")


class MilestoneStatus(StrEnum):
    PLANNED = "planned"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    PAID = "paid"


labels.register(MilestoneStatus, {
    MilestoneStatus.PLANNED: _l("Planned"), MilestoneStatus.DELIVERED: _l("Delivered"),
    MilestoneStatus.ACCEPTED: _l("Accepted"), MilestoneStatus.PAID: _l("Paid"),
})


class Milestone(db.Model):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("pilot_orders.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    deliverable: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[MilestoneStatus] = mapped_column(
        enum_column(MilestoneStatus, "milestone_status"), default=MilestoneStatus.PLANNED,
        server_default=MilestoneStatus.PLANNED.value)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_rejection_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    order: Mapped[PilotOrder] = relationship(back_populates="milestones")
    # issue 21: read with a query of their own (`orders.queries.party_view`, one for all
    # the order's milestones), never one milestone at a time by accident
    deliveries: Mapped[list[MilestoneDelivery]] = relationship(
        back_populates="milestone", order_by="MilestoneDelivery.delivered_at",
        cascade="all, delete-orphan", lazy="raise", passive_deletes=True)

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status <> 'paid' OR (accepted_at IS NOT NULL AND paid_at IS NOT NULL)",
                        name="paid_was_accepted"),
    )


class MilestoneDelivery(db.Model):
    """The solver's report of a delivery, with evidence files, and the agency's verdict."""

    __tablename__ = "milestone_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"),
                                              index=True)
    notes: Mapped[str] = mapped_column(Text)
    delivered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verdict: Mapped[str | None] = mapped_column(String(10))  # accepted | rejected
    verdict_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    milestone: Mapped[Milestone] = relationship(back_populates="deliveries")

    __table_args__ = (
        CheckConstraint("verdict IS NULL OR verdict IN ('accepted', 'rejected')",
                        name="verdict_values"),
        CheckConstraint("verdict IS NULL OR verdict <> 'rejected' OR verdict_reason <> ''",
                        name="rejection_has_reason"),
    )


class OrderAmendment(db.Model):
    """A change of value, dates or milestones after signing; both sides sign again."""

    __tablename__ = "order_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("pilot_orders.id", ondelete="CASCADE"),
                                          index=True)
    version: Mapped[int]
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    terms_sha256: Mapped[str] = mapped_column(String(64))
    solver_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    solver_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agency_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agency_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    order: Mapped[PilotOrder] = relationship(back_populates="amendments")

    __table_args__ = (UniqueConstraint("order_id", "version"),)

    @property
    def in_effect(self) -> bool:
        return self.solver_signed_at is not None and self.agency_signed_at is not None


class RatingSide(StrEnum):
    AGENCY = "agency"  # the agency rates the pilot's results
    SOLVER = "solver"  # the solver rates the agency


class Rating(db.Model):
    """Satisfaction once the order completes; `average` (1–5) feeds the dashboard."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("pilot_orders.id", ondelete="CASCADE"),
                                          index=True)
    side: Mapped[RatingSide] = mapped_column(enum_column(RatingSide, "rating_side"))
    # agency: {"kpi:<id>": 1-5, ...}; solver: {"fairness": n, "clarity": n, "payment_speed": n}
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    average: Mapped[Decimal] = mapped_column(Numeric(3, 2))
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    rated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[PilotOrder] = relationship(back_populates="ratings")

    __table_args__ = (
        UniqueConstraint("order_id", "side"),
        CheckConstraint("average >= 1 AND average <= 5", name="average_range"),
    )
