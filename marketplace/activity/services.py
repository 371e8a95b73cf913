"""The public activity stream: public audit events told as sentences.

Only events recorded with `public=True` appear. A sentence names organizations and
public objects (a challenge's title, an order's contract number), never a person."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.challenges.models import Challenge
from marketplace.evaluation.models import Award
from marketplace.i18n import current_language, vnd
from marketplace.orders.models import Milestone, PilotOrder
from marketplace.payments.models import Payment

PAGE_SIZE = 25


@dataclass
class ActivityItem:
    id: int
    created_at: datetime
    action: str
    text: str
    link: str | None


@dataclass
class ActivityPage:
    items: list[ActivityItem]
    next_before: int | None  # the `before` of the next (older) page


def _url(endpoint: str, external: bool, **values) -> str | None:
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, _external=external, **values)


def _load(session, events: list[AuditEvent]) -> dict[str, dict[int, object]]:
    wanted = defaultdict(set)
    for event in events:
        if event.object_id is not None:
            wanted[event.object_type].add(event.object_id)
    models = {"challenges": Challenge, "awards": Award, "pilot_orders": PilotOrder,
              "milestones": Milestone, "payments": Payment}
    loaded = {}
    for object_type, ids in wanted.items():
        model = models.get(object_type)
        if model is not None:
            loaded[object_type] = {o.id: o for o in session.scalars(
                select(model).where(model.id.in_(ids)))}
    return loaded


def _challenge_sentence(action: str, c: Challenge, agency: str) -> str | None:
    values = {"agency": agency, "title": c.title}
    sentences = {
        "challenge.published": _("%(agency)s published the challenge “%(title)s”.", **values),
        "challenge.amended": _("%(agency)s amended the challenge “%(title)s”.", **values),
        "challenge.closed": _("The challenge “%(title)s” closed for solutions.", **values),
        "challenge.evaluating": _("%(agency)s started evaluating the solutions to “%(title)s”.",
                                  **values),
        "challenge.awarded": _("The challenge “%(title)s” was awarded.", **values),
        "challenge.cancelled": _("%(agency)s cancelled the challenge “%(title)s”.", **values),
    }
    return sentences.get(action)


def _order_sentence(action: str, order: PilotOrder, locale: str) -> str | None:
    values = {"number": order.contract_number, "title": order.challenge.title,
              "solver": order.solver.display_name(locale),
              "agency": order.agency.display_name(locale)}
    sentences = {
        "order.signed": _("%(solver)s signed pilot order %(number)s for “%(title)s”.", **values),
        "order.active": _("%(agency)s countersigned pilot order %(number)s with %(solver)s: "
                          "the pilot has started.", **values),
        "order.completed": _("Pilot order %(number)s with %(solver)s was completed.", **values),
        "order.terminated": _("Pilot order %(number)s with %(solver)s was terminated.",
                              **values),
    }
    return sentences.get(action)


def _describe(event: AuditEvent, loaded, external: bool) -> tuple[str, str | None]:
    locale = current_language()
    obj = loaded.get(event.object_type, {}).get(event.object_id)
    text = link = None
    if isinstance(obj, Challenge):
        text = _challenge_sentence(event.action, obj, obj.agency.display_name(locale))
        link = _url("challenges.show", external, challenge_id=obj.id)
    elif isinstance(obj, Award):
        winners = ", ".join(item.submission.organization.display_name(locale)
                            for item in obj.items)
        text = (_("%(agency)s awarded “%(title)s” to %(winners)s (%(amount)s).",
                  agency=obj.challenge.agency.display_name(locale), title=obj.challenge.title,
                  winners=winners, amount=vnd(obj.total_amount))
                if event.action == "award.approved" and winners else None)
        link = _url("challenges.show", external, challenge_id=obj.challenge_id)
    elif isinstance(obj, PilotOrder):
        text = _order_sentence(event.action, obj, locale)
        link = _url("orders.show", external, order_id=obj.id)
    elif isinstance(obj, Milestone | Payment):
        milestone = obj if isinstance(obj, Milestone) else obj.milestone
        values = {"deliverable": milestone.deliverable, "number": milestone.order.contract_number,
                  "amount": vnd(milestone.amount),
                  "agency": milestone.order.agency.display_name(locale)}
        if event.action == "milestone.accepted":
            text = _("%(agency)s accepted the milestone “%(deliverable)s” of pilot order "
                     "%(number)s.", **values)
        elif event.action in ("milestone.paid", "payment.succeeded"):
            text = _("The milestone “%(deliverable)s” of pilot order %(number)s was paid: "
                     "%(amount)s.", **values)
        link = _url("orders.show", external, order_id=milestone.order_id)
    if text is None:
        text = _("A public record was updated (%(action)s).", action=event.action)
    return text, link


def activity_page(session, *, before: int | None = None, limit: int = PAGE_SIZE,
                  external: bool = False) -> ActivityPage:
    """Newest first, `limit` events older than event #`before` (keyset pagination)."""
    query = select(AuditEvent).where(AuditEvent.public.is_(True))
    if before is not None:
        query = query.where(AuditEvent.id < before)
    events = list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    more = len(events) > limit
    events = events[:limit]
    loaded = _load(session, events)
    items = []
    for event in events:
        text, link = _describe(event, loaded, external)
        items.append(ActivityItem(event.id, event.created_at, event.action, text, link))
    return ActivityPage(items, events[-1].id if more else None)
