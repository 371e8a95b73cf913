"""Complaint pages: the public register, filing (a bidder, during the standstill), the
complaint's page (whole for its two sides, the public summary for everyone once decided),
and the agency's taking up and decision."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import policy
from marketplace.accounts.models import Organization
from marketplace.challenges.models import Challenge
from marketplace.complaints import services, standstill
from marketplace.complaints.forms import ComplaintForm, DecisionForm
from marketplace.complaints.models import Complaint
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import ConfirmForm
from marketplace.params import query_int
from marketplace.web import attach_error, authorize, get_or_404, perform

bp = Blueprint("complaints", __name__, url_prefix="/complaints")


@bp.route("/")
def register():
    """The public register, for one challenge (`challenge`), one agency (`agency`) or all."""
    challenge_id = query_int("challenge", strict=True)
    agency_id = query_int("agency", strict=True)
    challenge = agency = None
    if challenge_id is not None:
        challenge = get_or_404(Challenge, challenge_id)
        authorize("challenge.view", challenge, hide=True)
    if agency_id is not None:
        agency = get_or_404(Organization, agency_id)
    rows = services.register(db.session, challenge_id=challenge_id, agency_id=agency_id)
    return render_template("complaints/register.html", rows=rows, challenge=challenge,
                           agency=agency)


def _load(complaint_id: int) -> Complaint:
    complaint = get_or_404(Complaint, complaint_id)
    authorize("complaint.view_summary", complaint, hide=True)
    return complaint


@bp.route("/<int:complaint_id>")
def show(complaint_id: int):
    complaint = _load(complaint_id)
    party = policy.can(current_user, "complaint.view", complaint)
    return render_template(
        "complaints/show.html", complaint=complaint, party=party,
        evidence=services.evidence_of(db.session, complaint) if party else [],
        form=DecisionForm(), confirm=ConfirmForm())


@bp.route("/new/<int:challenge_id>", methods=["GET", "POST"])
@login_required
def file(challenge_id: int):
    challenge = get_or_404(Challenge, challenge_id)
    authorize("challenge.view", challenge, hide=True)
    authorize("complaint.file", challenge)
    award = services.approved_award(db.session, challenge)
    form = ComplaintForm()
    if form.validate_on_submit():
        uploads = [(f.stream, f.filename) for f in request.files.getlist("files") if f.filename]
        try:
            complaint = services.file(db.session, current_user, challenge,
                                      contested=form.contested.data, grounds=form.grounds.data,
                                      uploads=uploads)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your complaint was filed. The agency must answer by %(due)s.",
                    due=complaint.answer_due_at.strftime("%d/%m/%Y")), "success")
            return redirect(url_for("complaints.show", complaint_id=complaint.id))
    status = 400 if request.method == "POST" else 200
    return render_template("complaints/new.html", challenge=challenge, award=award, form=form,
                           in_standstill=standstill.in_standstill(award)), status


@bp.route("/<int:complaint_id>/review", methods=["POST"])
@login_required
def review(complaint_id: int):
    complaint = _load(complaint_id)
    authorize("complaint.review", complaint)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    perform(lambda: services.review(db.session, current_user, complaint),
            _("The complaint is under review."))
    return redirect(url_for("complaints.show", complaint_id=complaint.id))


@bp.route("/<int:complaint_id>/withdraw", methods=["POST"])
@login_required
def withdraw(complaint_id: int):
    complaint = _load(complaint_id)
    authorize("complaint.withdraw", complaint)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    perform(lambda: services.withdraw(db.session, current_user, complaint),
            _("The complaint was withdrawn."))
    return redirect(url_for("complaints.show", complaint_id=complaint.id))


@bp.route("/<int:complaint_id>/decide", methods=["POST"])
@login_required
def decide(complaint_id: int):
    complaint = _load(complaint_id)
    authorize("complaint.decide", complaint)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.decide(db.session, current_user, complaint,
                            upheld=form.outcome.data == "upheld",
                            reasoning=form.reasoning.data, remedy=form.remedy.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The decision is recorded and published; the bidders are told."),
                  "success")
            return redirect(url_for("complaints.show", complaint_id=complaint.id))
    return render_template("complaints/show.html", complaint=complaint, party=True,
                           evidence=services.evidence_of(db.session, complaint), form=form,
                           confirm=ConfirmForm()), 400
