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
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import Organization
from marketplace.audit.models import AuditEvent
from marketplace.challenges.models import Challenge, Clarification
from marketplace.complaints.models import Complaint
from marketplace.evaluation.models import Award, AwardItem
from marketplace.formatting import score, vnd
from marketplace.i18n import current_language
from marketplace.labels import label
from marketplace.orders.models import Milestone, PilotOrder
from marketplace.outcomes.models import CatalogueEntry, PilotOutcome
from marketplace.payments.models import Payment
from marketplace.phases.models import ChallengePhase
from marketplace.submissions.models import Submission

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


# Events told by another event's sentence: a payment (recorded offline, or confirmed by
# Stripe) is told once, as its milestone being paid ("milestone.paid", same transaction).
FOLDED = {"payment.recorded": "milestone.paid", "payment.succeeded": "milestone.paid"}

MODELS = {"challenges": Challenge, "awards": Award, "pilot_orders": PilotOrder,
          "milestones": Milestone, "payments": Payment, "organizations": Organization,
          "clarifications": Clarification, "complaints": Complaint,
          "pilot_outcomes": PilotOutcome, "catalogue_entries": CatalogueEntry,
          "challenge_phases": ChallengePhase}


# what a sentence reads of its object, loaded with it (not once per event)
OPTIONS = {PilotOrder: (joinedload(PilotOrder.challenge), joinedload(PilotOrder.solver),
                        joinedload(PilotOrder.agency)),
           PilotOutcome: (joinedload(PilotOutcome.order).joinedload(PilotOrder.agency),),
           CatalogueEntry: (joinedload(CatalogueEntry.solver),),
           Challenge: (joinedload(Challenge.agency),),
           Clarification: (joinedload(Clarification.challenge).joinedload(Challenge.agency),),
           Award: (joinedload(Award.challenge).joinedload(Challenge.agency),
                   joinedload(Award.items).joinedload(AwardItem.submission)
                   .joinedload(Submission.organization)),
           ChallengePhase: (joinedload(ChallengePhase.challenge),)}


def _load(session, events: list[AuditEvent]) -> dict[str, dict[int, object]]:
    wanted = defaultdict(set)
    for event in events:
        if event.object_id is not None:
            wanted[event.object_type].add(event.object_id)
    loaded = {}
    for object_type, ids in wanted.items():
        model = MODELS.get(object_type)
        if model is not None:
            loaded[object_type] = {o.id: o for o in session.scalars(
                select(model).where(model.id.in_(ids)).options(*OPTIONS.get(model, ())))
                .unique()}
    return loaded


def _challenge(event, c: Challenge, locale, external):
    values = {"agency": c.agency.display_name(locale), "title": c.title}
    sentences = {
        "challenge.published": lambda: _("%(agency)s published the challenge “%(title)s”.",
                                         **values),
        "challenge.amended": lambda: _("%(agency)s amended the challenge “%(title)s”.",
                                       **values),
        "challenge.closed": lambda: _("The challenge “%(title)s” closed for solutions.",
                                      **values),
        "challenge.opening_record": lambda: _("The opening record of “%(title)s” was "
                                              "published.", **values),
        "challenge.evaluation_reopened": lambda: _(
            "After an upheld complaint, the solutions to “%(title)s” are evaluated again.",
            **values),
        "challenge.evaluating": lambda: _("%(agency)s started evaluating the solutions to "
                                          "“%(title)s”.", **values),
        "challenge.awarded": lambda: _("The challenge “%(title)s” was awarded.", **values),
        "challenge.cancelled": lambda: _("%(agency)s cancelled the challenge “%(title)s”.",
                                         **values),
    }
    return sentences[event.action](), _url("challenges.show", external,
                                           challenge_id=c.id)


def _clarification(event, clarification: Clarification, locale, external):
    c = clarification.challenge
    return (_("%(agency)s answered a question about the challenge “%(title)s”.",
              agency=c.agency.display_name(locale), title=c.title),
            _url("challenges.show", external, challenge_id=c.id))


def _award(event, award: Award, locale, external):
    winners = ", ".join(item.submission.organization.display_name(locale)
                        for item in award.items)
    if award.phase > 1:  # a down-selection of a phased challenge (issue 17)
        return (_("%(agency)s carried %(winners)s into phase %(n)d of “%(title)s” "
                  "(%(amount)s).", agency=award.challenge.agency.display_name(locale),
                  winners=winners, n=award.phase, title=award.challenge.title,
                  amount=vnd(award.total_amount)),
                _url("phases.funnel", external, challenge_id=award.challenge_id))
    return (_("%(agency)s awarded “%(title)s” to %(winners)s (%(amount)s).",
              agency=award.challenge.agency.display_name(locale), title=award.challenge.title,
              winners=winners, amount=vnd(award.total_amount)),
            _url("challenges.show", external, challenge_id=award.challenge_id))


def _order(event, order: PilotOrder, locale, external):
    values = {"number": order.contract_number, "title": order.challenge.title,
              "solver": order.solver.display_name(locale),
              "agency": order.agency.display_name(locale)}
    after = event.after or {}
    sentences = {
        "order.signed": lambda: _("%(solver)s signed pilot order %(number)s for “%(title)s”.",
                                  **values),
        "order.active": lambda: _("%(agency)s countersigned pilot order %(number)s with "
                                  "%(solver)s: the pilot has started.", **values),
        "order.completed": lambda: _("Pilot order %(number)s with %(solver)s was completed.",
                                     **values),
        "order.terminated": lambda: _("Pilot order %(number)s with %(solver)s was terminated.",
                                      **values),
        "order.amended": lambda: _("%(agency)s and %(solver)s amended pilot order "
                                   "%(number)s.", **values),
        "order.scale_up": lambda: (
            _("%(agency)s recommends the solution of pilot order %(number)s (%(solver)s) for "
              "scale-up.", **values) if after.get("recommended") else
            _("%(agency)s does not recommend the solution of pilot order %(number)s "
              "(%(solver)s) for scale-up.", **values)),
        "order.rated_by_agency": lambda: _(
            "%(agency)s rated the results of pilot order %(number)s: %(average)s / 5.",
            average=score(after.get("average")), **values),
        "order.sandbox": lambda: _(
            "%(agency)s recorded the controlled-testing permission (sandbox) of pilot order "
            "%(number)s.", **values),
        "order.rated_by_solver": lambda: _(
            "%(solver)s rated %(agency)s as the buyer of pilot order %(number)s: "
            "%(average)s / 5.", average=score(after.get("average")), **values),
    }
    return sentences[event.action](), _url("orders.show", external, order_id=order.id)


def _milestone(event, milestone: Milestone, locale, external):
    values = {"deliverable": milestone.deliverable, "number": milestone.order.contract_number,
              "amount": vnd(milestone.amount),
              "agency": milestone.order.agency.display_name(locale)}
    sentences = {
        "milestone.accepted": lambda: _("%(agency)s accepted the milestone “%(deliverable)s” "
                                        "of pilot order %(number)s.", **values),
        "milestone.paid": lambda: _("The milestone “%(deliverable)s” of pilot order "
                                    "%(number)s was paid: %(amount)s.", **values),
    }
    return sentences[event.action](), _url("orders.show", external,
                                           order_id=milestone.order_id)


def _organization(event, org: Organization, locale, external):
    return (_("%(organization)s was verified as a %(kind)s.",
              organization=org.display_name(locale), kind=label(org.kind)), None)


def _complaint(event, complaint: Complaint, locale, external):
    """Issue 19: the register's events, never naming the complainant before the decision."""
    title = complaint.challenge.title
    sentences = {
        "complaint.filed": lambda: _("A bidder filed a complaint about “%(title)s”.",
                                     title=title),
        "complaint.under_review": lambda: _("A complaint about “%(title)s” is under review.",
                                            title=title),
        "complaint.withdrawn": lambda: _("A complaint about “%(title)s” was withdrawn.",
                                         title=title),
        "complaint.upheld": lambda: _("A complaint about “%(title)s” was upheld.",
                                      title=title),
        "complaint.dismissed": lambda: _("A complaint about “%(title)s” was dismissed.",
                                         title=title),
    }
    return sentences[event.action](), _url("complaints.register", external,
                                           challenge=complaint.challenge_id)


def _outcome(event, outcome: PilotOutcome, locale, external):
    order = outcome.order
    return (_("%(agency)s published the outcome of pilot order %(number)s: %(result)s.",
              agency=order.agency.display_name(locale), number=order.contract_number,
              result=label(outcome.result)),
            _url("orders.show", external, order_id=order.id))


def _entry(event, entry: CatalogueEntry, locale, external):
    values = {"title": entry.title, "solver": entry.solver.display_name(locale)}
    sentences = {
        "catalogue.offer": lambda: _("%(solver)s updated its follow-on offer for “%(title)s”.",
                                     **values),
        "catalogue.confirmed": lambda: _("The agency confirmed the results of “%(title)s” in "
                                         "the catalogue of proven solutions.", **values),
        "catalogue.listed": lambda: _("“%(title)s” (%(solver)s) is listed in the catalogue "
                                      "of proven solutions.", **values),
        "catalogue.withdrawn": lambda: _("%(solver)s withdrew its follow-on offer for "
                                         "“%(title)s”.", **values),
    }
    return sentences[event.action](), _url("catalogue.entry", external, entry_id=entry.id)


def _award_annulled(event, award: Award, locale, external):
    return (_("The award on “%(title)s” was annulled after a complaint.",
              title=award.challenge.title),
            _url("challenges.show", external, challenge_id=award.challenge_id))


def _phase(event, phase: ChallengePhase, locale, external):
    values = {"n": phase.number, "name": phase.name, "title": phase.challenge.title}
    sentences = {
        "phase.opened": lambda: _("“%(title)s”: the results deciding who enters phase "
                                  "%(n)d (%(name)s) are now being handed in.", **values),
        "phase.evaluating": lambda: _("“%(title)s”: the results for phase %(n)d (%(name)s) "
                                      "are under evaluation.", **values),
        "phase.selected": lambda: _("“%(title)s”: the solvers of phase %(n)d (%(name)s) "
                                    "were selected.", **values),
        "phase.selection_reopened": lambda: _(
            "“%(title)s”: the selection into phase %(n)d (%(name)s) was annulled after a "
            "complaint and is evaluated again.", **values),
    }
    return (sentences[event.action](),
            _url("phases.funnel", external, challenge_id=phase.challenge_id))


# Each public event kind → (the model of its object, the function telling it). A public
# kind missing here is told by a generic sentence, which tests/test_activity.py refuses.
SENTENCES = {
    **{kind: (Challenge, _challenge) for kind in (
        "challenge.published", "challenge.amended", "challenge.closed",
        "challenge.evaluating", "challenge.awarded", "challenge.cancelled",
        "challenge.opening_record", "challenge.evaluation_reopened")},
    **{kind: (Complaint, _complaint) for kind in (
        "complaint.filed", "complaint.under_review", "complaint.withdrawn",
        "complaint.upheld", "complaint.dismissed")},
    "award.annulled": (Award, _award_annulled),
    "clarification.answered": (Clarification, _clarification),
    "award.approved": (Award, _award),
    **{kind: (PilotOrder, _order) for kind in (
        "order.signed", "order.active", "order.completed", "order.terminated",
        "order.amended", "order.scale_up", "order.rated_by_agency", "order.rated_by_solver",
        "order.sandbox")},
    "outcome.published": (PilotOutcome, _outcome),
    **{kind: (CatalogueEntry, _entry) for kind in (
        "catalogue.offer", "catalogue.confirmed", "catalogue.listed", "catalogue.withdrawn")},
    "milestone.accepted": (Milestone, _milestone),
    "milestone.paid": (Milestone, _milestone),
    "organization.verified": (Organization, _organization),
    **{kind: (ChallengePhase, _phase) for kind in (
        "phase.opened", "phase.evaluating", "phase.selected", "phase.selection_reopened")},
}


def _describe(event: AuditEvent, loaded, external: bool) -> tuple[str, str | None]:
    locale = current_language()
    obj = loaded.get(event.object_type, {}).get(event.object_id)
    model, tell = SENTENCES.get(event.action, (None, None))
    if tell is not None and isinstance(obj, model):
        return tell(event, obj, locale, external)
    return _("A public record was updated (%(action)s).", action=event.action), None


def activity_page(session, *, before: int | None = None, limit: int = PAGE_SIZE,
                  external: bool = False) -> ActivityPage:
    """Newest first, `limit` events older than event #`before` (keyset pagination)."""
    query = select(AuditEvent).where(AuditEvent.public.is_(True),
                                     AuditEvent.action.not_in(FOLDED))
    if before is not None:
        query = query.where(AuditEvent.id < before)
    events = list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    more = len(events) > limit
    events = events[:limit]
    return ActivityPage(describe(session, events, external=external),
                        events[-1].id if more else None)


def describe(session, events: list[AuditEvent], *, external: bool = False
             ) -> list[ActivityItem]:
    """Public audit events told as sentences with their links (absolute with
    `external`), in the order given; the objects they name are loaded in one query per
    kind. Also used by the alerts' mail and feeds (`marketplace.alerts.news`)."""
    loaded = _load(session, events)
    items = []
    for event in events:
        text, link = _describe(event, loaded, external)
        items.append(ActivityItem(event.id, event.created_at, event.action, text, link))
    return items
