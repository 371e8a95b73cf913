"""The delete buttons of drafts (issue 19): POST only, 404 where the draft's existence is
not the user's to know (the rules: `marketplace/drafts.py`)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import drafts
from marketplace.challenges.models import Challenge
from marketplace.extensions import db
from marketplace.forms import ConfirmForm
from marketplace.orders.models import PilotOrder
from marketplace.submissions.models import Submission
from marketplace.web import authorize, get_or_404, perform

bp = Blueprint("drafts", __name__)


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.route("/challenges/<int:challenge_id>/delete", methods=["POST"])
@login_required
def delete_challenge(challenge_id: int):
    challenge = get_or_404(Challenge, challenge_id)
    authorize("challenge.delete", challenge, hide=True)
    _confirmed()
    if perform(lambda: drafts.delete_challenge(db.session, current_user, challenge),
               _("The draft challenge was deleted.")):
        return redirect(url_for("challenges.mine"))
    return redirect(url_for("challenges.show", challenge_id=challenge_id))


@bp.route("/submissions/<int:submission_id>/delete", methods=["POST"])
@login_required
def delete_submission(submission_id: int):
    submission = get_or_404(Submission, submission_id)
    authorize("submission.delete", submission, hide=True)
    _confirmed()
    if perform(lambda: drafts.delete_submission(db.session, current_user, submission),
               _("The draft solution was deleted.")):
        return redirect(url_for("submissions.index"))
    return redirect(url_for("submissions.show", submission_id=submission_id))


@bp.route("/orders/<int:order_id>/delete", methods=["POST"])
@login_required
def delete_order(order_id: int):
    order = get_or_404(PilotOrder, order_id)
    authorize("order.delete", order, hide=True)
    _confirmed()
    challenge_id = order.challenge_id
    if perform(lambda: drafts.delete_order(db.session, current_user, order),
               _("The draft pilot order was deleted.")):
        return redirect(url_for("evaluation.award_page", challenge_id=challenge_id))
    return redirect(url_for("orders.show", order_id=order_id))
