"""The pages of phased challenges (issue 17): the public funnel, the officer's phase plan,
call for results, evaluation start and down-selection, the solver's phase results, the
panel's scoring. Views parse the form, call one rule, commit once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace import policy
from marketplace.challenges.forms import to_utc
from marketplace.challenges.models import Challenge
from marketplace.errors import DomainError
from marketplace.evaluation.awards import Choice
from marketplace.extensions import db
from marketplace.forms import ConfirmForm
from marketplace.phases import services
from marketplace.phases.forms import (
    OpenForm,
    PhasesForm,
    ResultForm,
    phases_form_data,
    score_form,
    selection_form,
)
from marketplace.phases.models import ChallengePhase, PhaseResult
from marketplace.policy.submissions import is_lead_member
from marketplace.web import attach_error, authorize, get_or_404, perform

bp = Blueprint("phases", __name__)


@bp.route("/challenges/<int:challenge_id>/phases")
def funnel(challenge_id: int):
    """Public: the phases, how many entered, how many were carried into each, what each
    cost, and the down-selection decisions in effect."""
    challenge = get_or_404(Challenge, challenge_id)
    authorize("challenge.view", challenge, hide=True)
    rows = services.funnel(db.session, challenge)
    if not rows:
        abort(404)
    return render_template("phases/funnel.html", challenge=challenge, rows=rows,
                           results=_own_results(challenge))


def _own_results(challenge: Challenge) -> list[PhaseResult]:
    if not current_user.is_authenticated:
        return []
    results = db.session.scalars(select(PhaseResult).join(ChallengePhase).where(
        ChallengePhase.challenge_id == challenge.id).order_by(PhaseResult.id))
    return [r for r in results if is_lead_member(current_user, r.submission)]


@bp.route("/challenges/<int:challenge_id>/phases/edit", methods=["GET", "POST"])
@login_required
def define(challenge_id: int):
    challenge = get_or_404(Challenge, challenge_id)
    authorize("phase.define", challenge)
    form = PhasesForm(data=phases_form_data(services.phases_of(db.session, challenge)))
    if form.validate_on_submit():
        try:
            services.define(db.session, current_user, challenge, form.specs())
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The phases have been saved."), "success")
            return redirect(url_for("challenges.show", challenge_id=challenge.id))
    status = 400 if form.is_submitted() else 200
    return render_template("phases/define.html", challenge=challenge, form=form), status


@bp.route("/phases/<int:phase_id>")
@login_required
def manage(phase_id: int):
    """The agency's and the panel's page of a phase: its results and their ranking."""
    phase = get_or_404(ChallengePhase, phase_id)
    if not (policy.can(current_user, "phase.manage", phase)
            or policy.can(current_user, "evaluation.view_panel", phase.challenge)):
        abort(403)
    everything = services.standings(db.session, phase)
    table = [s for s in everything if policy.can(current_user, "phase_result.view", s.result)]
    return render_template("phases/manage.html", phase=phase, challenge=phase.challenge,
                           standings=table, confirm=ConfirmForm(),
                           blockers=services.selection_blockers(db.session, phase, everything))


@bp.route("/phases/<int:phase_id>/open", methods=["GET", "POST"])
@login_required
def open_results(phase_id: int):
    phase = get_or_404(ChallengePhase, phase_id)
    authorize("phase.open", phase)
    form = OpenForm()
    if form.validate_on_submit():
        try:
            services.open_results(db.session, current_user, phase,
                                  to_utc(form.results_deadline.data))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The call for phase results is open."), "success")
            return redirect(url_for("phases.manage", phase_id=phase.id))
    status = 400 if form.is_submitted() else 200
    return render_template("phases/open.html", phase=phase, challenge=phase.challenge,
                           form=form), status


@bp.route("/phases/<int:phase_id>/start", methods=["POST"])
@login_required
def start_evaluation(phase_id: int):
    phase = get_or_404(ChallengePhase, phase_id)
    authorize("phase.start_evaluation", phase)
    if ConfirmForm().validate_on_submit():
        perform(lambda: services.start_evaluation(db.session, current_user, phase),
                _("The phase results are open to the panel."))
    return redirect(url_for("phases.manage", phase_id=phase.id))


@bp.route("/phases/<int:phase_id>/my-results", methods=["GET", "POST"])
@login_required
def my_result(phase_id: int):
    """The solver's own phase results: started on first visit, edited, submitted."""
    phase = get_or_404(ChallengePhase, phase_id)
    authorize("phase_result.start", phase)
    result = services.own_result(db.session, current_user, phase)
    if result is not None and not policy.can(current_user, "phase_result.edit", result):
        return redirect(url_for("phases.result", result_id=result.id))
    form = ResultForm(data={"summary": result.summary if result else ""})
    if form.validate_on_submit():
        try:
            result = services.result_for(db.session, current_user, phase)
            services.save_result(db.session, current_user, result, form.summary.data,
                                 submit=bool(form.submit.data))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your phase results are submitted and sealed until the deadline.")
                  if form.submit.data else _("Draft saved."), "success")
            return redirect(url_for("phases.result", result_id=result.id))
    status = 400 if form.is_submitted() else 200
    return render_template("phases/edit_result.html", phase=phase, result=result,
                           challenge=phase.challenge, form=form), status


@bp.route("/phases/results/<int:result_id>")
@login_required
def result(result_id: int):
    """A phase result: to its solver always (with its scores once decided), to the
    agency and the panel once opened."""
    result = get_or_404(PhaseResult, result_id)
    authorize("phase_result.view", result, hide=True)
    feedback = services.own_scores(db.session, result) \
        if policy.can(current_user, "phase_result.feedback", result) else []
    return render_template("phases/result.html", result=result, phase=result.phase,
                           challenge=result.phase.challenge, feedback=feedback,
                           confirm=ConfirmForm())


@bp.route("/phases/results/<int:result_id>/reopen", methods=["POST"])
@login_required
def reopen_result(result_id: int):
    result = get_or_404(PhaseResult, result_id)
    authorize("phase_result.reopen", result)
    if ConfirmForm().validate_on_submit():
        perform(lambda: services.reopen_result(db.session, current_user, result),
                _("Your phase results are a draft again."))
    return redirect(url_for("phases.my_result", phase_id=result.phase_id))


@bp.route("/phases/results/<int:result_id>/score", methods=["GET", "POST"])
@login_required
def score(result_id: int):
    result = get_or_404(PhaseResult, result_id)
    authorize("phase_result.score", result)
    criteria = result.phase.criteria
    form = score_form(criteria)
    if form.validate_on_submit():
        values = {c.id: (form[f"score_{c.id}"].data, form[f"comment_{c.id}"].data or "")
                  for c in criteria}
        try:
            services.score(db.session, current_user, result, values)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your scores are submitted."), "success")
            return redirect(url_for("phases.manage", phase_id=result.phase_id))
    status = 400 if form.is_submitted() else 200
    return render_template("phases/score.html", result=result, phase=result.phase,
                           challenge=result.phase.challenge, criteria=criteria,
                           form=form), status


@bp.route("/phases/<int:phase_id>/select", methods=["GET", "POST"])
@login_required
def select_(phase_id: int):
    """The down-selection into the phase: who is carried forward, with what amount."""
    phase = get_or_404(ChallengePhase, phase_id)
    authorize("phase.propose_selection", phase)
    everything = services.standings(db.session, phase)
    table = [s for s in everything if s.rank is not None]
    form = selection_form([s.result.submission_id for s in table])
    if form.validate_on_submit():
        choices = [Choice(s.result.submission_id,
                          form[f"amount_{s.result.submission_id}"].data or 0,
                          form[f"reason_{s.result.submission_id}"].data or "")
                   for s in table if form[f"choose_{s.result.submission_id}"].data]
        try:
            award = services.propose_selection(db.session, current_user, phase, choices,
                                               form.justification.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The down-selection waits for the approver's signature.")
                  if award.requires_approval
                  else _("The down-selection has been decided and published."), "success")
            return redirect(url_for("evaluation.award", award_id=award.id))
    status = 400 if form.is_submitted() else 200
    return render_template("phases/select.html", phase=phase, challenge=phase.challenge,
                           standings=table, form=form,
                           blockers=services.selection_blockers(db.session, phase,
                                                                everything)), status

