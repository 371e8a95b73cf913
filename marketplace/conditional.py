"""HTTP for public data that other sites read: CORS, validators from the public data
version, conditional GETs, and the per-address rate limit's headers (issue 16).

- `Access-Control-Allow-Origin: *` on every answer of the API, the bulk files and the OCDS
  feeds (their errors included, so that a newsroom's page can read them): everything there
  is public and no cookie is needed. A preflight (`OPTIONS`, sent by a page that asks with
  `If-None-Match`) is allowed those two conditional headers.
- `ETag: W/"v<version>"` and `Last-Modified` from `cache.data_stamp()` — the id and time of
  the latest *public* audit event — on successful answers. A request whose `If-None-Match`
  holds that tag (or whose `If-Modified-Since` is not older) is answered `304` before the
  view runs: one indexed lookup, or none while this process keeps the version. Private
  work (a sealed submission, a draft) never moves the version, so the tag tells nobody of
  it (issue 14). What depends on the clock alone (a deadline passing before the job
  closes the challenge) may keep a tag for `Cache-Control: max-age=0` — no longer than
  the next public change.
- `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds, IETF draft
  "RateLimit header fields for HTTP") and `RateLimit-Policy` from Flask-Limiter's limit of
  this request (`API_RATE_LIMIT` per address).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Blueprint, Response, current_app, request

from marketplace import cache
from marketplace.extensions import limiter


def etag() -> str:
    """The public data version as a weak entity tag (without the `W/` and quotes)."""
    return f"v{cache.data_version()}"


def _not_modified() -> Response | None:
    if request.method not in ("GET", "HEAD"):
        return None
    version, changed_at = cache.data_stamp()
    tag = f"v{version}"
    if request.if_none_match:
        if not request.if_none_match.contains_weak(tag):
            return None
    elif request.if_modified_since is None or changed_at is None or (
            changed_at.replace(microsecond=0) > request.if_modified_since):
        return None
    response = Response(status=304)
    _validators(response)
    return response


def _validators(response: Response) -> None:
    version, changed_at = cache.data_stamp()
    response.set_etag(f"v{version}", weak=True)
    if changed_at is not None:
        response.last_modified = changed_at
    response.headers.setdefault("Cache-Control", "public, max-age=0, must-revalidate")


def _rate_limit_headers(response: Response) -> None:
    limit = limiter.current_limit
    if limit is None:
        return
    window = limit.limit.get_expiry()
    response.headers["RateLimit-Limit"] = str(limit.limit.amount)
    response.headers["RateLimit-Remaining"] = str(max(limit.remaining, 0))
    response.headers["RateLimit-Reset"] = str(max(int(limit.reset_at - time.time()), 0))
    response.headers["RateLimit-Policy"] = f"{limit.limit.amount};w={window}"


def api_rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def public_data(bp: Blueprint, *, versioned: Callable[[], bool] = lambda: True,
                rate_limited: bool = True) -> None:
    """Give every answer of `bp` CORS, and — where `versioned()` says so for the request's
    endpoint — the data version's validators and conditional GETs; with `rate_limited`,
    Flask-Limiter's per-address `API_RATE_LIMIT` and its `RateLimit-*` headers."""
    if rate_limited:
        limiter.limit(api_rate_limit)(bp)

    @bp.before_request
    def _conditional():
        if versioned():
            return _not_modified()
        return None

    @bp.after_request
    def _headers(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        if request.method == "OPTIONS":  # a preflight: a page that sends If-None-Match
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = (
                "If-None-Match, If-Modified-Since")
            response.headers["Access-Control-Max-Age"] = "86400"
        response.headers.setdefault("Access-Control-Expose-Headers",
                                    "ETag, Last-Modified, Link, RateLimit-Limit, "
                                    "RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy")
        if versioned() and response.status_code == 200:
            _validators(response)
        if rate_limited:
            _rate_limit_headers(response)
        return response
