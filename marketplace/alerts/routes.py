"""Alerts: follow a challenge, an agency, a technology group or a saved search; the
user's list; the visitor's confirmation link; the one-click unsubscribe (RFC 8058); the
Atom feeds per agency and per saved search."""

from __future__ import annotations

from feedgen.feed import FeedGenerator
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Organization, OrgKind
from marketplace.alerts import news, services, tokens
from marketplace.alerts.forms import FollowForm
from marketplace.alerts.models import Follow, FollowKind, FollowStatus, Frequency
from marketplace.errors import DomainError
from marketplace.extensions import csrf, db, limiter
from marketplace.forms import ConfirmForm
from marketplace.i18n import current_language
from marketplace.params import parse_int
from marketplace.types import utcnow
from marketplace.web import absolute_url, attach_error, authorize, get_or_404, perform

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
FEED_SIZE = 50


def _follow_limit() -> str:
    return current_app.config["ALERTS_FOLLOW_LIMIT_PER_ADDRESS"]


def _accepted(response) -> bool:
    return response.status_code in (200, 302)


def _what(args) -> tuple[FollowKind, int | None, str]:
    """What the button asks to follow: `kind` and `target`, or for a saved search
    `query` (stored form) or `on` ("challenges", "search") with the search's own
    arguments. 404 when it names nothing."""
    try:
        kind = FollowKind(args.get("kind", ""))
    except ValueError:
        abort(404)
    if kind is not FollowKind.SEARCH:
        target = parse_int(args.get("target"), min=1)
        if target is None:
            abort(404)
        return kind, target, ""
    try:
        if args.get("query"):
            return kind, None, news.saved_search(*news.split(args["query"]))
        return kind, None, news.saved_search(args.get("on", ""), args)
    except ValueError:
        abort(404)


@bp.route("/follow", methods=["GET", "POST"])
@limiter.limit(_follow_limit, methods=["POST"], deduct_when=_accepted,
               error_message="alerts-follow-address")
def follow():
    authorize("follow.create")
    source = request.form if request.method == "POST" else request.args
    kind, target, query = _what(source)
    user = current_user._get_current_object() if current_user.is_authenticated else None
    locale = current_language()
    name = services.target_name(db.session, kind, target, query, locale)
    if name is None:
        abort(404)
    form = FollowForm()
    if user is not None:
        del form.email
    if not form.is_submitted():
        form.kind.data, form.target.data, form.query.data = kind.value, target or "", query
    if form.validate_on_submit():
        try:
            item = services.follow(db.session, user, kind=kind, target_id=target, query=query,
                                   frequency=Frequency(form.frequency.data),
                                   email=form.email.data if user is None else None,
                                   locale=locale)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            if user is not None:
                flash(_("You follow it now. Change or stop it here at any time."), "success")
                return redirect(url_for("alerts.index"))
            return render_template("alerts/check_mail.html", item=item, name=name)
    return render_template("alerts/follow.html", form=form, kind=kind, name=name,
                           user=user), (400 if form.errors else 200)


@bp.route("/")
@login_required
def index():
    authorize("follow.manage")
    user = current_user._get_current_object()
    locale = current_language()
    follows = services.follows_of(db.session, user)
    targets = services.read_targets(db.session, follows)  # held while labelled
    rows = [(item, services.label(db.session, item, locale)) for item in follows]
    del targets
    return render_template("alerts/index.html", rows=rows, confirm=ConfirmForm())


@bp.route("/<int:follow_id>/stop", methods=["POST"])
@login_required
def stop(follow_id: int):
    item = get_or_404(Follow, follow_id)
    authorize("follow.stop", item, hide=True)
    if ConfirmForm().validate_on_submit():
        perform(lambda: services.stop(db.session, current_user._get_current_object(), item),
                _("Stopped: no more mail about it."))
    return redirect(url_for("alerts.index"))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """The visitor's confirmation link: a page with a button (a mail scanner that
    opens links confirms nothing); the POST confirms."""
    follow_id = tokens.read_confirm(token)
    item = db.session.get(Follow, follow_id) if follow_id is not None else None
    if item is None or item.status is FollowStatus.ENDED:
        abort(404)
    name = services.label(db.session, item, current_language())
    if ConfirmForm().validate_on_submit():
        if services.confirm(db.session, item):
            db.session.commit()
        return render_template("alerts/confirmed.html", item=item, name=name)
    if item.status is FollowStatus.ACTIVE:
        return render_template("alerts/confirmed.html", item=item, name=name)
    return render_template("alerts/confirm.html", item=item, name=name,
                           confirm=ConfirmForm())


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click"; the signed
# token is the authority, and it only ever stops mail
def unsubscribe(token: str):
    payload = tokens.read_unsubscribe(token)
    if payload is None:
        abort(404)
    if request.method == "POST":
        services.unsubscribe(db.session, payload)
        db.session.commit()
        return render_template("alerts/unsubscribed.html")
    return render_template("alerts/unsubscribe.html", token=token)


# --- Atom feeds ------------------------------------------------------------------------------

def _feed(title: str, self_url: str, page_url: str, entries) -> Response:
    """An Atom 1.0 document (feedgen): `entries` are (id, title, link, updated, summary)."""
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(title)
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.language(current_language())
    feed.author({"name": _("First Customer Marketplace")})
    feed.updated(max((e[3] for e in entries), default=utcnow()))
    for entry_id, entry_title, link, updated, summary in entries:
        entry = feed.add_entry(order="append")
        entry.id(entry_id)
        entry.title(entry_title)
        entry.link(href=link, rel="alternate")
        entry.updated(updated)
        entry.summary(summary)
    return Response(feed.atom_str(pretty=False), mimetype="application/atom+xml")


@bp.route("/feeds/agencies/<int:agency_id>.atom")
def agency_feed(agency_id: int):
    authorize("feed.view")
    agency = db.session.get(Organization, agency_id)
    if agency is None or agency.kind is not OrgKind.AGENCY or \
            services.target_name(db.session, FollowKind.AGENCY, agency_id, "",
                                 current_language()) is None:
        abort(404)
    home = url_for("activity.index", _external=True)
    items = news.recent_items(db.session, "agency", agency_id, FEED_SIZE)
    return _feed(_("%(agency)s on the First Customer Marketplace",
                   agency=agency.display_name(current_language())),
                 url_for("alerts.agency_feed", agency_id=agency_id, _external=True), home,
                 [(f"{home}#event-{i.id}", i.text, i.link or home, i.created_at, i.text)
                  for i in items])


@bp.route("/feeds/search.atom")
def search_feed():
    """The newest public challenges a saved search finds: `on=challenges` with the
    list's filters, or `on=search` with `q` and the facets."""
    authorize("feed.view")
    try:
        query = news.saved_search(request.args.get("on", ""), request.args)
    except ValueError:
        abort(404)
    path, args = news.split(query)
    self_url = url_for("alerts.search_feed", _external=True, on=path,
                       **args.to_dict())
    page_url = absolute_url(news.saved_search_url(query))
    locale = current_language()
    if path == "challenges":
        from marketplace.challenges.queries import search_public

        challenges = search_public(db.session, news.challenge_filters(db.session, args)).items
        entries = [(url_for("challenges.show", challenge_id=c.id, _external=True), c.title,
                    url_for("challenges.show", challenge_id=c.id, _external=True),
                    c.published_at or utcnow(),
                    c.agency.display_name(locale)) for c in challenges]
    else:
        from marketplace.search import services as search

        try:
            hits = search.search(news.search_request(args, 20)).hits
        except search.QueryError:
            hits = []
        now = utcnow()
        entries = []
        for hit in hits:
            link = url_for("challenges.show", challenge_id=hit.fields["challenge_id"],
                           _external=True)
            entries.append((f"{link}#{hit.fields.get('doc_id', '')}",
                            str(hit.fields.get("title", "")), link, now,
                            str(hit.fields.get("title", ""))))
    return _feed(_("First Customer Marketplace: %(search)s",
                   search=services.target_name(db.session, FollowKind.SEARCH, None, query,
                                               locale)),
                 self_url, page_url, entries)
