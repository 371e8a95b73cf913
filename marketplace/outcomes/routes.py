"""Views of issue 17: the outcome of a pilot and its sandbox permission (under
`/orders/`), the public catalogue of proven solutions, the solver's offer, the agency's
confirmation and follow-on orders (under `/catalogue/`).

Views parse the form, call one rule, commit once, then redirect; on a `DomainError`
they roll back and show the form again with what was typed, the error by its field."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.files.services import attachments_of
from marketplace.forms import ConfirmForm
from marketplace.orders.blueprint import get_order_or_404, show_error
from marketplace.orders.forms import MILESTONE_ROWS
from marketplace.outcomes import api, queries, services  # noqa: F401 (api: its routes)
from marketplace.outcomes.forms import FollowOnForm, OfferForm, SandboxForm, outcome_form
from marketplace.outcomes.models import CatalogueEntry, KpiVerdict, OutcomeResult
from marketplace.params import BIGINT_MAX, query_int
from marketplace.policy.outcomes import buying_agencies
from marketplace.provinces import PROVINCES
from marketplace.taxonomy.services import current_groups
from marketplace.web import authorize, get_or_404, known_or_404, perform, uploads

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")
outcome_bp = Blueprint("outcomes", __name__, url_prefix="/orders")


# --- the outcome of a pilot ---------------------------------------------------------------

@outcome_bp.route("/<int:order_id>/outcome", methods=["GET", "POST"])
@login_required
def record(order_id: int):
    order = get_order_or_404(order_id)
    authorize("outcome.record", order)
    outcome = order.outcome
    form = outcome_form(order)
    if form.validate_on_submit():
        try:
            lines = [services.KpiLine(k.id, form[f"achieved_{k.id}"].data,
                                      KpiVerdict(form[f"verdict_{k.id}"].data),
                                      form[f"note_{k.id}"].data or "") for k in order.kpis]
            evidence = {k.id: [(f.stream, f.filename) for f in uploads(f"evidence_{k.id}")]
                        for k in order.kpis}
            services.save_outcome(db.session, current_user, order,
                                  result=OutcomeResult(form.result.data),
                                  lessons=form.lessons.data or "", lines=lines,
                                  evidence=evidence)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The outcome is saved as a draft. Publish it when it is complete."),
                  "success")
            return redirect(url_for("outcomes.record", order_id=order.id))
    elif not form.is_submitted() and outcome is not None:
        form.result.data, form.lessons.data = outcome.result.value, outcome.lessons
        for r in outcome.kpi_results:
            form[f"achieved_{r.kpi_id}"].data = r.achieved
            form[f"verdict_{r.kpi_id}"].data = r.verdict.value
            form[f"note_{r.kpi_id}"].data = r.note
    evidence = ({r.kpi_id: attachments_of(db.session, "kpi_result_id", r.id)
                 for r in outcome.kpi_results} if outcome is not None else {})
    return render_template("outcomes/record.html", order=order, outcome=outcome, form=form,
                           evidence=evidence, confirm=ConfirmForm()), (
        400 if form.is_submitted() else 200)


@outcome_bp.route("/<int:order_id>/outcome/publish", methods=["POST"])
@login_required
def publish(order_id: int):
    order = get_order_or_404(order_id)
    outcome = order.outcome
    authorize("outcome.publish", outcome)
    if ConfirmForm().validate_on_submit():
        perform(lambda: services.publish_outcome(db.session, current_user, outcome),
                _("The outcome is published."))
    return redirect(url_for("orders.show", order_id=order_id))


@outcome_bp.route("/<int:order_id>/sandbox", methods=["GET", "POST"])
@login_required
def sandbox(order_id: int):
    order = get_order_or_404(order_id)
    authorize("order.sandbox", order)
    form = SandboxForm()
    if form.validate_on_submit():
        try:
            services.record_sandbox(db.session, current_user, order, services.Sandbox(
                form.decision.data or "", form.issuer.data or "", form.scope.data or "",
                form.starts_on.data, form.ends_on.data))
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("orders.show", order_id=order.id))
    elif not form.is_submitted():
        form.decision.data, form.issuer.data = order.sandbox_decision, order.sandbox_issuer
        form.scope.data = order.sandbox_scope
        form.starts_on.data, form.ends_on.data = order.sandbox_starts_on, order.sandbox_ends_on
    return render_template("outcomes/sandbox.html", order=order, form=form), (
        400 if form.is_submitted() else 200)


@outcome_bp.route("/<int:order_id>/approve-follow-on", methods=["POST"])
@login_required
def approve(order_id: int):
    order = get_order_or_404(order_id)
    authorize("order.approve_follow_on", order)
    if ConfirmForm().validate_on_submit():
        perform(lambda: services.approve_follow_on(db.session, current_user, order),
                _("Approved: the officer may now offer the order to the solver."))
    return redirect(url_for("orders.show", order_id=order_id))


# --- the catalogue ------------------------------------------------------------------------

@bp.route("/")
def index():
    text = request.args.get("q", "")[:200]
    group_id = query_int("group", min=1)
    province = request.args.get("province", "")
    province = province if province in PROVINCES else ""
    price_max = query_int("price_max", min=1, max=BIGINT_MAX)
    rating_min = query_int("rating_min", min=1, max=5)
    found = queries.catalogue(db.session, text=text, group_id=group_id, province=province,
                              price_max=price_max, rating_min=rating_min)
    return render_template("catalogue/index.html", cards=found, text=text, group_id=group_id,
                           province=province, price_max=price_max, rating_min=rating_min,
                           groups=current_groups(db.session), provinces=PROVINCES)


def _entry_or_404(entry_id: int) -> CatalogueEntry:
    return get_or_404(CatalogueEntry, entry_id)


@bp.route("/<int:entry_id>")
def entry(entry_id: int):
    item = known_or_404(queries.load_entry(db.session, entry_id))
    card = queries.cards(db.session, [item])[0]
    outcome = item.outcome
    return render_template("catalogue/entry.html", entry=item, card=card, outcome=outcome,
                           evidence=queries.evidence(db.session, outcome),
                           confirm=ConfirmForm())


@bp.route("/<int:entry_id>/offer", methods=["GET", "POST"])
@login_required
def offer(entry_id: int):
    item = _entry_or_404(entry_id)
    authorize("catalogue.write_offer", item)
    form = OfferForm()
    if form.validate_on_submit():
        try:
            services.write_offer(db.session, current_user, item, services.Offer(
                form.unit.data, form.reference_price.data, form.conditions.data or "",
                form.valid_until.data, form.summary.data or ""))
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The offer is saved."), "success")
            return redirect(url_for("catalogue.entry", entry_id=item.id))
    elif not form.is_submitted():
        form.summary.data, form.unit.data = item.summary, item.unit
        form.reference_price.data, form.conditions.data = item.reference_price, item.conditions
        form.valid_until.data = item.valid_until
    return render_template("catalogue/offer.html", entry=item, form=form), (
        400 if form.is_submitted() else 200)


def _entry_step(entry_id: int, action: str, rule, done: str):
    item = _entry_or_404(entry_id)
    authorize(action, item)
    if ConfirmForm().validate_on_submit():
        perform(lambda: rule(db.session, current_user, item), done)
    return redirect(url_for("catalogue.entry", entry_id=entry_id))


@bp.route("/<int:entry_id>/confirm", methods=["POST"])
@login_required
def confirm(entry_id: int):
    return _entry_step(entry_id, "catalogue.confirm", services.confirm_facts,
                       _("The facts are confirmed."))


@bp.route("/<int:entry_id>/withdraw", methods=["POST"])
@login_required
def withdraw(entry_id: int):
    return _entry_step(entry_id, "catalogue.withdraw", services.withdraw_offer,
                       _("The offer is withdrawn."))


@bp.route("/<int:entry_id>/relist", methods=["POST"])
@login_required
def relist(entry_id: int):
    return _entry_step(entry_id, "catalogue.relist", services.relist,
                       _("The offer is listed again."))


@bp.route("/<int:entry_id>/order", methods=["GET", "POST"])
@login_required
def follow_on(entry_id: int):
    item = _entry_or_404(entry_id)
    authorize("followon.place", item)
    agencies = buying_agencies(current_user)
    form = FollowOnForm()
    form.agency.choices = [(a.id, a.name_vi) for a in agencies]
    if form.validate_on_submit():
        agency = next((a for a in agencies if a.id == form.agency.data), None)
        try:
            order = services.place_follow_on(
                db.session, current_user, item, agency, form.to_terms(),
                quantity=form.quantity.data, scope=form.scope.data,
                justification=form.justification.data)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The follow-on order is drafted. Offer it to the solver when it is "
                    "ready."), "success")
            return redirect(url_for("orders.show", order_id=order.id))
    elif not form.is_submitted():
        form.quantity.data = 1
        form.value.data = item.reference_price
        form.justification.data = _(
            "Based on the proven results of pilot order %(number)s.",
            number=item.order.contract_number)
        for row, kpi in zip(form.kpis, item.order.kpis, strict=False):
            row.form.name.data, row.form.target.data = kpi.name, kpi.target
    return render_template("catalogue/follow_on.html", entry=item, form=form, item=None,
                           order=item.order, ceiling=None, milestone_rows=MILESTONE_ROWS,
                           value_hint=_("At most the reference price times the quantity.")), (
        400 if form.is_submitted() else 200)

