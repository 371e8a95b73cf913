"""The rules of alerts: following, confirming a visitor's follow, stopping, the one-click
unsubscribe, and the job that mails news and digests (run by the worker,
`jobs.send_alerts`, every minute).

Mail: one per recipient per run for immediate follows, one per period (day, week) for
digests — every follow of that recipient and frequency grouped in it, each under its
own heading — and none when there is no news (the period passes all the same). Each
mail carries its one-click unsubscribe link in the body and in the `List-Unsubscribe`
and `List-Unsubscribe-Post` headers (RFC 8058), and goes through the outbox."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select

from marketplace import policy
from marketplace.accounts.models import Organization, OrgKind, OrgStatus, User
from marketplace.activity.services import describe
from marketplace.alerts import news, tokens
from marketplace.alerts.models import Follow, FollowKind, FollowStatus, Frequency
from marketplace.alerts.states import FOLLOW_LIFECYCLE
from marketplace.audit.services import record
from marketplace.challenges.models import Challenge
from marketplace.errors import DomainError
from marketplace.i18n import local_datetime
from marketplace.lifecycle import transition
from marketplace.notifications.models import NotificationPreference
from marketplace.notifications.outbox import queue
from marketplace.taxonomy.models import TechnologyGroup
from marketplace.types import utcnow
from marketplace.web import absolute_url, public_base_url

PERIOD = {Frequency.IMMEDIATE: timedelta(0), Frequency.DAILY: timedelta(days=1),
          Frequency.WEEKLY: timedelta(days=7)}
SLACK = timedelta(minutes=5)  # a digest run a few minutes early still counts as due


# --- what a follow is about ------------------------------------------------------------

def target_name(session, kind: FollowKind, target_id: int | None, query: str,
                locale: str) -> str | None:
    """The followed thing's name, or None when it is not public (or does not exist)."""
    if kind is FollowKind.CHALLENGE:
        challenge = session.get(Challenge, target_id)
        return challenge.title if challenge is not None and challenge.is_public else None
    if kind is FollowKind.AGENCY:
        org = session.get(Organization, target_id)
        ok = org is not None and org.kind is OrgKind.AGENCY and org.status is OrgStatus.VERIFIED
        return org.display_name(locale) if ok else None
    if kind is FollowKind.GROUP:
        group = session.get(TechnologyGroup, target_id)
        return group.display_name(locale) if group is not None else None
    path, args = news.split(query)
    words = " · ".join(f"{k}={v}" for k, v in args.items(multi=True))
    return (_("challenges: %(filters)s", filters=words) if path == "challenges"
            else _("search: %(filters)s", filters=words))


def label(session, follow: Follow, locale: str) -> str:
    name = target_name(session, follow.kind, follow.target_id, follow.query, locale) or "—"
    return {FollowKind.CHALLENGE: _("Challenge: %(name)s", name=name),
            FollowKind.AGENCY: _("Agency: %(name)s", name=name),
            FollowKind.GROUP: _("Technology group: %(name)s", name=name),
            FollowKind.SEARCH: _("Saved search (%(name)s)", name=name)}[follow.kind]


# --- following ---------------------------------------------------------------------------

def _same(kind, target_id, query):
    return (Follow.kind == kind, Follow.target_id.is_(None) if target_id is None
            else Follow.target_id == target_id, Follow.query == query)


def follow(session, user: User | None, *, kind: FollowKind, target_id: int | None = None,
           query: str = "", frequency: Frequency, email: str | None = None,
           locale: str = "vi") -> Follow:
    """Follow a public challenge, agency, technology group or saved search (`query`,
    from `news.saved_search`). A user's follow is active at once (following the same
    thing again changes its frequency); a visitor's (`email`) waits for the confirmation
    link, mailed through the outbox — asking again while one waits mails nothing more.
    News counts from now on. Raises `DomainError` for a thing that is not public (field
    `kind`) or a visitor without an address (field `email`)."""
    policy.require(user, "follow.create")
    if kind is FollowKind.SEARCH:
        target_id = None
        if not query:
            raise DomainError(_("Choose what to follow."), field="kind")
    else:
        query = ""
    if target_name(session, kind, target_id, query, locale) is None:
        raise DomainError(_("There is no such public page to follow."), field="kind")
    now = utcnow()
    if user is not None:
        existing = session.scalar(select(Follow).where(
            Follow.user_id == user.id, Follow.status == FollowStatus.ACTIVE,
            *_same(kind, target_id, query)))
        if existing is not None:
            existing.frequency = frequency
            session.flush()
            return existing
        item = Follow(user_id=user.id, locale=user.locale or locale, kind=kind,
                      target_id=target_id, query=query, frequency=frequency,
                      status=FollowStatus.ACTIVE, active_at=now,
                      last_event_id=news.latest_event_id(session))
    else:
        email = (email or "").strip()
        if not email:
            raise DomainError(_("Please enter your email address."), field="email")
        existing = session.scalar(select(Follow).where(
            Follow.email == email, Follow.status.in_((FollowStatus.PENDING,
                                                      FollowStatus.ACTIVE)),
            *_same(kind, target_id, query)))
        if existing is not None:
            return existing
        item = Follow(email=email, locale=locale, kind=kind, target_id=target_id,
                      query=query, frequency=frequency, status=FollowStatus.PENDING)
    session.add(item)
    session.flush()
    record(session, user, "follow.created", item,
           after={"kind": kind.value, "frequency": frequency.value,
                  "confirmed": item.status is FollowStatus.ACTIVE})
    if item.status is FollowStatus.PENDING:
        _mail_confirmation(session, item)
    return item


def _mail_confirmation(session, item: Follow) -> None:
    token = tokens.unsubscribe_token(follows=[item.id])
    with force_locale(item.locale or "vi"):
        body = "\n\n".join((
            _("Someone (we hope you) asked to follow this on the First Customer "
              "Marketplace: %(what)s.", what=label(session, item, item.locale)),
            _("To confirm, open this link within %(days)d days:", days=7),
            absolute_url(f"/alerts/confirm/{tokens.confirm_token(item.id)}"),
            _("If it was not you, ignore this mail: nothing will be sent to you."),
            _("Never mail me about this: %(url)s", url=tokens.unsubscribe_url(token))))
        subject = _("First Customer: confirm that you want to follow")
    queue(session, item.email, subject, body, headers=tokens.headers(token))


def confirm(session, item: Follow) -> bool:
    """The confirmation link was used (the view checked its signature): the visitor's
    follow becomes active; news counts from now on. False when it was not pending (a
    second click changes nothing)."""
    if item.status is not FollowStatus.PENDING:
        return False
    transition(session, item, FollowStatus.ACTIVE, None, lifecycle=FOLLOW_LIFECYCLE,
               by_system=True)
    item.last_event_id = news.latest_event_id(session)
    session.flush()
    return True


def stop(session, user: User, item: Follow) -> None:
    """The owner stops a follow (`follow.stop`)."""
    transition(session, item, FollowStatus.ENDED, user, lifecycle=FOLLOW_LIFECYCLE)


def unsubscribe(session, payload: dict) -> int:
    """The one-click unsubscribe of a signed link (`tokens.read_unsubscribe`): the
    follows it names end (those already ended are left alone), or the user's mail of
    that kind of notification is switched off. The number of follows or preferences
    changed (0 on a second click)."""
    if "f" in payload:
        changed = 0
        for item in session.scalars(select(Follow).where(
                Follow.id.in_(payload["f"]), Follow.status != FollowStatus.ENDED)):
            transition(session, item, FollowStatus.ENDED, None, lifecycle=FOLLOW_LIFECYCLE,
                       by_system=True, data={"by": "unsubscribe link"})
            changed += 1
        return changed
    user = session.get(User, payload["u"])
    if user is None:
        return 0
    pref = session.scalar(select(NotificationPreference).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == payload["k"]))
    if pref is None:
        pref = NotificationPreference(user_id=user.id, kind=payload["k"], in_app=True)
        session.add(pref)
    elif not pref.email:
        return 0
    pref.email = False
    session.flush()
    record(session, user, "notification.unsubscribed", user, after={"kind": payload["k"]})
    return 1


def follows_of(session, user: User) -> list[Follow]:
    return list(session.scalars(select(Follow).where(
        Follow.user_id == user.id, Follow.status != FollowStatus.ENDED).order_by(Follow.id)))


def read_targets(session, follows: list[Follow]) -> list:
    """Read the followed challenges, agencies and groups of `follows` at once (one
    statement per kind), so that `target_name` of each finds its target in the session
    while the caller holds the list returned (the session keeps no object nobody
    refers to): the user's list of follows costs the same for 1 or 50 (issue 21)."""
    targets: list = []
    for kind, model in ((FollowKind.CHALLENGE, Challenge), (FollowKind.AGENCY, Organization),
                        (FollowKind.GROUP, TechnologyGroup)):
        ids = {f.target_id for f in follows if f.kind is kind and f.target_id is not None}
        if ids:
            targets += session.scalars(select(model).where(model.id.in_(ids)))
    return targets


# --- the job: news and digests ---------------------------------------------------------------

@dataclass
class AlertReport:
    mails: int = 0
    follows: int = 0  # follows whose period ended in this run (mailed or empty)


def _due(now: datetime):
    conditions = [Follow.frequency == Frequency.IMMEDIATE]
    for frequency in (Frequency.DAILY, Frequency.WEEKLY):
        since = now - PERIOD[frequency] + SLACK
        conditions.append((Follow.frequency == frequency) & or_(
            Follow.last_sent_at <= since,
            Follow.last_sent_at.is_(None) & (Follow.active_at <= since)))
    return or_(*conditions)


def send_alerts(session, *, now: datetime | None = None) -> AlertReport:
    """Mail what is due: every active follow whose period ended (immediate: at every
    run), grouped per recipient and frequency into one mail, none when empty. Each
    follow's cursor moves to the latest public event. Outside a request (the worker)
    it runs in one made on `PUBLIC_BASE_URL`, for the mail's links. Never commits."""
    if not has_request_context():  # the worker: links are built on the public address
        with current_app.test_request_context(base_url=public_base_url()):
            return send_alerts(session, now=now)
    now = now or utcnow()
    report = AlertReport()
    top = news.latest_event_id(session)
    due = list(session.scalars(select(Follow).where(
        Follow.status == FollowStatus.ACTIVE, _due(now),
        or_(Follow.last_event_id < top, Follow.frequency != Frequency.IMMEDIATE))
        .order_by(Follow.id)))
    groups: dict[tuple[str, Frequency], list[Follow]] = defaultdict(list)
    for item in due:
        if item.user is not None and not item.user.active:
            continue
        groups[(item.address.lower(), item.frequency)].append(item)
    for (_address, frequency), follows in groups.items():
        sections = [(item, news.events_for(session, item, top)) for item in follows]
        sections = [(item, events) for item, events in sections if events]
        for item in follows:
            item.last_event_id, item.last_sent_at = top, now
            report.follows += 1
        if sections:
            _mail_news(session, follows, sections, frequency)
            report.mails += 1
    session.flush()
    return report


def _mail_news(session, follows: list[Follow], sections, frequency: Frequency) -> None:
    first = follows[0]
    locale = (first.user.locale if first.user is not None else first.locale) or "vi"
    token = tokens.unsubscribe_token(follows=[f.id for f in follows])
    with force_locale(locale):
        subject = {Frequency.IMMEDIATE: _("First Customer: news of what you follow"),
                   Frequency.DAILY: _("First Customer: your daily digest"),
                   Frequency.WEEKLY: _("First Customer: your weekly digest")}[frequency]
        parts = []
        for item, events in sections:
            lines = [f"== {label(session, item, locale)} =="]
            for entry in describe(session, events, external=True):
                lines.append(f"- {entry.text} ({local_datetime(entry.created_at)})")
                if entry.link:
                    lines.append(f"  {entry.link}")
            parts.append("\n".join(lines))
        footer = [_("You receive this mail because you follow these on the First Customer "
                    "Marketplace."),
                  _("Stop these mails (one click): %(url)s", url=tokens.unsubscribe_url(token))]
        if first.user is not None:
            footer.append(_("Manage what you follow: %(url)s",
                            url=absolute_url("alerts.index")))
        body = "\n\n".join([*parts, "--", "\n".join(footer)])
    queue(session, first.address, subject, body, headers=tokens.headers(token))
