"""`GET /readyz`: whether this process can serve — the database answers, every Redis the
configuration names answers, the search index can be read, and the outbox is draining
(the oldest mail that is due has waited at most `READY_OUTBOX_MAX_AGE` seconds: a worker
that is stopped, or a mail server down for long, makes the site not ready). `/healthz`
stays the liveness check (the process and its database)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import text

REDIS_TIMEOUT = 1.0  # seconds


def redis_urls(config) -> list[str]:
    """The distinct Redis URLs the configuration uses (rate limits, cache, job queue)."""
    candidates = [config.get("RATELIMIT_STORAGE_URI", "")]
    if config.get("CACHE_BACKEND") == "redis":
        candidates.append(config.get("CACHE_URL", ""))
    candidates.append(config.get("JOBS_URL", ""))
    urls = []
    for url in candidates:
        if url and url.startswith(("redis://", "rediss://", "unix://")) and url not in urls:
            urls.append(url)
    return urls


def _database(session) -> None:
    session.execute(text("SELECT 1"))


def _redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT,
                                  socket_connect_timeout=REDIS_TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()


def _search() -> None:
    from marketplace.search import services

    services.backend().check()


def _outbox(session) -> None:
    from marketplace.notifications import outbox
    from marketplace.types import utcnow

    now = utcnow()
    oldest = outbox.oldest_due(session, now)
    limit = float(current_app.config.get("READY_OUTBOX_MAX_AGE", 900))
    if oldest is not None and (now - oldest).total_seconds() > limit:
        raise RuntimeError(f"oldest due mail waits {int((now - oldest).total_seconds())} s")


def checks(session) -> tuple[bool, dict[str, str]]:
    """(ready, {check: "ok" or the error's kind}). Never raises."""
    results: dict[str, str] = {}
    steps = [("database", lambda: _database(session))]
    for n, url in enumerate(redis_urls(current_app.config)):
        steps.append((f"redis{n or ''}", lambda url=url: _redis(url)))
    steps += [("search_index", _search), ("outbox", lambda: _outbox(session))]
    for name, step in steps:
        try:
            step()
        except Exception as error:  # noqa: BLE001 - any failure is "not ready"
            session.rollback()
            results[name] = (str(error) if name == "outbox" else type(error).__name__)
        else:
            results[name] = "ok"
    return all(value == "ok" for value in results.values()), results
