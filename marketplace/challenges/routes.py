"""Challenge pages: the public list and page, the agency's drafting, publishing,
amending and cancelling, and clarifications."""

from __future__ import annotations

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

from marketplace import confirm, keyset
from marketplace.cache import anonymous_page, memoize
from marketplace.challenges import clarifications, queries, services
from marketplace.challenges.display import register_filters
from marketplace.challenges.forms import (
    AnswerForm,
    AttachmentForm,
    ChallengeForm,
    FilterForm,
    QuestionForm,
)
from marketplace.challenges.models import Challenge, ChallengeStatus, Clarification
from marketplace.complaints import services as complaints
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.files.models import Attachment
from marketplace.files.services import attachments_of
from marketplace.forms import ConfirmForm, ReasonForm
from marketplace.outcomes import similarity
from marketplace.params import query_int
from marketplace.phases.services import is_phased
from marketplace.scorecards import services as scorecards
from marketplace.submissions import opening
from marketplace.submissions.opening import opening_record
from marketplace.taxonomy.models import TechnologyGroup
from marketplace.taxonomy.services import current_groups
from marketplace.web import (
    attach_error,
    authorize,
    get_or_404,
    lookup_or_404,
    perform,
    uploads,
)

bp = Blueprint("challenges", __name__, url_prefix="/challenges")
# challenges past their deadline that one list request closes (`index`)
CLOSE_PER_REQUEST = 3
register_filters(bp)


def get_challenge_or_404(challenge_id: int, *, for_page: bool = False) -> Challenge:
    """The challenge if the user may see it; 404 otherwise (a draft is not known to exist).
    A challenge found past its deadline is closed first."""
    challenge = (lookup_or_404(Challenge, challenge_id, joined=queries.PAGE_JOINED,
                               collections=queries.PAGE_COLLECTIONS)
                 if for_page else get_or_404(Challenge, challenge_id))
    if services.close_if_expired(db.session, challenge):
        db.session.commit()
    return challenge


def _show_error(form, error: DomainError) -> None:
    if isinstance(error, services.Incomplete):
        for problem in error.problems:
            flash(problem, "danger")
    else:
        attach_error(form, error)


# --- public --------------------------------------------------------------------------

@bp.route("/")
@anonymous_page
def index():
    # the clock's work, bounded: a list request closes at most CLOSE_PER_REQUEST
    # challenges, never a whole backlog (a closing costs 0.1-0.25 s with its counters and
    # opening record: 100 expired challenges, as a data set left a while without the
    # cron has, held SQLite's write lock 16-25 s in one GET, past the other writers' 15 s
    # busy timeout, so their logins answered 500); the rest by the next requests, each
    # challenge's own page and `flask challenges close-expired` (the cron)
    if services.close_expired(db.session, limit=CLOSE_PER_REQUEST):
        db.session.commit()
    # the filter's groups, as plain values; audited, and dated (hence the clock's TTL)
    groups = memoize("challenges.groups", (),
                     lambda: queries.current_group_options(db.session), clock=True)
    form = FilterForm(request.args)
    form.setup(groups, queries.agencies_with_public_challenges(db.session))
    filters = form.filters(page=query_int("page", 1, min=1, max=100_000) or 1)
    # a deep page by keyset (a cursor that does not decode is ignored: the first page)
    cursor = keyset.decode(request.args.get("after")) or \
        keyset.decode(request.args.get("before"), backward=True)
    page = queries.search_public(db.session, filters, cursor)
    args = {k: v for k, v in request.args.items()
            if k not in ("page", "after", "before") and v}
    return render_template("challenges/index.html", form=form, page=page, filters=filters,
                           args=args)


def _render_show(challenge: Challenge, question_form: QuestionForm, status: int = 200):
    mine = []
    if current_user.is_authenticated and challenge.status is ChallengeStatus.PUBLISHED:
        mine = clarifications.waiting_for(db.session, current_user, challenge)
    return render_template(
        "challenges/show.html", challenge=challenge,
        attachments=attachments_of(db.session, "challenge_id", challenge.id),
        answered=[c for c in challenge.clarifications if c.is_answered],
        waiting=sum(1 for c in challenge.clarifications if not c.is_answered),
        mine=mine, question_form=question_form,
        questions_open=clarifications.questions_open(challenge),
        questions_deadline=clarifications.questions_deadline(challenge),
        opening=opening_record(db.session, challenge),
        own_digests=opening.own_digests(db.session, current_user, challenge),
        protections=complaints.protections(db.session, challenge),
        flags=scorecards.pairs(challenge.red_flags),
        phased=is_phased(db.session, challenge), confirm=ConfirmForm()), status


@bp.route("/<int:challenge_id>")
@anonymous_page
def show(challenge_id: int):
    return _render_show(get_challenge_or_404(challenge_id, for_page=True), QuestionForm())


@bp.route("/<int:challenge_id>/clarifications", methods=["POST"])
@login_required
def ask(challenge_id: int):
    challenge = get_challenge_or_404(challenge_id)
    authorize("clarification.ask", challenge)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            clarifications.ask(db.session, current_user, challenge, form.question.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your question has been sent. The answer will be published here for every "
                    "solver, without your name."), "success")
            return redirect(url_for("challenges.show", challenge_id=challenge.id))
    return _render_show(get_challenge_or_404(challenge_id, for_page=True), form, 400)


# --- the agency's own pages ----------------------------------------------------------

@bp.route("/mine")
@login_required
def mine():
    # one page by keyset, as the public list (a cursor that does not decode: the first page)
    cursor = keyset.decode(request.args.get("after")) or \
        keyset.decode(request.args.get("before"), backward=True)
    page, waiting = queries.agency_challenges(db.session, current_user, cursor)
    return render_template("challenges/mine.html", page=page, waiting=waiting,
                           agencies=services.agencies_for(current_user))


def _group_choices(challenge: Challenge | None):
    groups = current_groups(db.session)
    if challenge is not None and challenge.technology_group_id is not None and \
            challenge.technology_group_id not in {g.id for g in groups}:
        groups = [db.session.get(TechnologyGroup, challenge.technology_group_id), *groups]
    return [("", _("— choose —"))] + [(str(g.id), f"{g.code}. {g.name_vi}") for g in groups]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    agencies = services.agencies_for(current_user)
    if not agencies:
        abort(403)
    form = ChallengeForm()
    form.agency_id.choices = [(a.id, a.name_vi) for a in agencies]
    form.technology_group_id.choices = _group_choices(None)
    if form.validate_on_submit():
        agency = next((a for a in agencies if a.id == form.agency_id.data), agencies[0])
        try:
            challenge = services.create_draft(db.session, current_user, agency, form.to_input())
        except DomainError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The draft is saved. Only your agency can see it until it is published."),
                  "success")
            return redirect(url_for("challenges.edit", challenge_id=challenge.id))
    return render_template("challenges/form.html", form=form, challenge=None), \
        (400 if form.errors else 200)


@bp.route("/<int:challenge_id>/edit", methods=["GET", "POST"])
@login_required
def edit(challenge_id: int):
    challenge = get_challenge_or_404(challenge_id, for_page=True)
    authorize("challenge.edit", challenge)
    form = ChallengeForm()
    del form.agency_id
    form.technology_group_id.choices = _group_choices(challenge)
    problems = None
    # "Save and publish" (issue 13: the typed changes are saved before the publication);
    # `confirmed` when the browser's dialog asked already, else the confirmation page asks
    then_publish = (bool(request.form.get("then_publish"))
                    and challenge.status is ChallengeStatus.DRAFT)
    confirmed = request.form.get("confirmed") == "1"
    if request.method == "GET":
        form.load(challenge)
    elif form.validate_on_submit():
        try:
            amendment = services.update(db.session, current_user, challenge,
                                        form.to_input(challenge), form.amendment_summary.data)
            if then_publish and confirmed:
                services.publish(db.session, current_user, challenge,
                                 justification=request.form.get("similarity_justification", ""))
        except DomainError as error:
            db.session.rollback()
            if isinstance(error, services.Incomplete):
                problems = error.problems  # listed once, in the box above the form
            else:
                attach_error(form, error)
        else:
            db.session.commit()
            if then_publish and confirmed:
                flash(_("The challenge is published. Everyone can now see it."), "success")
                return redirect(url_for("challenges.show", challenge_id=challenge.id))
            flash(_("The amendment is published.") if amendment else _("The draft is saved."),
                  "success")
            if then_publish:
                edit_path = url_for("challenges.edit", challenge_id=challenge.id)
                publish_path = url_for("challenges.publish", challenge_id=challenge.id)
                reason = request.form.get("similarity_justification", "").strip()
                if reason:  # carried on to the publication it justifies
                    return confirm.ask(publish_path, edit_path,
                                       [("similarity_justification", reason)])
                return redirect(url_for("confirm.page", back=edit_path, action=publish_path))
            target = "challenges.show" if amendment else "challenges.edit"
            return redirect(url_for(target, challenge_id=challenge.id))
    if problems is None:
        problems = (services.completeness_problems(challenge)
                    if challenge.status is ChallengeStatus.DRAFT else [])
    similar = (similarity.similar_challenges(db.session, challenge)
               if challenge.status is ChallengeStatus.DRAFT else [])
    return render_template(
        "challenges/form.html", form=form, challenge=challenge, problems=problems,
        similar=similar, proven_similar=similarity.proven_matches(similar),
        attachments=attachments_of(db.session, "challenge_id", challenge.id),
        attachment_form=AttachmentForm(), confirm=ConfirmForm(),
    ), (400 if form.errors else 200)


@bp.route("/<int:challenge_id>/publish", methods=["POST"])
@login_required
def publish(challenge_id: int):
    challenge = get_challenge_or_404(challenge_id)
    authorize("challenge.edit", challenge)
    if ConfirmForm().validate_on_submit():
        try:
            services.publish(db.session, current_user, challenge,
                             justification=request.form.get("similarity_justification", ""))
        except DomainError as error:
            db.session.rollback()
            if isinstance(error, services.Incomplete):  # the edit page lists each item once
                flash(_("The challenge cannot be published yet: complete the items listed "
                        "below, save, then publish."), "danger")
            else:
                flash(error.message, "danger")
            return redirect(url_for("challenges.edit", challenge_id=challenge_id))
        db.session.commit()
        flash(_("The challenge is published. Everyone can now see it."), "success")
    return redirect(url_for("challenges.show", challenge_id=challenge_id))


@bp.route("/<int:challenge_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(challenge_id: int):
    challenge = get_challenge_or_404(challenge_id)
    authorize("challenge.cancel", challenge)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.cancel(db.session, current_user, challenge, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The challenge is cancelled. The reason is public."), "info")
            return redirect(url_for("challenges.show", challenge_id=challenge_id))
    return render_template("challenges/cancel.html", challenge=challenge, form=form), \
        (400 if form.errors else 200)


@bp.route("/<int:challenge_id>/start-evaluation", methods=["POST"])
@login_required
def start_evaluation(challenge_id: int):
    challenge = get_challenge_or_404(challenge_id)
    authorize("challenge.start_evaluation", challenge)
    if ConfirmForm().validate_on_submit():
        perform(lambda: services.start_evaluation(db.session, current_user, challenge),
                _("The evaluation has started."))
    return redirect(url_for("challenges.show", challenge_id=challenge_id))


@bp.route("/<int:challenge_id>/attachments", methods=["POST"])
@login_required
def upload(challenge_id: int):
    challenge = get_challenge_or_404(challenge_id)
    authorize("challenge.edit", challenge)
    form = AttachmentForm()
    files = uploads(form.files.name)
    if form.validate_on_submit():
        streams = [(f.stream, f.filename) for f in files]
        try:
            added = services.add_attachments(
                db.session, current_user, challenge, streams,
                max_total=current_app.config["MAX_SUBMISSION_BYTES"])
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("%(n)d document(s) added.", n=len(added)), "success")
    return redirect(url_for("challenges.edit", challenge_id=challenge_id) + "#documents")


@bp.route("/<int:challenge_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
@login_required
def remove_attachment(challenge_id: int, attachment_id: int):
    challenge = get_challenge_or_404(challenge_id)
    authorize("challenge.edit", challenge)
    attachment = get_or_404(Attachment, attachment_id)
    if attachment.challenge_id != challenge.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            services.remove_attachment(db.session, current_user, challenge, attachment)
            db.session.commit()
            flash(_("The document is removed."), "info")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
    return redirect(url_for("challenges.edit", challenge_id=challenge_id) + "#documents")


@bp.route("/<int:challenge_id>/questions")
@login_required
def questions(challenge_id: int):
    challenge = get_challenge_or_404(challenge_id)
    authorize("challenge.manage", challenge)
    return render_template("challenges/questions.html", challenge=challenge,
                           pending=clarifications.unanswered(db.session, challenge),
                           form=AnswerForm())


@bp.route("/<int:challenge_id>/clarifications/<int:clarification_id>/answer",
          methods=["POST"])
@login_required
def answer(challenge_id: int, clarification_id: int):
    challenge = get_challenge_or_404(challenge_id)
    clarification = get_or_404(Clarification, clarification_id)
    if clarification.challenge_id != challenge.id:
        abort(404)
    authorize("clarification.answer", challenge)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            clarifications.answer(db.session, current_user, clarification, form.answer.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The answer is published."), "success")
            return redirect(url_for("challenges.questions", challenge_id=challenge_id))
    return render_template("challenges/questions.html", challenge=challenge,
                           pending=clarifications.unanswered(db.session, challenge),
                           form=form, failed_id=clarification.id), 400
