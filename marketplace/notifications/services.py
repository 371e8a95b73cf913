"""In-app notifications. Each is written in the recipient's own language, in the same
transaction as the change it tells about."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask_babel import force_locale

from marketplace.accounts.models import User
from marketplace.notifications.models import Notification


def notify(session, recipients: Iterable[User], kind: str, message: Callable[[], str],
           *, link: str = "", data: dict | None = None) -> list[Notification]:
    """`message` is called once per recipient, under the recipient's language."""
    created = []
    seen: set[int] = set()
    for user in recipients:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        with force_locale(user.locale or "vi"):
            text = str(message())
        note = Notification(user_id=user.id, kind=kind, message=text, link=link,
                            data=data or {})
        session.add(note)
        created.append(note)
    session.flush()
    return created
