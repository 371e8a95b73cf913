"""A user's notifications, preferences and subscriptions; and queueing the outbox's job
after the request's commit."""

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace import jobs
from marketplace.accounts.models import Organization, OrgKind, OrgStatus
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import ConfirmForm
from marketplace.i18n import current_language
from marketplace.notifications import events, forms, services
from marketplace.notifications.kinds import KINDS
from marketplace.notifications.models import Notification, Subscription
from marketplace.taxonomy.models import TaxonomyVersion, TechnologyGroup
from marketplace.web import authorize, get_or_404

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
log = logging.getLogger(__name__)


@bp.after_app_request
def send_outbox_after_commit(response):
    """When this request committed outbox mail, ask the worker to send it (a job on the
    queue: nothing is sent here). Never fails the request: the worker also sends what is
    due every minute."""
    if current_app.config.get("MAIL_SEND_AFTER_REQUEST", True) and db.session.registry.has():
        session = db.session()
        if session.info.pop(events.READY, False) and not session.info.get(events.UNSAVED):
            jobs.enqueue("send_mail")
    return response


@bp.route("/")
@login_required
def index():
    user = current_user._get_current_object()
    return render_template("notifications/index.html",
                           notifications=services.recent(db.session, user),
                           unread=services.unread_count(db.session, user), confirm=ConfirmForm())


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    note = get_or_404(Notification, notification_id)
    authorize("notification.read", note, hide=True)
    if ConfirmForm().validate_on_submit():
        services.mark_read(db.session, current_user._get_current_object(), note)
        db.session.commit()
        if note.link.startswith("/") and not note.link.startswith("//") \
                and request.form.get("follow"):
            return redirect(note.link)
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def mark_all_read():
    if ConfirmForm().validate_on_submit():
        services.mark_all_read(db.session, current_user._get_current_object())
        db.session.commit()
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    authorize("notification.manage_preferences")
    user = current_user._get_current_object()
    form = forms.preferences_form(services.preferences_of(db.session, user))
    if form.validate_on_submit():
        services.set_preferences(db.session, user, forms.chosen_preferences(form))
        db.session.commit()
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    rows = [(label, form[f"in_app_{n}"], form[f"email_{n}"])
            for n, label in enumerate(KINDS.values())]
    return render_template("notifications/preferences.html", form=form, rows=rows)


def _subscribe_form() -> forms.SubscribeForm:
    locale = current_language()
    form = forms.SubscribeForm()
    groups = db.session.scalars(select(TechnologyGroup).join(TaxonomyVersion).where(
        TaxonomyVersion.valid_to.is_(None)).order_by(TechnologyGroup.position))
    agencies = db.session.scalars(select(Organization).where(
        Organization.kind == OrgKind.AGENCY, Organization.status == OrgStatus.VERIFIED
    ).order_by(Organization.name_vi))
    form.technology_group.choices = [("", _("— none —"))] + [
        (str(g.id), g.display_name(locale)) for g in groups]
    form.agency.choices = [("", _("— none —"))] + [
        (str(o.id), o.display_name(locale)) for o in agencies]
    return form


@bp.route("/subscriptions", methods=["GET", "POST"])
@login_required
def subscriptions():
    authorize("notification.subscribe")
    user = current_user._get_current_object()
    form = _subscribe_form()
    if form.validate_on_submit():
        try:
            if form.technology_group.data:
                services.subscribe(db.session, user,
                                   technology_group_id=int(form.technology_group.data))
            if form.agency.data:
                services.subscribe(db.session, user, agency_id=int(form.agency.data))
            if not (form.technology_group.data or form.agency.data):
                raise DomainError(_("Choose a technology group or an agency."))
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Subscribed. New challenges that match will be notified to you."),
                  "success")
            return redirect(url_for("notifications.subscriptions"))
    locale = current_language()
    current = [(s, _subscription_label(s, locale))
               for s in services.subscriptions_of(db.session, user)]
    return render_template("notifications/subscriptions.html", form=form, current=current,
                           confirm=ConfirmForm())


def _subscription_label(subscription: Subscription, locale: str) -> str:
    if subscription.technology_group_id is not None:
        group = db.session.get(TechnologyGroup, subscription.technology_group_id)
        return _("Technology group: %(name)s", name=group.display_name(locale))
    agency = db.session.get(Organization, subscription.agency_id)
    return _("Agency: %(name)s", name=agency.display_name(locale))


@bp.route("/subscriptions/<int:subscription_id>/delete", methods=["POST"])
@login_required
def unsubscribe(subscription_id: int):
    subscription = get_or_404(Subscription, subscription_id)
    authorize("notification.unsubscribe", subscription, hide=True)
    if ConfirmForm().validate_on_submit():
        services.unsubscribe(db.session, current_user._get_current_object(), subscription)
        db.session.commit()
        flash(_("Unsubscribed."), "success")
    return redirect(url_for("notifications.subscriptions"))
