"""Full-text search of public challenges and awarded solutions."""

import logging

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _

from marketplace import jobs
from marketplace.cache import anonymous_page
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.params import query_int
from marketplace.search import events, services
from marketplace.search.backend import FACETS, MAX_QUERY_LENGTH

bp = Blueprint("search", __name__, url_prefix="/search")
log = logging.getLogger(__name__)
MAX_PAGE = 500


@bp.after_app_request
def apply_pending_after_commit(response):
    """When this request committed pending search rows, ask the worker to apply them (a
    job on the queue: the index is not written here). Never fails the request: the
    worker also applies what is pending every minute, and `flask search sync` does."""
    if db.session.registry.has():
        session = db.session()
        if session.info.pop(events.READY, False) and not session.info.get(events.UNSAVED):
            jobs.enqueue("apply_search")
    return response


def _int_arg(name: str, default: int) -> int:
    """A page number, 1 … MAX_PAGE; what does not parse is the default
    (`params.query_int`)."""
    return max(1, min(query_int(name, default) or default, MAX_PAGE))


def link_for(fields: dict) -> str | None:
    if "challenges.show" in current_app.view_functions:
        return url_for("challenges.show", challenge_id=fields["challenge_id"])
    return None


@bp.route("")
@anonymous_page
def index():
    q = request.args.get("q", "").strip()
    filters = {name: request.args.get(name, "").strip()[:40] for name in FACETS}
    filters = {name: value for name, value in filters.items() if value}
    page = result = options = None
    message = None
    if not q:
        message = _("Type one or more words to search challenges and awarded solutions.")
    elif len(q) > MAX_QUERY_LENGTH:
        message = _("The search is too long: use at most %(n)d characters.", n=MAX_QUERY_LENGTH)
    else:
        page = _int_arg("page", 1)
        try:
            result = services.search(services.SearchRequest(q, filters, page=page))
        except services.QueryError:
            message = _("There is nothing to search for in “%(q)s”: type some words.", q=q)
        else:
            options = services.facet_options(db.session, result, filters, current_language())

    def search_url(**changes):
        args = {"q": q, **filters, **changes}
        return url_for("search.index", **{k: v for k, v in args.items() if v})

    return render_template("search/index.html", q=q, filters=filters, result=result,
                           options=options, message=message, link_for=link_for,
                           search_url=search_url)
