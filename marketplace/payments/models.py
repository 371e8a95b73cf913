from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import labels
from marketplace.extensions import db
from marketplace.orders.models import Milestone
from marketplace.types import UTCDateTime, enum_column, utcnow


class PaymentMethod(StrEnum):
    OFFLINE = "offline"  # e.g. a State Treasury transfer, recorded by the agency
    STRIPE = "stripe"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"  # its PaymentIntent cancelled: abandoned, or replaced by a new one
    REFUND_DUE = "refund_due"  # money Stripe captured that pays nothing: to give back
    REFUNDED = "refunded"  # given back through the gateway


labels.register(PaymentMethod, {
    PaymentMethod.OFFLINE: _l("Bank or State Treasury transfer"),
    PaymentMethod.STRIPE: _l("Stripe"),
})
labels.register(PaymentStatus, {
    PaymentStatus.PENDING: _l("Pending"), PaymentStatus.SUCCEEDED: _l("Paid"),
    PaymentStatus.FAILED: _l("Failed"), PaymentStatus.CANCELLED: _l("Cancelled"),
    PaymentStatus.REFUND_DUE: _l("Received but not owed: to be refunded"),
    PaymentStatus.REFUNDED: _l("Refunded"),
})


class Payment(db.Model):
    """A payment for one accepted milestone. At most one pending-or-succeeded payment per
    milestone (a partial unique index): a double click or a retried webhook stores once.
    Its status moves only through `PAYMENT_LIFECYCLE` (`marketplace/payments/states.py`)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("pilot_orders.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="VND", server_default="VND")
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod, "payment_method"))
    status: Mapped[PaymentStatus] = mapped_column(
        enum_column(PaymentStatus, "payment_status"), default=PaymentStatus.PENDING,
        server_default=PaymentStatus.PENDING.value)
    reference: Mapped[str] = mapped_column(String(120), default="", server_default="")
    paid_on: Mapped[date | None] = mapped_column(Date)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    # a State Treasury payment (offline): what its payment order says (payments.treasury)
    treasury_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    budget_unit_code: Mapped[str] = mapped_column(String(7), default="", server_default="")
    payment_order_number: Mapped[str] = mapped_column(String(50), default="",
                                                      server_default="")
    payment_order_date: Mapped[date | None] = mapped_column(Date)
    failure_message: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    milestone: Mapped[Milestone] = relationship()

    __table_args__ = (
        Index("uq_payments_one_live_per_milestone", "milestone_id", unique=True,
              sqlite_where=text("status IN ('pending', 'succeeded')"),
              postgresql_where=text("status IN ('pending', 'succeeded')")),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status <> 'succeeded' OR succeeded_at IS NOT NULL",
                        name="succeeded_has_time"),
    )


class StripeEvent(db.Model):
    """Each Stripe event id is stored once: a duplicate delivery changes nothing."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
