"""Red flags (dấu hiệu cần lưu ý): computed indicators in the spirit of DOZORRO's risk
indicators, stored by the worker's recomputation (`flags.recompute`), never per request.

A flag says "look here", never "guilty": it names the rule, the record it points at and the
figures that made it fire (`detail`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from marketplace import labels
from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column, utcnow


class FlagKind(StrEnum):
    SINGLE_BID = "single_bid"
    SHORT_PERIOD = "short_period"
    NOT_TOP_RANKED = "not_top_ranked"
    NEAR_CEILING = "near_ceiling"
    MANY_AMENDMENTS = "many_amendments"
    LATE_AMENDMENT = "late_amendment"
    UNPAID_ACCEPTED = "unpaid_accepted"
    UNDECIDED_DELIVERY = "undecided_delivery"
    STALLED_PILOT = "stalled_pilot"
    REPEAT_WINNER = "repeat_winner"


labels.register(FlagKind, {
    FlagKind.SINGLE_BID: _l("Single valid submission"),
    FlagKind.SHORT_PERIOD: _l("Short submission period"),
    FlagKind.NOT_TOP_RANKED: _l("Award not to the top-ranked solution"),
    FlagKind.NEAR_CEILING: _l("Award close to the budget ceiling"),
    FlagKind.MANY_AMENDMENTS: _l("Many amendments"),
    FlagKind.LATE_AMENDMENT: _l("Amendment shortly before the deadline"),
    FlagKind.UNPAID_ACCEPTED: _l("Accepted milestone unpaid"),
    FlagKind.UNDECIDED_DELIVERY: _l("Delivery neither accepted nor rejected"),
    FlagKind.STALLED_PILOT: _l("Stalled pilot"),
    FlagKind.REPEAT_WINNER: _l("Same solver winning repeatedly with the same agency"),
})


class RedFlag(db.Model):
    """One flag raised on a public record. The whole table is rewritten by each
    recomputation; `raised_at` is when the condition began (e.g. the day a milestone's
    30 days ran out), `computed_at` the recomputation that found it."""

    __tablename__ = "red_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FlagKind] = mapped_column(enum_column(FlagKind, "flag_kind"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"),
                                           index=True)
    solver_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("pilot_orders.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("milestones.id", ondelete="CASCADE"))
    # the figures behind the flag, e.g. {"days": 41, "threshold": 30}
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # `challenge.red_flags`, `order.red_flags`: loaded with the record's page
    # (`joinedload`, no query of their own), never lazily in a list
    challenge = relationship("Challenge", backref=backref(
        "red_flags", lazy="raise_on_sql", order_by="RedFlag.id", passive_deletes=True))
    order = relationship("PilotOrder", backref=backref(
        "red_flags", lazy="raise_on_sql", order_by="RedFlag.id", passive_deletes=True))

    __table_args__ = (Index("ix_red_flags_kind", "kind"),)

    def __repr__(self) -> str:
        return f"<RedFlag {self.kind} agency={self.agency_id} challenge={self.challenge_id}>"
