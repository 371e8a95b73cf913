"""Submission pages. Sealed until the deadline: a submission the user may not see
answers 404, exactly like one that does not exist."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from marketplace import jobs, keyset, policy
from marketplace.challenges.models import Challenge
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.files.models import Attachment
from marketplace.forms import ConfirmForm
from marketplace.i18n import current_language
from marketplace.params import query_int
from marketplace.requests import received_at
from marketplace.submissions import services
from marketplace.submissions.clock import accepting_submissions
from marketplace.submissions.forms import AttachmentForm, PartnerForm, SubmissionForm
from marketplace.submissions.models import ConsortiumPartner, Submission
from marketplace.web import attach_error, authorize, get_or_404, perform, uploads

bp = Blueprint("submissions", __name__, url_prefix="/submissions")
MB = 1024 * 1024


def get_submission_or_404(submission_id: int) -> Submission:
    """The submission, if the current user may see it here; 404 otherwise, like one that
    does not exist (an evaluator under blind review knows it exists, from the evaluation
    pages, but may not see this page, which names the bidder)."""
    submission = get_or_404(Submission, submission_id)
    authorize("submission.view", submission, hide=True)
    return submission


@bp.context_processor
def _helpers():
    def challenge_url(challenge: Challenge) -> str | None:
        try:  # the public challenge page, once its blueprint has it
            return url_for("challenges.show", challenge_id=challenge.id)
        except BuildError:
            return None

    return {"challenge_url": challenge_url}


def _show(submission: Submission):
    return redirect(url_for("submissions.show", submission_id=submission.id))


@bp.route("/")
@login_required
def index():
    # one page by keyset, as the public list (a cursor that does not decode: the first page)
    cursor = keyset.decode(request.args.get("after")) or \
        keyset.decode(request.args.get("before"), backward=True)
    page = services.submissions_page(db.session, current_user, cursor)
    lead_org_ids = {org.id for org in services.solver_organizations(current_user)}
    open_challenges = services.open_challenges_for(db.session, current_user)
    by_challenge = services.led_submissions(db.session, current_user,
                                            [c.id for c in open_challenges])
    return render_template(
        "submissions/index.html", page=page, lead_org_ids=lead_org_ids,
        invitations=services.pending_invitations(db.session, current_user),
        open_challenges=open_challenges, by_challenge=by_challenge)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    challenge = get_or_404(Challenge, query_int("challenge", 0))
    if not challenge.is_public:
        abort(404)
    orgs = services.solver_organizations(current_user)
    if not orgs:
        flash(_("Only members of a solver organization can submit solutions."), "danger")
        return redirect(url_for("submissions.index"))
    existing = [s for org in orgs
                if (s := services.find_submission(db.session, challenge.id, org.id))]
    if len(orgs) == 1 and existing:  # "start" for an organization that has one: open it
        return _show(existing[0])
    if not accepting_submissions(challenge):
        flash(_("This challenge is not open for submissions."), "danger")
        return redirect(url_for("submissions.index"))
    form = SubmissionForm()
    form.organization_id.choices = [(org.id, org.display_name(current_language())) for org in orgs]
    if form.validate_on_submit():
        org_id = form.organization_id.data or orgs[0].id
        try:
            submission = services.start(db.session, current_user, challenge.id, org_id,
                                         form.content(), now=received_at())
        except DomainError as error:
            db.session.rollback()
            already = services.find_submission(db.session, challenge.id, org_id)
            if already is not None:
                flash(error.message, "warning")
                return _show(already)
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your draft has been saved. Nobody outside your organization can see it."),
                  "success")
            return _show(submission)
    return render_template("submissions/form.html", form=form, challenge=challenge,
                           submission=None)


@bp.route("/<int:submission_id>")
def show(submission_id: int):
    """The submission's page. Each rule the page asks more than once is asked here once
    (`editable`, `inviting`), and a form is made only where the page shows it."""
    return _page(get_submission_or_404(submission_id))


def _page(submission: Submission, partner_form: PartnerForm | None = None):
    """The submission's page; `partner_form` is the invitation as the lead sent it, with
    its errors, when the invitation was refused (the organizations found for the search
    the lead had made, `partner`, offered again)."""
    editable = policy.can(current_user, "submission.edit", submission)
    inviting = policy.can(current_user, "consortium.invite", submission)
    partner_query, found = "", []
    if inviting:
        partner_form = partner_form or PartnerForm()
        partner_query = request.values.get("partner", "").strip()[:100]
        found = services.partner_candidates(db.session, submission, partner_query)
        partner_form.organization_id.choices = [(0, "—")] + [
            (org.id, f"{org.display_name(current_language())} ({org.registration_code})")
            for org in found]
    return render_template(
        "submissions/show.html", submission=submission, challenge=submission.challenge,
        attachments=services.attachments_of(db.session, submission),
        sse=services.is_sse_linkage(submission), confirm=ConfirmForm(),
        editable=editable, inviting=inviting, partner_query=partner_query,
        partners_found=len(found), partner_limit=services.PARTNER_CHOICES,
        attachment_form=AttachmentForm() if editable else None, partner_form=partner_form,
        accepting=accepting_submissions(submission.challenge),
        limits={"each": current_app.config["MAX_UPLOAD_BYTES"] // MB,
                "total": current_app.config["MAX_SUBMISSION_BYTES"] // MB})


@bp.route("/<int:submission_id>/edit", methods=["GET", "POST"])
@login_required
def edit(submission_id: int):
    submission = get_submission_or_404(submission_id)
    if not policy.can(current_user, "submission.edit", submission):
        flash(_("Only a draft can be changed, by its own organization, before the deadline."),
              "warning")
        return _show(submission)
    form = SubmissionForm(obj=submission)
    del form.organization_id
    if form.validate_on_submit():
        try:
            services.update(db.session, current_user, submission, form.content(),
                            now=received_at())
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your draft has been saved."), "success")
            return _show(submission)
    return render_template("submissions/form.html", form=form, challenge=submission.challenge,
                           submission=submission)


@bp.route("/<int:submission_id>/attachments", methods=["POST"])
@login_required
def add_attachments(submission_id: int):
    submission = get_submission_or_404(submission_id)
    form = AttachmentForm()
    files = uploads(form.attachments.name)
    if not form.validate_on_submit() or not files:
        flash(_("Choose at least one file to add."), "warning")
        return _show(submission)
    try:
        for upload in files:
            services.add_attachment(db.session, current_user, submission, upload.stream,
                                    upload.filename, now=received_at())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("The files have been added."), "success")
    return _show(submission)


@bp.route("/<int:submission_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
@login_required
def remove_attachment(submission_id: int, attachment_id: int):
    submission = get_submission_or_404(submission_id)
    attachment = get_or_404(Attachment, attachment_id)
    if attachment.submission_id != submission.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        perform(lambda: services.remove_attachment(db.session, current_user, submission,
                                                   attachment, now=received_at()),
                _("The file has been removed."))
    return _show(submission)


ACTIONS = {
    "submit": (services.submit, lambda: _("Your solution has been submitted. Keep the receipt "
                                          "below: it proves what you submitted and when.")),
    "withdraw": (services.withdraw, lambda: _("Your submission has been withdrawn. You can "
                                              "reopen it before the deadline.")),
    "reopen": (services.reopen, lambda: _("Your submission is a draft again. It will only be "
                                          "considered if you submit it again before the "
                                          "deadline.")),
}


@bp.route("/<int:submission_id>/<any(submit, withdraw, reopen):action>", methods=["POST"])
@login_required
def change(submission_id: int, action: str):
    submission = get_submission_or_404(submission_id)
    rule, message = ACTIONS[action]
    if ConfirmForm().validate_on_submit():
        try:
            rule(db.session, current_user, submission, now=received_at())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            if action == "submit":  # its PDF, rendered by the worker (services.submit)
                jobs.enqueue("issue_receipts")
            flash(message(), "success")
    return _show(submission)


@bp.route("/<int:submission_id>/partners", methods=["POST"])
@login_required
def invite_partner(submission_id: int):
    submission = get_submission_or_404(submission_id)
    form = PartnerForm()
    if not form.validate_on_submit():
        return _page(submission, form)  # the errors beside their fields, nothing lost
    try:
        partner = services.invite_partner(
            db.session, current_user, submission,
            registration_code=form.registration_code.data or "",
            organization_id=form.organization_id.data or None, now=received_at())
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _page(submission, form)
    else:
        name = partner.organization.display_name(current_language())
        db.session.commit()
        flash(_("%(org)s has been invited to join your consortium.", org=name), "success")
    return _show(submission)


@bp.route("/<int:submission_id>/partners/<int:partner_id>/remove", methods=["POST"])
@login_required
def remove_partner(submission_id: int, partner_id: int):
    submission = get_submission_or_404(submission_id)
    partner = get_or_404(ConsortiumPartner, partner_id)
    if partner.submission_id != submission.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        perform(lambda: services.remove_partner(db.session, current_user, submission, partner,
                                                now=received_at()),
                _("The partner has been removed from the consortium."))
    return _show(submission)


@bp.route("/invitations")
@login_required
def invitations():
    return render_template("submissions/invitations.html", confirm=ConfirmForm(),
                           invitations=services.pending_invitations(db.session, current_user))


@bp.route("/invitations/<int:partner_id>/<any(accept, decline):answer>", methods=["POST"])
@login_required
def respond(partner_id: int, answer: str):
    partner = get_or_404(ConsortiumPartner, partner_id)
    if current_user.membership_in(partner.organization_id) is None:
        abort(404)  # an invitation is only its addressee's business
    if ConfirmForm().validate_on_submit():
        accept = answer == "accept"
        try:
            services.respond(db.session, current_user, partner, accept, now=received_at())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            submission_id = partner.submission_id
            db.session.commit()
            if accept:
                flash(_("You have joined the consortium."), "success")
                return redirect(url_for("submissions.show", submission_id=submission_id))
            flash(_("You have declined the invitation."), "success")
    return redirect(url_for("submissions.invitations"))
