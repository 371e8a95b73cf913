"""How challenge values read on a page: the countdown in words, amended fields."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from marketplace.accounts.models import OrgKind
from marketplace.i18n import local_datetime, vnd
from marketplace.labels import label
from marketplace.types import utcnow

FIELD_LABELS = {
    "title": _l("Title"), "problem": _l("Problem statement"),
    "expected_outcomes": _l("Expected outcomes"),
    "technology_group_id": _l("Strategic technology group"), "sector": _l("Sector"),
    "pilot_site": _l("Pilot site"), "province": _l("Province or city"),
    "budget_ceiling": _l("Budget ceiling"), "pilot_duration_months": _l("Pilot duration"),
    "eligible_kinds": _l("Who may submit solutions"),
    "consortia_allowed": _l("Consortia are allowed"),
    "parallel_pilots_allowed": _l("Several solvers may pilot in parallel"),
    "blind_review": _l("Blind review"), "min_evaluators": _l("Minimum number of evaluators"),
    "clarification_deadline": _l("Deadline for questions"),
    "submission_deadline": _l("Submission deadline"), "criteria": _l("Evaluation criteria"),
    "attachments": _l("Documents"),
}
SHOWN_IN_FULL = {"budget_ceiling", "clarification_deadline", "submission_deadline",
                 "pilot_duration_months", "min_evaluators", "consortia_allowed",
                 "parallel_pilots_allowed", "blind_review", "eligible_kinds", "criteria",
                 "sector", "pilot_site", "province", "title", "attachments"}


def countdown(deadline: datetime | None, now: datetime | None = None) -> str:
    """"còn 3 ngày 4 giờ", or "closed" once the deadline has passed."""
    if deadline is None:
        return "—"
    left = deadline - (now or utcnow())
    if left.total_seconds() <= 0:
        return _("closed")
    days, hours = left.days, left.seconds // 3600
    minutes = max(1, (left.seconds % 3600) // 60) if not (days or hours) else \
        (left.seconds % 3600) // 60
    if days:
        parts = [ngettext("%(num)d day", "%(num)d days", days)]
        if hours:
            parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    elif hours:
        parts = [ngettext("%(num)d hour", "%(num)d hours", hours)]
        if minutes:
            parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    else:
        parts = [ngettext("%(num)d minute", "%(num)d minutes", minutes)]
    return _("%(time)s left", time=" ".join(parts))


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def amended_value(value, name: str) -> str:
    """One side of an amended field, readable; long texts are not repeated."""
    if name not in SHOWN_IN_FULL:
        return ""
    if value is None or value == "" or value == []:
        return "—"
    if name == "budget_ceiling":
        return vnd(value)
    if name.endswith("_deadline"):
        return local_datetime(datetime.fromisoformat(value), "short")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "pilot_duration_months":
        return ngettext("%(num)d month", "%(num)d months", value)
    if name == "eligible_kinds":
        return ", ".join(solver_kind(k) for k in value)
    if name == "criteria":
        return "; ".join(f"{c['name']} ({c['weight']}%)" for c in value)
    return str(value)


def solver_kind(value: str) -> str:
    return label(OrgKind(value)) if value in OrgKind._value2member_map_ else value


def register_filters(bp: Blueprint) -> None:
    bp.add_app_template_filter(solver_kind, "solver_kind")
    bp.add_app_template_filter(countdown, "countdown")
    bp.add_app_template_filter(amended_value, "amended_value")
    bp.add_app_template_global(field_label, "field_label")
