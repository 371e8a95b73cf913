"""What one unit of work reads several times, read once: `per_session` keeps a query's
result in the session (`session.info`) until the session next writes (flush), commits or
rolls back, so that a page asking "the panel of this challenge" from five helpers runs one
statement, not five — and a page's statement count does not grow with its rows. Only for
reads whose result depends on nothing but the database and the key."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
_KEY = "memo.per_session"


def per_session(session, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` once per `key` while `session` neither writes nor ends its transaction,
    within one request (whose session ends with it); outside a request (commands, the
    worker, tests arranging data), always `compute()`: a long-lived session would not
    see what other transactions commit meanwhile."""
    if not has_request_context():
        return compute()
    memo = session.info.setdefault(_KEY, {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def recall(session, key: Hashable):
    """What `per_session(session, key, …)` keeps in this unit of work, or None when it
    read nothing for `key` yet (and outside a request, as `per_session`): for a helper
    that can answer from a larger read when a page made it, and reads less otherwise."""
    if not has_request_context():
        return None
    return session.info.get(_KEY, {}).get(key)


def remember(session, name: str, found: dict) -> dict:
    """Keep each value of `found` as what `per_session(session, (name, its key), …)`
    reads (unless read already): a page listing many things reads for all of them at once
    what a helper reads for one (`evaluation.services.read_panels`), and the helpers then
    ask nothing more. Outside a request, nothing (as `per_session`). Returns `found`."""
    if has_request_context():
        memo = session.info.setdefault(_KEY, {})
        for key, value in found.items():
            memo.setdefault((name, key), value)
    return found


def _forget(session, *_args) -> None:
    session.info.pop(_KEY, None)


for _name in ("after_flush", "after_commit", "after_soft_rollback"):
    event.listen(Session, _name, _forget)
