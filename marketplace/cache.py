"""A small cache for public data, invalidated by a data version.

Every change that affects what the public sees writes a *public* audit event
(`lifecycle.transition` with a public step, `audit.services.record(..., public=True)`), so
`SELECT max(id) FROM audit_events WHERE public` — one lookup in `ix_audit_events_public_id`
— is a number that moves with every public change, and only with those: a sealed
submission saved or a draft edited moves neither the cached pages' keys nor the
dashboard's "figures as of" time, so a visitor watching them learns nothing of private
work (issue 14). Cached entries carry it in their key: after a public change the next
request computes afresh, and the old entries age out of the LRU. What also depends on
the clock (countdowns, a deadline passing before `close-expired` runs), and the few
changes of public pages that are not public events (a published challenge's documents,
the taxonomy's names), are bounded by a short TTL (`CACHE_PAGE_TTL`, 30 s by default).

Backends (`CACHE_BACKEND`):
- "simple": an in-process dict with LRU and TTL (the default; one per worker process);
- "redis": shared by every worker and host (`CACHE_URL`, or `REDIS_URL`);
- "null": caches nothing (the tests' default, unless a test enables a cache).

On PostgreSQL, ids are taken when a transaction inserts and become visible when it
commits, so a smaller id can appear after a larger one: a page computed in between is
stale until the next change or its TTL, whichever comes first — never longer than the TTL.

Two uses:
- `memoize(name, parts, compute)`: computed figures (the list's count and agency
  options, the dashboard's figures read from its counters), keyed by the data version;
  nothing is ever recomputed after a response or by the worker for a page (issue 15:
  the dashboard's figures are kept up to date by the changes themselves, issue 21);
- `@anonymous_page`: whole responses of public pages for anonymous GET requests only, see
  `anonymous_page`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import pickle
import threading
import time
from collections import OrderedDict
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, select
from sqlalchemy.orm import Session as OrmSession

log = logging.getLogger(__name__)

CSRF_MARKER = "\x00csrf-token\x00"  # never in a rendered page: NUL is not valid HTML


class NullCache:
    enabled = False

    def get(self, key: str) -> Any:
        return None

    def set(self, key: str, value: Any, ttl: float) -> None:
        return None

    def add(self, key: str, value: Any, ttl: float) -> bool:
        return True

    def delete(self, key: str) -> None:
        return None

    def clear(self) -> None:
        return None


class SimpleCache:
    """An in-process LRU with a TTL per entry; thread-safe."""

    enabled = True

    def __init__(self, max_entries: int = 1024) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires < time.monotonic():
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return value

    def set(self, key: str, value: Any, ttl: float) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def add(self, key: str, value: Any, ttl: float) -> bool:
        """Set only if absent (or expired); True when this call set it."""
        with self._lock:
            entry = self._data.get(key)
            if entry is not None and entry[0] >= time.monotonic():
                return False
            self._data[key] = (time.monotonic() + ttl, value)
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


class RedisCache:
    """Shared by every worker and host. Values are pickled (enums, dates and decimals of
    the figures) and signed with HMAC-SHA256 under the application's secret key: an entry
    that someone with access to Redis wrote or altered is ignored, never unpickled."""

    enabled = True
    shared = True  # the job worker's results reach the web processes

    def __init__(self, url: str, secret: str, prefix: str = "fcm:cache:") -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.secret = secret.encode()
        self.prefix = prefix

    def _mac(self, data: bytes) -> bytes:
        return hmac.new(self.secret, data, hashlib.sha256).digest()

    def get(self, key: str) -> Any:
        raw = self.client.get(self.prefix + key)
        if raw is None or len(raw) < 32:
            return None
        mac, data = raw[:32], raw[32:]
        if not hmac.compare_digest(mac, self._mac(data)):
            return None
        return pickle.loads(data)  # noqa: S301 # nosec B301 - written by us, HMAC verified

    def set(self, key: str, value: Any, ttl: float) -> None:
        data = pickle.dumps(value)
        self.client.set(self.prefix + key, self._mac(data) + data,
                        px=max(1, int(ttl * 1000)))

    def add(self, key: str, value: Any, ttl: float) -> bool:
        data = pickle.dumps(value)
        return bool(self.client.set(self.prefix + key, self._mac(data) + data,
                                    px=max(1, int(ttl * 1000)), nx=True))

    def delete(self, key: str) -> None:
        self.client.delete(self.prefix + key)

    def clear(self) -> None:
        for key in self.client.scan_iter(match=self.prefix + "*"):
            self.client.delete(key)


def make_backend(config) -> NullCache | SimpleCache | RedisCache:
    backend = config.get("CACHE_BACKEND", "simple")
    if backend == "null":
        return NullCache()
    if backend == "redis":
        return RedisCache(config["CACHE_URL"], config["SECRET_KEY"])
    if backend == "simple":
        return SimpleCache(int(config.get("CACHE_MAX_ENTRIES", 1024)))
    raise RuntimeError(f"Unknown CACHE_BACKEND {backend!r} (simple, redis or null).")


def init_app(app: Flask) -> None:
    app.extensions["cache"] = make_backend(app.config)


def get_cache() -> NullCache | SimpleCache | RedisCache:
    return current_app.extensions["cache"]


_local_changes = 0  # public audit events flushed by this process: `_count_local_changes`


def data_version() -> int:
    """The id of the latest public audit event (`data_stamp`), 0 when there is none."""
    return data_stamp()[0]


def data_stamp() -> tuple[int, datetime | None]:
    """(id, time in UTC) of the latest public audit event — the public data version and
    when it moved — read at most once per request, in one indexed lookup.

    Each process also keeps the last value it read for `CACHE_VERSION_TTL` seconds (1 by
    default; 0 reads the database on every request): a change recorded by this process
    drops the kept value at once, a change made by another process or host is seen within
    that second. It saves a database round trip on every cached page."""
    stamp = g.get("data_version")  # this request's (version, time)
    if stamp is None:
        kept = current_app.extensions.setdefault("cache_version", {})
        now = time.monotonic()
        ttl = float(current_app.config.get("CACHE_VERSION_TTL", 1))
        if kept.get("changes") == _local_changes and now < kept.get("read_at", 0.0) + ttl:
            stamp = kept["value"]
        else:
            from marketplace.audit.models import AuditEvent
            from marketplace.extensions import db

            changes = _local_changes
            row = db.session.execute(
                select(AuditEvent.id, AuditEvent.created_at)
                .where(AuditEvent.public.is_(True))
                .order_by(AuditEvent.id.desc()).limit(1)).first()
            stamp = (row[0], row[1]) if row is not None else (0, None)
            kept.update(value=stamp, changes=changes, read_at=now)
        g.data_version = stamp
    return stamp


@event.listens_for(OrmSession, "before_flush")
def _count_local_changes(session, _flush_context, _instances) -> None:
    from marketplace.audit.models import AuditEvent

    global _local_changes
    if any(isinstance(obj, AuditEvent) and obj.public for obj in session.new):
        _local_changes += 1


@event.listens_for(OrmSession, "after_soft_rollback")
def _forget_on_rollback(session, _previous_transaction) -> None:
    global _local_changes
    _local_changes += 1  # a version read inside the rolled-back work must not be kept


# --- the live version: what pages poll (marketplace/live.py) -----------------------------

LIVE_KEY = "live:data-version"
LIVE_SHARED_TTL = 60  # seconds a shared cache trusts the version it was told of


def _live_ttl(cache) -> float:
    """A shared cache (Redis) is told of every change by whichever process commits it, so
    it may keep the version for long (a writer outside the app is seen within that time);
    an in-process cache hears only of its own process's changes: `CACHE_VERSION_TTL`."""
    if getattr(cache, "shared", False):
        return LIVE_SHARED_TTL
    return float(current_app.config.get("CACHE_VERSION_TTL", 1))


def live_version() -> int:
    """The public data version from the cache — no database query while it is there —
    else `data_version()`, then kept. The cache is told of each public change when it is
    committed (`_publish_on_commit`), so a change is seen at once by this process (and by
    every process with a shared cache). Never moved by private work (issue 14)."""
    cache = get_cache()
    if cache.enabled:
        value = cache.get(LIVE_KEY)
        if value is not None:
            return value
    version = data_version()
    if cache.enabled:
        cache.set(LIVE_KEY, version, _live_ttl(cache))
    return version


@event.listens_for(OrmSession, "after_flush")
def _note_public_events(session, _flush_context) -> None:
    from marketplace.audit.models import AuditEvent

    ids = [obj.id for obj in session.new if isinstance(obj, AuditEvent) and obj.public]
    if ids:
        session.info["public_event_id"] = max(ids + [session.info.get("public_event_id", 0)])


@event.listens_for(OrmSession, "after_commit")
def _publish_on_commit(session) -> None:
    version = session.info.pop("public_event_id", None)
    if version is None or not has_app_context():
        return
    cache = get_cache()
    if not cache.enabled:
        return
    known = cache.get(LIVE_KEY)
    if known is None or known < version:
        cache.set(LIVE_KEY, version, _live_ttl(cache))


@event.listens_for(OrmSession, "after_rollback")
def _forget_public_events(session) -> None:
    session.info.pop("public_event_id", None)


def memoize(name: str, parts: Any, compute, *, clock: bool = False):
    """`compute()`, or its value from the cache for this data version and `parts` (a
    repr-stable value: tuples, strings, numbers). `clock=True` for what also depends on
    the time of day: it is kept for `CACHE_PAGE_TTL` instead of `CACHE_DATA_TTL`. Without
    a cache, just `compute()`. The value is shared: callers must not change it."""
    cache = get_cache()
    if not cache.enabled:
        return compute()
    key = f"{name}:{data_version()}:{parts!r}"
    value = cache.get(key)
    if value is None:
        value = compute()
        config = current_app.config
        cache.set(key, value, config["CACHE_PAGE_TTL"] if clock else config["CACHE_DATA_TTL"])
    return value


# --- whole pages for anonymous visitors --------------------------------------------------

def _cacheable_request() -> bool:
    return (request.method == "GET" and not current_user.is_authenticated
            and "_flashes" not in session)


def anonymous_page(view):
    """Serve an anonymous GET from a cached copy of the page.

    Only for anonymous visitors (a logged-in user's pages hold their name, their buttons
    and their tokens), never while flash messages wait, keyed by the full URL, the
    language and the data version, for at most `CACHE_PAGE_TTL` seconds.

    The one thing on such a page that belongs to one visitor is the CSRF token of the
    language switch (tied to the visitor's session). It is replaced by a marker before the
    page is stored and by the current visitor's own token when it is served, so a cached
    copy carries nothing of the visitor it was rendered for. A page is not stored when the
    view changed the session in any other way, set a cookie, or answered other than 200.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        cache = get_cache()
        if not cache.enabled or not _cacheable_request():
            return view(*args, **kwargs)
        from marketplace.i18n import current_language

        key = f"page:{data_version()}:{current_language()}:{request.url}"
        body = cache.get(key)
        if body is not None:
            if CSRF_MARKER in body:
                body = body.replace(CSRF_MARKER, generate_csrf())
            response = Response(body, mimetype="text/html")
            response.headers["X-Cache"] = "hit"
            return response
        before = {k: v for k, v in session.items() if k != "csrf_token"}
        response = current_app.make_response(view(*args, **kwargs))
        after = {k: v for k, v in session.items() if k != "csrf_token"}
        if (response.status_code == 200 and response.mimetype == "text/html"
                and not response.is_streamed and before == after
                and "Set-Cookie" not in response.headers):
            text = response.get_data(as_text=True)
            token = g.get("csrf_token")
            if token:
                text = text.replace(token, CSRF_MARKER)
            secret = session.get("csrf_token")
            if not (secret and secret in text):
                cache.set(key, text, current_app.config["CACHE_PAGE_TTL"])
                response.headers["X-Cache"] = "miss"
        return response

    return wrapper


__all__ = ["CSRF_MARKER", "NullCache", "RedisCache", "SimpleCache", "anonymous_page",
           "data_stamp", "data_version", "get_cache", "init_app", "live_version", "memoize"]
