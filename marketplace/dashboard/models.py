"""The dashboard's figures kept up to date by the changes that move them (issue 21).

- `DashboardCounter`: one number per cell of the filters (agency, province of the pilot,
  technology group, year of publication in Viet Nam) and figure (`metric`, `key`), e.g.
  ("status", "open") = 12 challenges, ("paid", "2025-06") = 300,000,000 đồng, and at
  each roll-up of those cells (-1 / "*" for "any": `counters.ALL`), so that a filter
  set's figures are one cell's rows. 0 / "" stand for "none" in a cell (a challenge
  without a group or province), so the cell is a plain unique key.
- `DashboardChallenge`: each challenge's own contribution to the counters (its cell and
  its numbers, as JSON), the "before" of the next change: a change adds the difference
  between the challenge's new contribution and this one.
- `DashboardDuration`: the durations behind the two medians (days from publication to
  award per challenge, from acceptance to payment per paid milestone), with their cell;
  a median cannot be kept as a counter, so it is read from here in one indexed query.

Maintained by `marketplace.dashboard.counters`; rebuilt from scratch by `flask dashboard
rebuild` (and by the migration that created them)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db


class DashboardCounter(db.Model):
    __tablename__ = "dashboard_counters"

    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province: Mapped[str] = mapped_column(String(100), primary_key=True)  # "" for none
    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 for none
    year: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 for none
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_dashboard_counters_metric", "metric", "key"),
                      Index("ix_dashboard_counters_level", "agency_id", "province", "year",
                            "group_id"))


class DashboardChallenge(db.Model):
    __tablename__ = "dashboard_challenges"

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    # {"cell": [agency_id, province, group_id, year], "counts": {"metric|key": n}}
    facts: Mapped[dict] = mapped_column(JSON, default=dict)


class DashboardDuration(db.Model):
    __tablename__ = "dashboard_durations"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "award" or "payment"
    agency_id: Mapped[int] = mapped_column(Integer)
    province: Mapped[str] = mapped_column(String(100))
    group_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    days: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_dashboard_durations_kind_days", "kind", "days"),)
