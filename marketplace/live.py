"""Pages that follow the public data without reloading (issue 18): the dashboard, the
activity stream, a challenge page and an order page.

One mechanism for all of them, holding no server worker per viewer: the page polls
`GET /live/version` — a few bytes, `{"version": N}`, the public data version
(`cache.live_version`), answered from the cache without a database query while nothing
changed, and `304 Not Modified` when the viewer's `If-None-Match` holds it. When the
version moves, `static/js/live.js` fetches the page's own address again (for anonymous
visitors a cached page, `cache.anonymous_page`) and replaces the parts marked
`data-live` (by id), leaving any part that holds the focus (a field being typed in).
Without JavaScript the page is complete as served; the script is a file under static/,
within the site's content security policy (no inline script).

Only public audit events move the version: a sealed submission saved, a draft edited or a
milestone delivered but not yet accepted never do, so a watcher learns nothing of private
work (the rule of issue 14)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, jsonify, request

from marketplace import cache, policy

bp = Blueprint("live", __name__, url_prefix="/live")

POLL_SECONDS = 2  # how often the pages ask; a change shows within this plus one fetch


@bp.route("/version")
def version():
    # The rule is asked as for a visitor: the version is the same for everyone, and a
    # signed-in viewer's poll must not load their account (a query) to learn it.
    if not policy.can(None, "live.version"):
        abort(403)
    current = cache.live_version()
    tag = f"v{current}"
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        response = jsonify({"version": current, "poll_seconds": POLL_SECONDS})
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.app_template_global("live_data_version")
def live_data_version() -> int | str:
    """The version a page was computed at, when the request has read it already (every
    page served through the cache has: its key holds it); else "" — the page then takes
    the version of its first poll as its own — so a page without a cache costs no query
    more than before (the fixed query budgets of issue 7)."""
    stamp = g.get("data_version")
    return stamp[0] if stamp is not None else ""
