"""Asking once more before what cannot be undone (issue 13).

Every button that takes an irreversible step (publish a challenge, submit a solution,
start the evaluation, approve an award, offer a pilot order, accept a delivered
milestone, delete a draft) is registered here with what it will do. The `post_button`
macro asks `confirmation(action)` and, for a registered action, renders:

- without JavaScript, a link to `GET /confirm?action=…&back=…`: a page that says what will
  happen and holds the real POST form (and "Cancel", back to the page the user came
  from);
- with `static/js/confirm.js`, the POST form itself, whose submission first asks the
  same question in the browser's dialog (no inline script: the CSP forbids it).

The confirmation page reads nothing but the URL map: it is the same page for an object
that exists, one that is secret and one that does not (the POST decides, as before).
Form pages that are themselves the statement of what will happen (sign, countersign,
pay) carry `data-confirm` on their submit button for the dialog."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from werkzeug.exceptions import HTTPException

from marketplace.security import is_safe_next

bp = Blueprint("confirm", __name__)


@dataclass(frozen=True)
class Confirmation:
    """`question` (the page's title and the dialog's first line), `consequence` (what
    happens, and that it cannot be undone), `button` (the label of the real button)."""

    question: object
    consequence: object
    button: object

    def dialog(self) -> str:
        return f"{self.question}\n\n{self.consequence}"


_START = Confirmation(
    _l("Start the evaluation?"),
    _l("The sealed submissions are opened for the evaluation panel. This cannot be undone."),
    _l("Start the evaluation"))
_DELETE = Confirmation(
    _l("Delete this draft?"),
    _l("The draft and its files are deleted. This cannot be undone."),
    _l("Delete this draft"))

# endpoint, or (endpoint, the value of its `action` / `answer` argument) → what to ask
CONFIRMATIONS: dict[object, Confirmation] = {
    "challenges.publish": Confirmation(
        _l("Publish this challenge?"),
        _l("Everyone can see it and solvers can submit from now on. Afterwards every change "
           "is a public amendment, and the challenge can only be cancelled with a public "
           "reason, not deleted."),
        _l("Publish")),
    ("submissions.change", "submit"): Confirmation(
        _l("Submit this solution?"),
        _l("It is sealed and you get a receipt. Until the deadline you may withdraw it or "
           "reopen it to edit; after the deadline nothing can be changed."),
        _l("Submit the solution")),
    "challenges.start_evaluation": _START,
    "evaluation.start": _START,
    "evaluation.approve": Confirmation(
        _l("Approve the award?"),
        _l("The award decision takes effect and is published, and the standstill period "
           "for complaints starts. Only an upheld complaint can annul it."),
        _l("Approve the award")),
    "orders.offer": Confirmation(
        _l("Offer the pilot order to the solver?"),
        _l("The solver is told and may sign these exact terms. To change them afterwards, "
           "you must withdraw the offer."),
        _l("Offer to the solver")),
    "orders.accept": Confirmation(
        _l("Accept this delivery?"),
        _l("The milestone is accepted in public and becomes payable. This cannot be undone."),
        lazy_pgettext("milestone", "Accept")),
    "outcomes.approve": Confirmation(
        _l("Approve the follow-on order?"),
        _l("Your second signature lets the officer offer this follow-on order to the solver "
           "at the value shown. It is recorded and cannot be withdrawn."),
        _l("Approve the follow-on order (second signature)")),
    "outcomes.publish": Confirmation(
        _l("Publish the outcome?"),
        _l("The pilot's outcome and its lessons are published for everyone; a proven "
           "solution enters the catalogue. This cannot be undone."),
        _l("Publish the outcome")),
    "drafts.delete_challenge": _DELETE,
    "drafts.delete_submission": _DELETE,
    "drafts.delete_order": _DELETE,
}

# The form pages that state what will happen themselves: the dialog's text for their button.
SIGN = Confirmation(
    _l("Sign the pilot order?"),
    _l("Your signature binds your organization to the terms shown on this page."),
    _l("Sign"))
PAY = Confirmation(
    _l("Record this payment?"),
    _l("The payment is recorded and published with the milestone. This cannot be undone."),
    _l("Pay"))


def confirmation(action: str) -> Confirmation | None:
    """What to ask before posting to the site path `action` (a URL with its query), or
    None when the action is not irreversible. Reads the URL map only."""
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, args = adapter.match(action.split("?", 1)[0], method="POST")
    except HTTPException:
        return None
    for key in ((endpoint, args.get("action") or args.get("answer")), endpoint):
        if key in CONFIRMATIONS:
            return CONFIRMATIONS[key]
    return None


@bp.route("/confirm")
def page():
    """The no-JavaScript confirmation: `action` (the site path the button posts to) and
    `back` (where "Cancel" goes). 404 for any action that is not a registered one."""
    action, back = request.args.get("action", ""), request.args.get("back", "")
    asked = confirmation(action) if is_safe_next(action) else None
    if asked is None:
        abort(404)
    return render_template("confirm.html", asked=asked, action=action,
                           back=back if is_safe_next(back) else "/")


def ask(action: str, back: str, carried: list[tuple[str, str]]):
    """The confirmation page for `action` (registered), its form carrying `carried`
    (name, value) fields to the action — what a view asks before posting on."""
    return render_template("confirm.html", asked=confirmation(action), action=action,
                           back=back, carried=carried)


def init_app(app) -> None:
    app.jinja_env.globals.update(confirmation=confirmation, sign_confirmation=SIGN,
                                 pay_confirmation=PAY)
    app.register_blueprint(bp)
