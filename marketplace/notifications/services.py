"""Notifications: in-app and by email, as each user chooses.

Each is written in the recipient's own language, in the same transaction as the change
it tells about. Email goes into the outbox (`OutboxEmail`) in that transaction and is
sent after the commit (see `outbox.py`), so a rolled-back change sends nothing and an
SMTP outage loses nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from marketplace.accounts.models import SOLVER_ROLES, User
from marketplace.alerts import tokens
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.errors import DomainError
from marketplace.i18n import local_datetime
from marketplace.notifications.kinds import KINDS
from marketplace.notifications.models import (
    Notification,
    NotificationOnce,
    NotificationPreference,
    OutboxEmail,
    Subscription,
)
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.types import utcnow
from marketplace.web import absolute_url

ONCE_KEYS = "notifications.once"  # keys claimed in this session, not yet flushed


def _absolute(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return absolute_url(link)


def _preferences(session, users: list[User], kind: str) -> dict[int, NotificationPreference]:
    if not users:
        return {}
    return {p.user_id: p for p in session.scalars(select(NotificationPreference).where(
        NotificationPreference.kind == kind,
        NotificationPreference.user_id.in_([u.id for u in users])))}


def deliver(session, recipients: Iterable[User], kind: str, message: Callable[[], str], *,
            link: str = "", data: dict | None = None, email: bool = True) -> list[Notification]:
    """`notify` without the flush: safe to call while the session is flushing."""
    users, seen = [], set()
    for user in recipients:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        users.append(user)
    preferences = _preferences(session, users, kind)
    created = []
    for user in users:
        choice = preferences.get(user.id)
        want_app = choice.in_app if choice else True
        want_email = email and (choice.email if choice else True)
        if not (want_app or want_email):
            continue
        with force_locale(user.locale or "vi"):
            text = str(message())
            subject = _("First Customer: %(what)s", what=str(KINDS.get(kind, text))[:200])
            body = "\n\n".join(filter(None, (
                text, _absolute(link),
                _("You can choose which notifications you receive on your notification "
                  "settings page."))))
        if want_app:
            note = Notification(user_id=user.id, kind=kind, message=text, link=link,
                                data=data or {})
            session.add(note)
            created.append(note)
        if want_email:
            # one click stops this kind of mail (RFC 8058), as the settings page would
            token = tokens.unsubscribe_token(user_id=user.id, kind=kind)
            with force_locale(user.locale or "vi"):
                stop = _("Stop mails of this kind (one click): %(url)s",
                         url=tokens.unsubscribe_url(token))
            session.add(OutboxEmail(to=user.email, subject=subject[:300],
                                    body=f"{body}\n{stop}", headers=tokens.headers(token)))
    return created


def notify(session, recipients: Iterable[User], kind: str, message: Callable[[], str],
           *, link: str = "", data: dict | None = None, email: bool = True
           ) -> list[Notification]:
    """`message` is called once per recipient, under the recipient's language. Each
    recipient's preferences decide in-app and email; the in-app notifications made are
    returned. `email=False` never emails (for chatter not worth a message)."""
    created = deliver(session, recipients, kind, message, link=link, data=data, email=email)
    session.flush()
    return created


def claim_once(session, key: str) -> bool:
    """True the first time `key` is claimed (in this transaction or any committed one)."""
    claimed = session.info.setdefault(ONCE_KEYS, set())
    if key in claimed or session.scalar(
            select(NotificationOnce.id).where(NotificationOnce.key == key)) is not None:
        return False
    claimed.add(key)
    session.add(NotificationOnce(key=key))
    return True


# --- new challenges for subscribers -------------------------------------------------

def subscribers(session, challenge: Challenge) -> list[User]:
    conditions = [Subscription.agency_id == challenge.agency_id]
    if challenge.technology_group_id is not None:
        conditions.append(Subscription.technology_group_id == challenge.technology_group_id)
    return list(session.scalars(select(User).join(Subscription, Subscription.user_id == User.id)
                                .where(or_(*conditions)).distinct().order_by(User.id)))


def notify_new_challenge(session, challenge: Challenge, *, flush: bool = True
                         ) -> list[Notification]:
    """Tell subscribers of the challenge's technology group or agency that it is open.
    Once per challenge, however often it is called (publishing calls it by itself)."""
    if challenge.status is not ChallengeStatus.PUBLISHED:
        return []
    if not claim_once(session, f"challenge.new_match:{challenge.id}"):
        return []
    agency = challenge.agency
    created = deliver(
        session, subscribers(session, challenge), "challenge.new_match",
        lambda: _("New challenge from %(agency)s: “%(title)s”. Solutions are accepted until "
                  "%(deadline)s.", agency=agency.name_vi, title=challenge.title,
                  deadline=local_datetime(challenge.submission_deadline)),
        link=f"/challenges/{challenge.id}", data={"challenge_id": challenge.id})
    if flush:
        session.flush()
    return created


# --- deadline reminders -------------------------------------------------------------

def remind_deadlines(session, *, now=None, days: int = 3) -> int:
    """Remind the solver members of every draft whose challenge closes within `days`.
    Each draft is reminded once. Returns the number of drafts reminded."""
    now = now or utcnow()
    drafts = session.scalars(
        select(Submission).join(Challenge, Submission.challenge_id == Challenge.id).where(
            Submission.status == SubmissionStatus.DRAFT,
            Challenge.status == ChallengeStatus.PUBLISHED,
            Challenge.submission_deadline > now,
            Challenge.submission_deadline <= now + timedelta(days=days),
        ).order_by(Submission.id)).all()
    reminded = 0
    for draft in drafts:
        if not claim_once(session, f"submission.deadline_soon:{draft.id}"):
            continue
        members = [m.user for m in draft.organization.memberships if m.role in SOLVER_ROLES]
        challenge = draft.challenge
        deliver(session, members, "submission.deadline_soon",
                lambda c=challenge: _("Solutions to “%(title)s” close on %(deadline)s and "
                                      "yours is still a draft: submit it before then.",
                                      title=c.title,
                                      deadline=local_datetime(c.submission_deadline)),
                link=f"/submissions/{draft.id}", data={"submission_id": draft.id})
        reminded += 1
    session.flush()
    return reminded


# --- the user's own list, preferences and subscriptions -----------------------------

def recent(session, user: User, limit: int = 50) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id)
                                .order_by(Notification.id.desc()).limit(limit)))


def unread_count(session, user: User) -> int:
    return len(session.scalars(select(Notification.id).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))).all())


def mark_read(session, user: User, notification: Notification) -> None:
    if notification.user_id != user.id:
        raise DomainError(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = utcnow()
    session.flush()


def mark_all_read(session, user: User) -> None:
    session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    ).values(read_at=utcnow()))
    session.flush()


def preferences_of(session, user: User) -> dict[str, tuple[bool, bool]]:
    """kind → (in-app, email) for every listed kind."""
    stored = {p.kind: (p.in_app, p.email) for p in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    return {kind: stored.get(kind, (True, True)) for kind in KINDS}


def set_preferences(session, user: User, choices: dict[str, tuple[bool, bool]]) -> None:
    existing = {p.kind: p for p in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    for kind, (in_app, email) in choices.items():
        if kind not in KINDS:
            raise DomainError(_("Unknown kind of notification."))
        pref = existing.get(kind)
        if pref is None:
            pref = NotificationPreference(user_id=user.id, kind=kind)
            session.add(pref)
        pref.in_app, pref.email = bool(in_app), bool(email)
    session.flush()


def subscriptions_of(session, user: User) -> list[Subscription]:
    return list(session.scalars(select(Subscription).where(Subscription.user_id == user.id)
                                .order_by(Subscription.id)))


def subscribe(session, user: User, *, technology_group_id: int | None = None,
              agency_id: int | None = None) -> Subscription:
    if (technology_group_id is None) == (agency_id is None):
        raise DomainError(_("Choose a technology group or an agency."))
    column = (Subscription.technology_group_id if technology_group_id is not None
              else Subscription.agency_id)
    target = technology_group_id if technology_group_id is not None else agency_id
    existing = session.scalar(select(Subscription).where(Subscription.user_id == user.id,
                                                         column == target))
    if existing is not None:
        return existing
    subscription = Subscription(user_id=user.id, technology_group_id=technology_group_id,
                                agency_id=agency_id)
    session.add(subscription)
    session.flush()
    return subscription


def unsubscribe(session, user: User, subscription: Subscription) -> None:
    if subscription.user_id != user.id:
        raise DomainError(_("This subscription is not yours."))
    session.delete(subscription)
    session.flush()
