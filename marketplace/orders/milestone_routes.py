"""Views of milestones (delivery, acceptance, rejection, payment) and of what follows
completion (ratings, scale-up recommendation). Calls to the payment provider happen
here, after the commit, never inside a rule."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import policy
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import ConfirmForm, ReasonForm
from marketplace.orders import milestones as rules
from marketplace.orders.blueprint import bp, get_order_or_404, show_error
from marketplace.orders.forms import (
    AgencyRatingForm,
    DeliveryForm,
    OfflinePaymentForm,
    RecommendationForm,
    pilot_rating_form,
)
from marketplace.orders.models import MilestoneStatus
from marketplace.orders.terms import local_today
from marketplace.payments import calls
from marketplace.payments import services as payments
from marketplace.payments.gateway import GatewayError, get_gateway
from marketplace.payments.models import Payment
from marketplace.web import authorize, perform, uploads


def _milestone_or_404(order, milestone_id: int):
    milestone = next((m for m in order.milestones if m.id == milestone_id), None)
    if milestone is None:
        abort(404)
    return milestone


def _back(order):
    return redirect(url_for("orders.show", order_id=order.id))


@bp.route("/<int:order_id>/milestones/<int:milestone_id>/deliver", methods=["GET", "POST"])
@login_required
def deliver(order_id: int, milestone_id: int):
    order = get_order_or_404(order_id)
    milestone = _milestone_or_404(order, milestone_id)
    authorize("milestone.deliver", milestone)
    form = DeliveryForm()
    sent = uploads(form.files.name)
    if form.validate_on_submit():
        files = [(f.stream, f.filename) for f in sent]
        try:
            rules.deliver(db.session, current_user, milestone, form.notes.data, files)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The delivery is reported; the agency will accept or reject it."),
                  "success")
            return _back(order)
    return render_template("orders/deliver.html", order=order, milestone=milestone,
                           form=form), (400 if form.is_submitted() else 200)


@bp.route("/<int:order_id>/milestones/<int:milestone_id>/accept", methods=["POST"])
@login_required
def accept(order_id: int, milestone_id: int):
    order = get_order_or_404(order_id)
    milestone = _milestone_or_404(order, milestone_id)
    authorize("milestone.accept", milestone)
    if ConfirmForm().validate_on_submit():
        perform(lambda: rules.accept(db.session, current_user, milestone),
                _("The milestone is accepted and can now be paid."))
    return _back(order)


@bp.route("/<int:order_id>/milestones/<int:milestone_id>/reject", methods=["GET", "POST"])
@login_required
def reject(order_id: int, milestone_id: int):
    order = get_order_or_404(order_id)
    milestone = _milestone_or_404(order, milestone_id)
    authorize("milestone.reject", milestone)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            rules.reject(db.session, current_user, milestone, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The delivery is rejected; the milestone is planned again."), "success")
            return _back(order)
    return render_template("orders/reject.html", order=order, milestone=milestone, form=form)


@bp.route("/<int:order_id>/milestones/<int:milestone_id>/pay", methods=["GET", "POST"])
@login_required
def pay(order_id: int, milestone_id: int):
    order = get_order_or_404(order_id)
    milestone = _milestone_or_404(order, milestone_id)
    authorize("payment.record", milestone)
    gateway = get_gateway()
    if gateway.confirms_at_once:
        form = OfflinePaymentForm()
        form.amount_due = milestone.amount
        if not form.is_submitted():
            form.paid_on.data = local_today()
        if form.validate_on_submit():
            try:
                payments.record_offline(db.session, current_user, milestone,
                                        treasury=form.treasury_payment(),
                                        paid_on=form.paid_on.data)
            except DomainError as error:
                db.session.rollback()
                show_error(form, error)
            else:
                db.session.commit()
                flash(_("The transfer is recorded; the milestone is paid."), "success")
                return _back(order)
        return render_template("orders/pay.html", order=order, milestone=milestone,
                               form=form, offline=True), (400 if form.errors else 200)
    form = ConfirmForm()
    if form.validate_on_submit():
        return _pay_with_stripe(gateway, order, milestone)
    return render_template("orders/pay.html", order=order, milestone=milestone, form=form,
                           offline=False)


def _pay_with_stripe(gateway, order, milestone):
    """Cancel the milestone's earlier failed intents (one charge per milestone), commit
    the pending payment and its idempotency key, then ask Stripe; the milestone is paid
    only when Stripe's signed webhook confirms it."""
    try:
        calls.cancel_earlier_intents(db.session, gateway, milestone)
    except GatewayError as error:
        db.session.rollback()
        current_app.logger.warning("earlier intent of milestone %s not cancelled: %s",
                                   milestone.id, error)
        flash(_("Stripe could not cancel the earlier attempt to pay this milestone, so no "
                "new one is started. Try again later."), "warning")
        return _back(order)
    if milestone.status is not MilestoneStatus.ACCEPTED:
        flash(_("An earlier payment of this milestone went through after all: it is paid."),
              "info")
        return _back(order)
    try:
        payment = payments.start_stripe(db.session, current_user, milestone)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _back(order)
    db.session.commit()
    try:
        intent = gateway.create_intent(payment)
    except GatewayError as error:
        current_app.logger.warning("Stripe payment %s not started: %s", payment.id, error)
        if error.retryable:  # kept pending: a retry sends the same idempotency key
            flash(_("Stripe could not be reached. Try again: the same payment will be "
                    "used, never a second one."), "warning")
            return _back(order)
        payments.fail(db.session, payment, str(error))
        db.session.commit()
        flash(_("Stripe could not start the payment: %(error)s", error=str(error)), "danger")
        return _back(order)
    try:
        payments.attach_intent(db.session, payment, intent)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _back(order)
    db.session.commit()
    flash(_("The payment is started with Stripe; the milestone is marked paid when Stripe "
            "confirms it."), "info")
    return _back(order)


@bp.route("/<int:order_id>/milestones/<int:milestone_id>/payments/<int:payment_id>/abandon",
          methods=["POST"])
@login_required
def abandon_payment(order_id: int, milestone_id: int, payment_id: int):
    """Give up a pending Stripe payment that does not go through: its intent is cancelled
    through Stripe first, then the milestone can be paid anew."""
    order = get_order_or_404(order_id)
    milestone = _milestone_or_404(order, milestone_id)
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.milestone_id != milestone.id:
        abort(404)
    authorize("payment.abandon", payment)
    if not ConfirmForm().validate_on_submit():
        return _back(order)
    gateway = get_gateway()
    intent = None
    if payment.stripe_payment_intent_id:
        try:
            intent = gateway.cancel_intent(payment.stripe_payment_intent_id)
        except GatewayError as error:
            flash(_("Stripe could not cancel this payment: %(error)s", error=str(error)),
                  "danger")
            return _back(order)
    try:
        outcome = payments.abandon(db.session, current_user, payment, intent)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _back(order)
    db.session.commit()
    if outcome == "refund due":
        calls.refund_due(db.session, gateway, milestone.id)
    flash(_("The payment is abandoned; the milestone can be paid again.")
          if outcome == "abandoned" else
          _("Stripe had already received this payment; see its status below."), "info")
    return _back(order)


@bp.route("/<int:order_id>/rate", methods=["GET", "POST"])
@login_required
def rate(order_id: int):
    order = get_order_or_404(order_id)
    if policy.can(current_user, "order.rate_pilot", order):
        form = pilot_rating_form(order.kpis)
        rule = rules.rate_pilot
        template = "orders/rate_pilot.html"
    else:
        authorize("order.rate_agency", order)
        form = AgencyRatingForm()
        rule = rules.rate_agency
        template = "orders/rate_agency.html"
    if form.validate_on_submit():
        try:
            rule(db.session, current_user, order, form.scores(), form.comment.data)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Thank you: the rating is published with the order."), "success")
            return _back(order)
    return render_template(template, order=order, form=form)


@bp.route("/<int:order_id>/recommend", methods=["GET", "POST"])
@login_required
def recommend(order_id: int):
    order = get_order_or_404(order_id)
    authorize("order.recommend", order)
    form = RecommendationForm()
    if form.validate_on_submit():
        try:
            rules.recommend(db.session, current_user, order,
                            recommended=form.recommended.data == "yes",
                            follow_on=form.follow_on_plan.data)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The recommendation is recorded."), "success")
            return _back(order)
    elif not form.is_submitted() and order.scale_up_recommended is not None:
        form.recommended.data = "yes" if order.scale_up_recommended else "no"
        form.follow_on_plan.data = order.follow_on_plan
    return render_template("orders/recommend.html", order=order, form=form)
