"""Panel changes on the record (issue 19): the officer removes or replaces an evaluator
with a reason; an evaluator amends a declaration of no conflict. On the evaluation
blueprint; the rules are in `panel_changes`."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.errors import DomainError
from marketplace.evaluation import panel_changes
from marketplace.evaluation.blueprint import bp
from marketplace.evaluation.models import ConflictKind, PanelMember
from marketplace.extensions import db
from marketplace.forms import FlaskForm
from marketplace.labels import label
from marketplace.submissions.models import Submission
from marketplace.web import authorize, get_or_404, perform


class RemoveMemberForm(FlaskForm):
    reason = StringField(_l("Reason for the change (on the record)"),
                         validators=[DataRequired(), Length(max=2000)])
    replacement_email = EmailField(_l("Replace with (email, optional)"),
                                   validators=[Optional(), Length(max=254)])


AMENDABLE = [k for k in ConflictKind if k not in (ConflictKind.NONE, ConflictKind.AUTOMATIC)]


@bp.app_template_global()
def amendable_conflicts() -> list[ConflictKind]:
    """The conflicts an evaluator may declare when amending a declaration of none."""
    return AMENDABLE


class AmendDeclarationForm(FlaskForm):
    kind = SelectField(_l("The conflict of interest"), validators=[DataRequired()],
                       choices=lambda: [(k.value, label(k)) for k in AMENDABLE])
    note = TextAreaField(_l("Describe the conflict"), validators=[DataRequired(),
                                                                  Length(max=2000)])


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "danger")


@bp.route("/evaluation/panel/<int:member_id>/remove", methods=["POST"])
@login_required
def remove_member(member_id: int):
    member = get_or_404(PanelMember, member_id)
    challenge = member.challenge
    authorize("evaluation.manage", challenge, hide=True)  # who sits on a panel: 404 outside
    authorize("evaluation.appoint", challenge)
    form = RemoveMemberForm()
    if form.validate_on_submit():
        perform(lambda: panel_changes.remove_evaluator(
                    db.session, current_user, member, form.reason.data,
                    replacement_email=form.replacement_email.data or ""),
                _("The panel has changed; the change and its reason are on the record."))
    else:
        _flash_errors(form)
    return redirect(url_for("evaluation.panel", challenge_id=challenge.id))


@bp.route("/evaluation/submissions/<int:submission_id>/amend-declaration", methods=["POST"])
@login_required
def amend_declaration(submission_id: int):
    submission = get_or_404(Submission, submission_id)
    authorize("evaluation.view_panel", submission.challenge, hide=True)
    form = AmendDeclarationForm()
    if form.validate_on_submit():
        try:
            panel_changes.amend_declaration(db.session, current_user, submission,
                                            form.kind.data, form.note.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Your declaration is amended: you are recused from this submission and "
                    "your scores on it are set aside."), "success")
    else:
        _flash_errors(form)
    return redirect(url_for("evaluation.submission", submission_id=submission.id))
