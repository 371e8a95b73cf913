"""The agency's evaluation pages: the panel, disqualification, the award decision and
its approval, and the evaluation report."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import OperationalError

from marketplace import policy
from marketplace.accounts.services import make_reset_token
from marketplace.challenges.models import Challenge
from marketplace.errors import DomainError
from marketplace.evaluation import awards, report, services
from marketplace.evaluation.blueprint import bp
from marketplace.evaluation.forms import AppointForm, SendBackForm, award_form
from marketplace.evaluation.models import Award, PanelMember
from marketplace.evaluation.ranking import standings, submissions_of
from marketplace.extensions import db
from marketplace.forms import ConfirmForm, ReasonForm
from marketplace.lifecycle import can_transition
from marketplace.notifications import outbox
from marketplace.orders.queries import orders_by_award_item
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.web import absolute_url, attach_error, authorize, get_or_404, perform


def _panel_page(challenge: Challenge, form: AppointForm | None = None, status: int = 200):
    """The officer's panel page. What the rows show is worked out here once, not asked
    again in the template's loops: each member's progress (`services.progress`), whether
    the officer may appoint (`evaluation.appoint`: the same answer for every member's
    row), and for each submission whether it may be shortlisted or disqualified now
    (`can_transition`, the rule of each row's actions). The decision section's blockers,
    shortfalls and reason form are worked out only when it shows them: no live award and
    the officer may propose (`deciding`; `award.propose` holds only while evaluating)."""
    table = standings(db.session, challenge)
    panel = services.panel_of(db.session, challenge)
    user = current_user._get_current_object()
    award = services.live_award(db.session, challenge)
    deciding = award is None and policy.can(user, "award.propose", challenge)
    return render_template(
        "evaluation/panel.html", challenge=challenge, form=form or AppointForm(),
        panel=panel,
        progress=services.progress(panel, services.assignments(db.session, challenge)),
        can_appoint=policy.can(user, "evaluation.appoint", challenge),
        row_actions={s.submission.id: (
            can_transition(user, s.submission, SubmissionStatus.SHORTLISTED),
            can_transition(user, s.submission, SubmissionStatus.DISQUALIFIED))
            for s in table},
        labels=services.solution_labels([s.submission for s in table]), standings=table,
        award=award, deciding=deciding,
        blockers=awards.award_blockers(db.session, challenge) if deciding else [],
        shortfalls=services.shortfalls_of(db.session, challenge) if deciding else [],
        reason_form=ReasonForm() if deciding else None, confirm=ConfirmForm()), status


@bp.route("/evaluation/challenges/<int:challenge_id>/panel", methods=["GET", "POST"])
@login_required
def panel(challenge_id: int):
    challenge = get_or_404(Challenge, challenge_id)
    authorize("evaluation.manage", challenge)
    form = AppointForm()
    if not form.validate_on_submit():
        return _panel_page(challenge, form, 400 if form.is_submitted() else 200)
    authorize("evaluation.appoint", challenge)
    try:
        member, created = services.appoint(db.session, current_user, challenge,
                                           form.email.data, full_name=form.full_name.data,
                                           chair=form.chair.data)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _panel_page(challenge, form, 400)
    user = member.user
    if created:
        link = absolute_url("accounts.reset_password", token=make_reset_token(user))
        outbox.queue(db.session, user.email,
                     _("You are invited to evaluate “%(title)s”", title=challenge.title),
                     _("%(name)s appoints you as an evaluator of “%(title)s” on the First "
                       "Customer Marketplace. Choose your password with this link (valid for "
                       "an hour; afterwards use “Forgot password”):\n\n%(link)s",
                       name=current_user.full_name, title=challenge.title, link=link))
    db.session.commit()  # the appointment and its mail together
    flash(_("%(email)s is on the panel.", email=user.email), "success")
    return redirect(url_for("evaluation.panel", challenge_id=challenge.id))


@bp.route("/evaluation/challenges/<int:challenge_id>/start", methods=["POST"])
@login_required
def start(challenge_id: int):
    challenge = get_or_404(Challenge, challenge_id)
    authorize("challenge.start_evaluation", challenge)
    if ConfirmForm().validate_on_submit():
        perform(lambda: services.start_evaluation(db.session, current_user, challenge),
                _("The evaluation has started. Appoint the panel."))
    return redirect(url_for("evaluation.panel", challenge_id=challenge.id))


@bp.route("/evaluation/panel/<int:member_id>/chair", methods=["POST"])
@login_required
def make_chair(member_id: int):
    member = get_or_404(PanelMember, member_id)
    authorize("evaluation.manage", member.challenge, hide=True)  # as remove_member
    authorize("evaluation.appoint", member.challenge)
    if ConfirmForm().validate_on_submit():
        services.make_chair(db.session, current_user, member)
        db.session.commit()
        flash(_("The chair has been changed."), "success")
    return redirect(url_for("evaluation.panel", challenge_id=member.challenge_id))


@bp.route("/evaluation/submissions/<int:submission_id>/disqualify", methods=["POST"])
@login_required
def disqualify(submission_id: int):
    submission = get_or_404(Submission, submission_id)
    authorize("submission.disqualify", submission)
    form = ReasonForm()
    if form.validate_on_submit():
        perform(lambda: services.disqualify(db.session, current_user, submission, form.reason.data),
                _("The submission has been disqualified."))
    else:
        flash(_("Please give the reason for the disqualification."), "danger")
    return redirect(url_for("evaluation.panel", challenge_id=submission.challenge_id))


@bp.route("/evaluation/submissions/<int:submission_id>/shortlist", methods=["POST"])
@login_required
def shortlist(submission_id: int):
    submission = get_or_404(Submission, submission_id)
    authorize("submission.shortlist", submission)
    if ConfirmForm().validate_on_submit():
        try:
            services.shortlist(db.session, current_user, submission)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
    return redirect(url_for("evaluation.panel", challenge_id=submission.challenge_id))


@bp.route("/evaluation/challenges/<int:challenge_id>/award", methods=["GET", "POST"])
@login_required
def propose(challenge_id: int):
    challenge = get_or_404(Challenge, challenge_id)
    authorize("award.propose", challenge)
    table = [s for s in standings(db.session, challenge) if s.rank is not None]
    form = award_form([s.submission for s in table])
    if form.validate_on_submit():
        choices = [awards.Choice(s.submission.id, form[f"amount_{s.submission.id}"].data or 0,
                                 form[f"reason_{s.submission.id}"].data or "")
                   for s in table if form[f"choose_{s.submission.id}"].data]
        try:
            award = awards.propose(db.session, current_user, challenge, choices,
                                   form.justification.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        except OperationalError:  # SQLite: another decision was being written just now
            db.session.rollback()
            flash(_("Another decision was being recorded at the same moment. Please reload "
                    "the page."), "danger")
        else:
            db.session.commit()
            flash(_("The award waits for the approver's signature.") if award.requires_approval
                  else _("The award has been decided and published."), "success")
            return redirect(url_for("evaluation.award", award_id=award.id))
    labels = services.solution_labels(submissions_of(db.session, challenge))
    return render_template("evaluation/propose.html", challenge=challenge, form=form,
                           standings=table, labels=labels,
                           blockers=awards.award_blockers(db.session, challenge),
                           shortfalls=services.shortfalls_of(db.session, challenge))


def _award_page(award: Award, send_back: SendBackForm | None = None, status: int = 200):
    return render_template("evaluation/award.html", award=award, challenge=award.challenge,
                           send_back=send_back or SendBackForm(), confirm=ConfirmForm(),
                           orders=orders_by_award_item(db.session, [i.id for i in award.items])
                           ), status


@bp.route("/evaluation/awards/<int:award_id>")
def award(award_id: int):
    """An award decision: public once in effect (the `award.view` rule; the phases page
    links the down-selections to it), before that its agency's members only — a visitor
    not logged in is then asked to log in."""
    award = get_or_404(Award, award_id)
    if not current_user.is_authenticated and not policy.can(current_user, "award.view", award):
        return current_app.login_manager.unauthorized()
    authorize("award.view", award)
    return _award_page(award)


@bp.route("/evaluation/awards/<int:award_id>/approve", methods=["POST"])
@login_required
def approve(award_id: int):
    award = get_or_404(Award, award_id)
    authorize("award.approve", award)
    if ConfirmForm().validate_on_submit():
        perform(lambda: awards.approve(db.session, current_user, award),
                _("The award has been approved and published."))
    return redirect(url_for("evaluation.award", award_id=award_id))


@bp.route("/evaluation/awards/<int:award_id>/reject", methods=["POST"])
@login_required
def reject(award_id: int):
    award = get_or_404(Award, award_id)
    authorize("award.reject", award)
    form = SendBackForm()
    if not form.validate_on_submit():  # the reason's error beside it, the text kept
        return _award_page(award, form, 400)
    try:
        awards.reject(db.session, current_user, award, form.reason.data)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _award_page(get_or_404(Award, award_id), form, 400)
    db.session.commit()
    flash(_("The award has been sent back to the officer."), "success")
    return redirect(url_for("evaluation.award", award_id=award_id))


@bp.route("/evaluation/challenges/<int:challenge_id>/no-award", methods=["POST"])
@login_required
def no_award(challenge_id: int):
    """"No suitable solution": the challenge is cancelled with a public reason."""
    challenge = get_or_404(Challenge, challenge_id)
    authorize("award.propose", challenge)
    form = ReasonForm()
    if form.validate_on_submit():
        perform(lambda: awards.cancel_no_suitable_solution(db.session, current_user, challenge,
                                           form.reason.data),
                _("The challenge has been cancelled: no suitable solution."))
    else:
        flash(_("Please give the public reason."), "danger")
    return redirect(url_for("evaluation.panel", challenge_id=challenge.id))


@bp.route("/evaluation/challenges/<int:challenge_id>/report")
@login_required
def report_page(challenge_id: int):
    challenge = get_or_404(Challenge, challenge_id)
    authorize("award.view_report", challenge)
    return render_template("evaluation/report.html", report=report.build(db.session, challenge))


@bp.route("/evaluation/challenges/<int:challenge_id>/report.csv")
@login_required
def report_csv(challenge_id: int):
    challenge = get_or_404(Challenge, challenge_id)
    authorize("award.view_report", challenge)
    body = report.to_csv(report.build(db.session, challenge))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="evaluation-{challenge.id}.csv"',
        "Cache-Control": "private, no-store"})
