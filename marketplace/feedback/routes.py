"""Citizens' feedback on a pilot: the public page with its form and QR code, and the
agency's moderation of comments.

Abuse control without tracking anyone:
- per address and per pilot rate limits on recorded ratings (Flask-Limiter, in its own
  storage: `CITIZEN_FEEDBACK_LIMIT_PER_ADDRESS`, `CITIZEN_FEEDBACK_LIMIT_PER_PILOT`);
- one rating per browser per pilot per Vietnamese calendar day: a cookie signed with the
  site's key, holding the day and the pilots this browser rated that day. It lives in
  the browser only: nothing of it is stored with the rating;
- comments are sanitised (`services.clean_comment`) and wait for the agency."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeSerializer

from marketplace.errors import DomainError
from marketplace.extensions import db, limiter
from marketplace.feedback import qr, services
from marketplace.feedback.forms import CitizenFeedbackForm
from marketplace.feedback.models import CitizenFeedback
from marketplace.forms import ConfirmForm
from marketplace.orders.models import PilotOrder, RatingSide
from marketplace.orders.terms import local_today
from marketplace.web import absolute_url, attach_error, authorize, get_or_404, perform

bp = Blueprint("feedback", __name__)

COOKIE = "citizen_rated"
COOKIE_SALT = "citizen-feedback.rated-today"
COOKIE_MAX_PILOTS = 50


# --- the browser's own record of today's ratings ------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=COOKIE_SALT)


def rated_today() -> set[int]:
    """The pilots this browser rated today (Viet Nam's day), from its signed cookie; a
    cookie from another day, or one that does not verify, counts as none."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return set()
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return set()
    if not isinstance(value, dict) or value.get("d") != local_today().isoformat():
        return set()
    return {n for n in value.get("o", []) if isinstance(n, int)}


def _remember(response: Response, order_id: int, already: set[int]) -> None:
    pilots = sorted(already | {order_id})[-COOKIE_MAX_PILOTS:]
    response.set_cookie(
        COOKIE, _serializer().dumps({"d": local_today().isoformat(), "o": pilots}),
        max_age=2 * 24 * 3600, httponly=True, samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))


# --- rate limits ----------------------------------------------------------------------

def _address_limit() -> str:
    return current_app.config["CITIZEN_FEEDBACK_LIMIT_PER_ADDRESS"]


def _pilot_limit() -> str:
    return current_app.config["CITIZEN_FEEDBACK_LIMIT_PER_PILOT"]


def _pilot_key() -> str:
    return f"citizen-feedback-pilot:{(request.view_args or {}).get('order_id')}"


def _recorded(response) -> bool:
    """Only a recorded rating counts against the limits (a refused form does not)."""
    return response.status_code == 302


# --- pages ------------------------------------------------------------------------------

def _order(order_id: int) -> PilotOrder:
    order = get_or_404(PilotOrder, order_id)
    authorize("feedback.view", order, hide=True)
    return order


@bp.route("/orders/<int:order_id>/feedback", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_recorded,
               error_message="citizen-feedback-address")
@limiter.limit(_pilot_limit, methods=["POST"], key_func=_pilot_key, deduct_when=_recorded,
               error_message="citizen-feedback-pilot")
def give(order_id: int):
    order = _order(order_id)
    form = CitizenFeedbackForm()
    already = rated_today()
    if form.validate_on_submit():
        try:
            services.give(db.session, order, rating=int(form.rating.data),
                          comment=form.comment.data or "", rated_today=order.id in already)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Thank you! Your rating is recorded.") + (
                " " + _("Your comment will be shown once the agency has read it.")
                if (form.comment.data or "").strip() else ""), "success")
            response = redirect(url_for("feedback.give", order_id=order.id))
            _remember(response, order.id, already)
            return response
    return render_template(
        "feedback/give.html", order=order, form=form,
        index=services.citizens_index(order),
        agency_rating=next((r for r in order.ratings if r.side is RatingSide.AGENCY), None),
        comments=services.published(db.session, order),
        done_today=order.id in already,
        page_url=absolute_url("feedback.give", order_id=order.id),
    ), (400 if form.errors else 200)


@bp.route("/orders/<int:order_id>/feedback/qr.svg")
def qr_code(order_id: int):
    """The QR code to print at the pilot's site: the feedback page's public address."""
    order = _order(order_id)
    body = qr.svg(absolute_url("feedback.give", order_id=order.id))
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    if request.args.get("download"):
        response.headers["Content-Disposition"] = (
            f'attachment; filename="feedback-qr-{order.id}.svg"')
    return response


@bp.route("/orders/<int:order_id>/feedback/moderation")
@login_required
def moderation(order_id: int):
    order = get_or_404(PilotOrder, order_id)
    authorize("feedback.moderate", order)
    return render_template("feedback/moderation.html", order=order,
                           waiting=services.waiting(db.session, order),
                           index=services.citizens_index(order), confirm=ConfirmForm())


def _decide(feedback_id: int, action: str):
    feedback = get_or_404(CitizenFeedback, feedback_id)
    authorize(f"feedback.{action}", feedback)
    order_id = feedback.order_id
    if ConfirmForm().validate_on_submit():
        user = current_user._get_current_object()
        if action == "approve":
            perform(lambda: services.approve(db.session, user, feedback),
                    _("The comment is published."))
        else:
            perform(lambda: services.reject(db.session, user, feedback),
                    _("The comment is not published; it counts among the rejected ones."))
    return redirect(url_for("feedback.moderation", order_id=order_id))


@bp.route("/feedback/<int:feedback_id>/approve", methods=["POST"])
@login_required
def approve(feedback_id: int):
    return _decide(feedback_id, "approve")


@bp.route("/feedback/<int:feedback_id>/reject", methods=["POST"])
@login_required
def reject(feedback_id: int):
    return _decide(feedback_id, "reject")
