"""The strategic technology taxonomy: versions of the official list, edited by admins."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace import policy
from marketplace.audit.services import record
from marketplace.errors import DomainError
from marketplace.taxonomy.models import TaxonomyVersion, TechnologyGroup


def versions(session) -> list[TaxonomyVersion]:
    return list(session.scalars(
        select(TaxonomyVersion).options(selectinload(TaxonomyVersion.groups))
        .order_by(TaxonomyVersion.valid_from.desc())
    ))


def current_version(session, on: date | None = None) -> TaxonomyVersion | None:
    on = on or date.today()
    return session.scalar(
        select(TaxonomyVersion)
        .where(TaxonomyVersion.valid_from <= on)
        .where((TaxonomyVersion.valid_to.is_(None)) | (TaxonomyVersion.valid_to > on))
        .order_by(TaxonomyVersion.valid_from.desc()).limit(1)
    )


def current_groups(session, on: date | None = None) -> list[TechnologyGroup]:
    """The groups a new challenge may be tagged with today."""
    version = current_version(session, on)
    if version is None:
        return []
    return list(session.scalars(select(TechnologyGroup).where(
        TechnologyGroup.version_id == version.id).order_by(TechnologyGroup.position)))


def _check_dates(valid_from: date, valid_to: date | None) -> None:
    if valid_to is not None and valid_to <= valid_from:
        raise DomainError(_("The end date must come after the start date."), field="valid_to")


def create_version(session, admin, *, decision: str, valid_from: date,
                   valid_to: date | None = None, copy_from: TaxonomyVersion | None = None
                   ) -> TaxonomyVersion:
    """A new official list; optionally starting as a copy of an earlier one, which then
    ends where the new one begins."""
    policy.require(admin, "taxonomy.edit")
    decision = decision.strip()
    _check_dates(valid_from, valid_to)
    if session.scalar(select(func.count()).select_from(TaxonomyVersion)
                      .where(TaxonomyVersion.decision == decision)):
        raise DomainError(_("A version from this decision already exists."), field="decision")
    version = TaxonomyVersion(decision=decision, valid_from=valid_from, valid_to=valid_to)
    session.add(version)
    session.flush()
    if copy_from is not None:
        for group in copy_from.groups:
            session.add(TechnologyGroup(version=version, code=group.code, position=group.position,
                                        name_vi=group.name_vi, name_en=group.name_en,
                                        confirmed=group.confirmed))
        if copy_from.valid_to is None or copy_from.valid_to > valid_from:
            copy_from.valid_to = valid_from
    session.flush()
    record(session, admin, "taxonomy.version_created", version,
           after={"decision": decision, "valid_from": valid_from, "valid_to": valid_to,
                  "copied_from": copy_from.id if copy_from else None})
    return version


def save_group(session, admin, version: TaxonomyVersion, *, code: str, name_vi: str,
               name_en: str, confirmed: bool, group: TechnologyGroup | None = None
               ) -> TechnologyGroup:
    policy.require(admin, "taxonomy.edit")
    code = code.strip()
    clash = session.scalar(select(TechnologyGroup.id).where(
        TechnologyGroup.version_id == version.id, TechnologyGroup.code == code))
    if clash is not None and (group is None or clash != group.id):
        raise DomainError(_("This code is already used in this version."), field="code")
    before = None
    if group is None:
        position = session.scalar(select(func.coalesce(func.max(TechnologyGroup.position), 0))
                                  .where(TechnologyGroup.version_id == version.id)) + 1
        group = TechnologyGroup(version=version, position=position)
        session.add(group)
    else:
        before = {"code": group.code, "name_vi": group.name_vi, "name_en": group.name_en,
                  "confirmed": group.confirmed}
    group.code, group.name_vi, group.name_en = code, name_vi.strip(), name_en.strip()
    group.confirmed = confirmed
    session.flush()
    record(session, admin, "taxonomy.group_saved", group, before=before,
           after={"code": code, "name_vi": group.name_vi, "name_en": group.name_en,
                  "confirmed": confirmed, "version_id": version.id})
    return group
