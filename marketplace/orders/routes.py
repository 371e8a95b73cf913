"""Views of the pilot order: the public page, drafting, offering, the two signatures,
amendments and termination. Milestone steps and payments are in `milestone_routes`.

Views parse the form, call one rule, commit once, then redirect; on a `DomainError`
they roll back and show the form again with what was typed."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import policy
from marketplace.cache import anonymous_page
from marketplace.documents import signing
from marketplace.documents.signatures import certificates_required
from marketplace.errors import DomainError
from marketplace.evaluation.models import AwardItem
from marketplace.extensions import db
from marketplace.feedback.services import citizens_index
from marketplace.forms import ConfirmForm, ReasonForm
from marketplace.orders import amendments, milestone_routes, services  # noqa: F401
from marketplace.orders.blueprint import bp, get_order_or_404, show_error
from marketplace.orders.forms import MILESTONE_ROWS, AmendmentForm, OrderForm, SignForm
from marketplace.orders.models import OrderAmendment, OrderStatus
from marketplace.orders.queries import party_view, summarize
from marketplace.orders.terms import terms_of, terms_sha256
from marketplace.outcomes.queries import order_record
from marketplace.payments.gateway import get_gateway
from marketplace.scorecards import services as scorecards
from marketplace.web import attach_error, authorize, get_or_404, perform

__all__ = ["bp"]


@bp.route("/<int:order_id>")
@anonymous_page
def show(order_id: int):
    order = get_order_or_404(order_id)
    party = (party_view(db.session, order)
             if policy.can(current_user, "order.view_confidential", order) else None)
    outcome, again = order_record(db.session, order)  # issue 17
    return render_template("orders/show.html", order=order,
                           summary=summarize(order, paid_on=party and party.paid_on),
                           outcome=outcome, again=again,
                           party=party, offline=get_gateway().confirms_at_once,
                           confirm=ConfirmForm(),
                           signatures=signing.signatures_of(db.session, order),
                           flags=scorecards.pairs(order.red_flags),
                           citizens=citizens_index(order))


@bp.route("/new/<int:award_item_id>", methods=["GET", "POST"])
@login_required
def new(award_item_id: int):
    item = get_or_404(AwardItem, award_item_id)
    authorize("order.create", item)
    form = OrderForm()
    if form.validate_on_submit():
        try:
            order = services.draft_order(db.session, current_user, item, form.to_terms())
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The pilot order is drafted. Offer it to the solver when it is ready."),
                  "success")
            return redirect(url_for("orders.show", order_id=order.id))
    elif not form.is_submitted():
        form.value.data = item.amount
    return render_template("orders/form.html", form=form, item=item, order=None), (
        400 if form.is_submitted() else 200)


@bp.route("/<int:order_id>/edit", methods=["GET", "POST"])
@login_required
def edit(order_id: int):
    order = get_order_or_404(order_id)
    authorize("order.edit", order)
    form = OrderForm()
    if form.validate_on_submit():
        try:
            services.update_draft(db.session, current_user, order, form.to_terms())
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("orders.show", order_id=order.id))
    elif not form.is_submitted():
        _fill(form, order)
    ceiling = services.follow_on_ceiling(order) if order.award_item is None else None
    return render_template("orders/form.html", form=form, item=order.award_item,
                           order=order, ceiling=ceiling), (400 if form.is_submitted() else 200)


def _fill(form, order, *, with_terms: bool = True) -> None:
    if with_terms:
        form.contract_number.data = order.contract_number
        form.terms.data = order.terms
        for row, kpi in zip(form.kpis, order.kpis, strict=False):
            row.form.name.data, row.form.target.data = kpi.name, kpi.target
    form.value.data = order.value
    form.start_date.data, form.end_date.data = order.start_date, order.end_date
    while len(form.milestones) < len(order.milestones) + 2:
        form.milestones.append_entry()
    for row, m in zip(form.milestones, order.milestones, strict=False):
        row.form.id.data = str(m.id)
        row.form.deliverable.data, row.form.due_date.data = m.deliverable, m.due_date
        row.form.amount.data = m.amount


def _step(order_id: int, action: str, rule, done: str):
    order = get_order_or_404(order_id)
    authorize(action, order)
    if ConfirmForm().validate_on_submit():
        perform(lambda: rule(db.session, current_user, order), done)
    return redirect(url_for("orders.show", order_id=order_id))


@bp.route("/<int:order_id>/offer", methods=["POST"])
@login_required
def offer(order_id: int):
    return _step(order_id, "order.offer", services.offer,
                 _("The order is offered to the solver for signature."))


@bp.route("/<int:order_id>/withdraw-offer", methods=["POST"])
@login_required
def withdraw_offer(order_id: int):
    return _step(order_id, "order.withdraw_offer", services.withdraw_offer,
                 _("The offer is withdrawn; the order is a draft again."))


def _signature_page(order, form, *, title, terms, digest, changes=None, status=200):
    form.terms_sha256.data = digest
    return render_template("orders/sign.html", order=order, form=form, title=title,
                           terms=terms, digest=digest, changes=changes), status


@bp.route("/<int:order_id>/sign", methods=["GET", "POST"])
@login_required
def sign(order_id: int):
    order = get_order_or_404(order_id)
    countersigning = order.status is OrderStatus.SIGNED
    authorize("order.countersign" if countersigning else "order.sign", order)
    if certificates_required() and request.method == "GET":
        return redirect(url_for("documents.sign_order", order_id=order_id))
    form = SignForm()
    if form.validate_on_submit():
        rule = services.countersign if countersigning else services.sign
        try:
            rule(db.session, current_user, order, full_name=form.full_name.data,
                 confirmed=form.confirm.data, shown_sha256=form.terms_sha256.data or "")
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
            order = get_order_or_404(order_id)
        else:
            db.session.commit()
            flash(_("Countersigned: the order is active.") if countersigning else
                  _("Signed. The agency's approver countersigns next."), "success")
            return redirect(url_for("orders.show", order_id=order_id))
    title = _("Countersign the pilot order") if countersigning else _("Sign the pilot order")
    return _signature_page(order, form, title=title, terms=terms_of(order),
                           digest=terms_sha256(order),
                           status=400 if form.is_submitted() else 200)


@bp.route("/<int:order_id>/terminate", methods=["GET", "POST"])
@login_required
def terminate(order_id: int):
    order = get_order_or_404(order_id)
    authorize("order.terminate", order)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.terminate(db.session, current_user, order, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The order is terminated. Accepted milestones remain payable."), "success")
            return redirect(url_for("orders.show", order_id=order_id))
    return render_template("orders/terminate.html", order=order, form=form,
                           summary=summarize(order))


@bp.route("/<int:order_id>/amend", methods=["GET", "POST"])
@login_required
def amend(order_id: int):
    order = get_order_or_404(order_id)
    authorize("order.amend", order)
    form = AmendmentForm()
    if form.validate_on_submit():
        try:
            amendments.propose(db.session, current_user, order, value=form.value.data,
                               start_date=form.start_date.data, end_date=form.end_date.data,
                               milestones=form.milestone_plans(), reason=form.reason.data)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            order = get_order_or_404(order_id)
        else:
            db.session.commit()
            flash(_("The amendment is proposed; it takes effect when both sides have signed "
                    "it."), "success")
            return redirect(url_for("orders.show", order_id=order_id))
    elif not form.is_submitted():
        _fill(form, order, with_terms=False)
    while len(form.milestones) < MILESTONE_ROWS:
        form.milestones.append_entry()
    locked = {str(m.id) for m in order.milestones if m.status.value != "planned"}
    return render_template("orders/amend.html", order=order, form=form, locked=locked), (
        400 if form.is_submitted() else 200)


def _amendment_or_404(order, amendment_id: int) -> OrderAmendment:
    amendment = next((a for a in order.amendments if a.id == amendment_id), None)
    if amendment is None:
        abort(404)
    return amendment


@bp.route("/<int:order_id>/amendments/<int:amendment_id>/sign", methods=["GET", "POST"])
@login_required
def sign_amendment(order_id: int, amendment_id: int):
    order = get_order_or_404(order_id)
    amendment = _amendment_or_404(order, amendment_id)
    authorize("amendment.sign", amendment)
    if certificates_required() and request.method == "GET":
        return redirect(url_for("documents.sign_amendment", order_id=order_id,
                                amendment_id=amendment_id))
    form = SignForm()
    if form.validate_on_submit():
        try:
            applied = amendments.sign(db.session, current_user, amendment,
                                      full_name=form.full_name.data,
                                      confirmed=form.confirm.data,
                                      shown_sha256=form.terms_sha256.data or "")
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
            order = get_order_or_404(order_id)
            amendment = _amendment_or_404(order, amendment_id)
        else:
            db.session.commit()
            flash(_("Signed: the amendment is in effect.") if applied else
                  _("Signed. The other side signs next."), "success")
            return redirect(url_for("orders.show", order_id=order_id))
    proposed = amendments.proposed_terms(order, amendment)
    return _signature_page(order, form, title=_("Sign the amendment"), terms=proposed,
                           digest=terms_sha256(proposed), changes=amendment,
                           status=400 if form.is_submitted() else 200)


@bp.route("/<int:order_id>/amendments/<int:amendment_id>/withdraw", methods=["POST"])
@login_required
def withdraw_amendment(order_id: int, amendment_id: int):
    order = get_order_or_404(order_id)
    amendment = _amendment_or_404(order, amendment_id)
    authorize("order.amend", order)
    if ConfirmForm().validate_on_submit():
        perform(lambda: amendments.withdraw(db.session, current_user, amendment),
                _("The amendment is withdrawn."))
    return redirect(url_for("orders.show", order_id=order_id))
