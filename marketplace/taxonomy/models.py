from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.types import UTCDateTime, utcnow


class TaxonomyVersion(db.Model):
    """One official list of strategic technology groups (e.g. Decision 1131/QĐ-TTg, 2025)."""

    __tablename__ = "taxonomy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision: Mapped[str] = mapped_column(String(120), unique=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    groups: Mapped[list[TechnologyGroup]] = relationship(
        back_populates="version", order_by="TechnologyGroup.position"
    )

    def is_current(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)


class TechnologyGroup(db.Model):
    """A strategic technology group. Challenges keep the group they were tagged with,
    even after a newer version of the list replaces it."""

    __tablename__ = "technology_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("taxonomy_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    confirmed: Mapped[bool] = mapped_column(default=True, server_default=true())

    version: Mapped[TaxonomyVersion] = relationship(back_populates="groups")

    __table_args__ = (UniqueConstraint("version_id", "code"),)

    def display_name(self, locale: str = "vi") -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi
