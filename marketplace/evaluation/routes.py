"""Evaluation pages of the panel, the bidders and the public. (The agency's pages are in
`agency_routes.py`, on the same blueprint.)"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from marketplace import policy
from marketplace.accounts.models import MemberRole
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.errors import DomainError
from marketplace.evaluation import (
    agency_routes,  # noqa: F401  (registers the agency's pages)
    panel_routes,  # noqa: F401  (registers the panel changes of issue 19)
    services,
)
from marketplace.evaluation.blueprint import bp
from marketplace.evaluation.forms import DeclarationForm, ModerationForm, score_form
from marketplace.evaluation.models import (
    Award,
    AwardStatus,
    EvaluationStatus,
    PanelMember,
)
from marketplace.evaluation.ranking import (
    spread_flagged,
    standing_of,
    standings,
    submission_ids_of,
    submissions_of,
)
from marketplace.extensions import db
from marketplace.files.models import Attachment
from marketplace.files.services import attachments_of
from marketplace.files.storage import storage
from marketplace.orders.queries import orders_by_award_item
from marketplace.policy.challenges import OFFICER_ROLES
from marketplace.policy.evaluation import (
    REVIEWABLE,
    belongs_to_bidder,
    declaration,
    evaluation_of,
)
from marketplace.submissions.models import Submission
from marketplace.web import attach_error, authorize, get_or_404, lookup_or_404

__all__ = ["bp"]


@bp.route("/evaluation/")
@login_required
def index():
    members = list(db.session.scalars(
        select(PanelMember).join(Challenge).where(
            PanelMember.user_id == current_user.id,
            Challenge.status.in_([*REVIEWABLE, ChallengeStatus.CANCELLED]))
        .options(contains_eager(PanelMember.challenge))
        .order_by(Challenge.id.desc())))
    # every panel's submissions, members, declarations, evaluations and the chair's
    # standings at once: the page's statements do not grow with the panels
    services.read_panels(db.session, [m.challenge for m in members],
                         chaired=[m.challenge for m in members if m.is_chair])
    panels = []
    for member in members:
        challenge = member.challenge
        # a decided challenge: the evaluator's past work, every submission they saw
        past = challenge.status is not ChallengeStatus.EVALUATING
        subs = submissions_of(db.session, challenge)
        mine = [a for a in services.assignments(db.session, challenge, past=past)
                if a.member.id == member.id]
        panels.append({
            "member": member, "challenge": challenge, "past": past,
            "labels": services.solution_labels(subs),
            "assignments": mine, "done": sum(1 for a in mine if a.done),
            "submitted": sum(1 for a in mine if not a.recused and a.evaluation is not None
                             and a.evaluation.status is EvaluationStatus.SUBMITTED),
            "standings": standings(db.session, challenge) if member.is_chair else [],
        })
    panels.sort(key=lambda p: p["past"])  # the work still to do first
    officer_orgs = [m.organization_id for m in current_user.memberships
                    if m.role in OFFICER_ROLES]
    managed = list(db.session.scalars(select(Challenge).where(
        Challenge.agency_id.in_(officer_orgs),
        Challenge.status.in_([ChallengeStatus.CLOSED, *REVIEWABLE, ChallengeStatus.CANCELLED]),
    ).order_by(Challenge.id.desc()))) if officer_orgs else []
    approver_orgs = [m.organization_id for m in current_user.memberships
                     if m.role is MemberRole.APPROVER]
    waiting = list(db.session.scalars(select(Award).join(Challenge).where(
        Challenge.agency_id.in_(approver_orgs), Award.status == AwardStatus.PROPOSED,
        Award.requires_approval.is_(True)).options(contains_eager(Award.challenge))
    )) if approver_orgs else []
    short = services.shortfalls(db.session, [c.id for c in managed
                                             if c.status is ChallengeStatus.EVALUATING])
    return render_template("evaluation/index.html", panels=panels, managed=managed,
                           waiting=waiting, short=short)


def _panel_submission(submission_id: int, *, whole: bool = False) -> Submission:
    """A submission of a challenge the current user evaluates; 404 for anyone else.
    Looked up with its challenge, the challenge's criteria and what the rules and the
    page read of the bid — its organization, author and partners with their
    organizations — in one statement (the same for a sealed bid as for a missing id:
    issue 14, the timing class); then whether it takes part in the evaluation, from the
    ids of the challenge's bids (`submission_ids_of`: one statement). `whole` reads the
    challenge's bids instead (`submissions_of`: one statement), for a page that then
    needs them all (the chair's moderation: the standings)."""
    submission = lookup_or_404(Submission, submission_id, joined=(
        "challenge.criteria", "organization", "created_by", "partners.organization"))
    if whole:
        submissions_of(db.session, submission.challenge)
    authorize("evaluation.view_panel", submission.challenge, hide=True)
    if submission.id not in submission_ids_of(db.session, submission.challenge):
        abort(404)
    return submission


def _score_data(evaluation) -> dict:
    if evaluation is None:
        return {}
    data = {}
    for score in evaluation.scores:
        data[f"score_{score.criterion_id}"] = score.score
        data[f"comment_{score.criterion_id}"] = score.comment
    return data


def _render_submission(submission: Submission, *, declaration_form=None, form=None,
                       status: int = 200):
    challenge = submission.challenge
    label = services.solution_label(submission_ids_of(db.session, challenge), submission.id)
    declared = declaration(current_user, submission)
    can_view = policy.can(current_user, "evaluation.read", submission)
    blind = challenge.blind_review
    context = {"submission": submission, "challenge": challenge,
               "label": label, "declared": declared, "blind": blind,
               "bidder": belongs_to_bidder(current_user, submission), "can_view": can_view}
    if declared is None and not context["bidder"]:
        context["declaration_form"] = declaration_form or DeclarationForm()
    if can_view:
        names = services.identifying_names(db.session, submission) if blind else []
        context["text"] = {field: services.redact(getattr(submission, field), names)
                           for field in ("summary", "technical_approach", "timeline", "team")}
        context["attachments"] = attachments_of(db.session, "submission_id", submission.id)
        evaluation = evaluation_of(current_user, submission)
        context["evaluation"] = evaluation
        context["locked"] = evaluation is not None and \
            evaluation.status is EvaluationStatus.SUBMITTED
        context["can_score"] = policy.can(current_user, "evaluation.score", submission)
        # the scoring form only where the page shows it: not once the scores are locked
        # (`evaluation.score` holds only before), nor once scoring is closed
        context["form"] = form or (score_form(challenge.criteria, _score_data(evaluation))
                                   if context["can_score"] else None)
        context["can_moderate"] = policy.can(current_user, "evaluation.moderate", submission)
        if context["can_moderate"]:  # the way to moderate shows when the spread is wide
            context["flagged"] = spread_flagged(db.session, submission)
    return render_template("evaluation/submission.html", **context), status


@bp.route("/evaluation/submissions/<int:submission_id>")
@login_required
def submission(submission_id: int):
    return _render_submission(_panel_submission(submission_id))


@bp.route("/evaluation/submissions/<int:submission_id>/declare", methods=["POST"])
@login_required
def declare(submission_id: int):
    submission = _panel_submission(submission_id, whole=True)
    form = DeclarationForm()
    if not form.validate_on_submit():
        return _render_submission(submission, declaration_form=form, status=400)
    try:
        services.declare(db.session, current_user, submission, form.kind.data, form.note.data)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _render_submission(submission, declaration_form=form, status=400)
    db.session.commit()
    flash(_("Your declaration has been recorded."), "success")
    return redirect(url_for("evaluation.submission", submission_id=submission.id))


@bp.route("/evaluation/submissions/<int:submission_id>/scores", methods=["POST"])
@login_required
def scores(submission_id: int):
    submission = _panel_submission(submission_id, whole=True)
    authorize("evaluation.score", submission)
    criteria = submission.challenge.criteria
    form = score_form(criteria)
    if not form.validate_on_submit():
        return _render_submission(submission, form=form, status=400)
    values = {c.id: (form[f"score_{c.id}"].data, form[f"comment_{c.id}"].data or "")
              for c in criteria}
    try:
        services.save_scores(db.session, current_user, submission, values,
                             submit=bool(form.submit.data))
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _render_submission(submission, form=form, status=400)
    db.session.commit()
    flash(_("Your scores have been submitted and locked.") if form.submit.data
          else _("Your draft has been saved."), "success")
    return redirect(url_for("evaluation.submission", submission_id=submission.id))


@bp.route("/evaluation/submissions/<int:submission_id>/attachments/<int:number>")
@login_required
def attachment(submission_id: int, number: int):
    """An evaluator's download: named "attachment-N", never by its original name."""
    submission = _panel_submission(submission_id)
    authorize("evaluation.read", submission, hide=True)
    files = attachments_of(db.session, "submission_id", submission.id)
    if not 1 <= number <= len(files):
        abort(404)
    file: Attachment = files[number - 1]
    with storage().open(file.stored_name) as fh:
        data = fh.read()
    extension = file.original_name.rsplit(".", 1)[-1].lower() if "." in file.original_name \
        else "bin"
    response = Response(data, mimetype=file.content_type)
    response.headers["Content-Disposition"] = \
        f'attachment; filename="attachment-{number}.{extension[:8]}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = \
        "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/evaluation/submissions/<int:submission_id>/moderate", methods=["GET", "POST"])
@login_required
def moderate(submission_id: int):
    submission = _panel_submission(submission_id, whole=True)
    authorize("evaluation.moderate", submission)
    labels = services.solution_labels(submissions_of(db.session, submission.challenge))
    form = ModerationForm()
    if form.validate_on_submit():
        try:
            services.moderate(db.session, current_user, submission, form.score.data,
                              form.justification.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The moderated score has been recorded."), "success")
            return redirect(url_for("evaluation.index"))
    return render_template("evaluation/moderate.html", submission=submission, form=form,
                           label=labels[submission.id],
                           standing=standing_of(db.session, submission))


@bp.route("/evaluation/submissions/<int:submission_id>/feedback")
@login_required
def feedback(submission_id: int):
    """A bidder's own scores, comments and rank; nobody else's."""
    submission = get_or_404(Submission, submission_id)
    authorize("evaluation.feedback", submission, hide=True)
    table = standings(db.session, submission.challenge)
    mine = next((s for s in table if s.submission.id == submission.id), None)
    evaluations = [e for e in services.evaluations_of(db.session, submission.challenge).values()
                   if e.submission_id == submission.id
                   and e.status is EvaluationStatus.SUBMITTED]
    evaluations.sort(key=lambda e: e.id)
    services.load_scores(db.session, evaluations)
    return render_template("evaluation/feedback.html", submission=submission, standing=mine,
                           ranked=sum(1 for s in table if s.rank is not None),
                           evaluations=evaluations)


@bp.route("/challenges/<int:challenge_id>/award")
def award_page(challenge_id: int):
    """The public award decision: winners, amounts, justification and the scores,
    without the names of the losing bidders or of the evaluators."""
    challenge = get_or_404(Challenge, challenge_id)
    authorize("challenge.view", challenge, hide=True)
    award = db.session.scalar(select(Award).where(Award.challenge_id == challenge.id,
                                                  Award.phase == 1,
                                                  Award.status == AwardStatus.APPROVED))
    if award is None and not (challenge.status is ChallengeStatus.CANCELLED
                              and challenge.evaluating_at is not None):
        abort(404)
    table = standings(db.session, challenge)
    winners = {item.submission_id: item for item in award.items} if award else {}
    return render_template("evaluation/award_page.html", challenge=challenge, award=award,
                           standings=table, winners=winners,
                           disqualified=sum(1 for s in table if s.disqualified),
                           orders=orders_by_award_item(
                               db.session, [i.id for i in award.items] if award else []))

