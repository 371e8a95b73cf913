"""A session that ended never costs the text (issue 13).

Two things can refuse a POST that a user spent an hour typing: an expired (or missing)
CSRF token, and a session that ended meanwhile (logged out on another device, a password
changed, the login expired). For every form page of the site (an endpoint that answers
GET and POST), one mechanism answers both by showing the same form again with what was
typed and a Vietnamese message saying what to do; passwords and files are never kept.

- **The token expired, the user is still logged in** (or the page needs no login):
  the form's view runs again with the posted values, its forms refusing to validate
  (`refused()`), so nothing is changed and the page shows the form as it was sent, with
  "Press the button again". A fresh token is on the page.
- **The session ended**: the page says so and offers the login form; what was typed
  travels with it as hidden fields named `kept-<name>`, and the path of the form as
  `resume`. After the login, `/login` answers 307 to that path, so the browser posts
  the kept fields there; `replay()` rebuilds the form from them (and nothing else — not
  the email and password of the login) and shows the form again with "You are logged in
  again: press the button again".

Endpoints that answer POST only (buttons) keep the previous answers: the error page for
an expired token, the login page for an ended session."""

from __future__ import annotations

from flask import current_app, flash, g, make_response, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_url
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException

KEPT = "kept-"
RESUMED = "kept-form"  # marks a post that comes back from the login with kept fields
_SECRET_WORDS = ("password", "passphrase", "csrf_token")
_SECRET_NAMES = {"confirm"}  # the password confirmation of the account forms


def refused() -> bool:
    """True while a form page is shown again after a refused post: every form of the site
    (`marketplace.forms.FlaskForm`) then declines to validate, so no view acts on it."""
    return bool(g.get("form_refused"))


def _secret(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SECRET_NAMES or any(word in lowered for word in _SECRET_WORDS)


def kept_values(form) -> list[tuple[str, str]]:
    """The (name, value) pairs of a posted form worth keeping: every text value except
    passwords, passphrases and the CSRF token (files are not in `request.form`)."""
    return [(name, value) for name, value in form.items(multi=True)
            if not _secret(name) and not name.startswith(KEPT) and name != "resume"]


def _form_page() -> bool:
    rule = request.url_rule
    return (request.method == "POST" and rule is not None and "GET" in (rule.methods or ())
            and not request.path.startswith(("/api/", "/webhooks/")))


def replay(message: str):
    """Run the current form page's view again with the posted values (or, coming back
    from the login, the kept ones), its forms refusing to validate, under `message`.
    Returns the response (status 400 for the form, or the view's own 4xx), or None when
    the endpoint is not a form page or its view redirects."""
    if not _form_page():
        return None
    if request.form.get(RESUMED):
        message = _("You are logged in again. What you typed is below: check it, then "
                    "press the button again.")
        request.__dict__["form"] = ImmutableMultiDict(
            [(name[len(KEPT):], value) for name, value in request.form.items(multi=True)
             if name.startswith(KEPT) and name != RESUMED])
    g.form_refused = True
    g.form_notice = message
    view = current_app.view_functions[request.url_rule.endpoint]
    try:
        response = make_response(current_app.ensure_sync(view)(**(request.view_args or {})))
    except HTTPException:  # the page itself refuses (e.g. 404): the plain refusal instead
        return None
    if 300 <= response.status_code < 400:
        return None  # the page sends elsewhere: nothing to show again
    if response.status_code == 200:
        response.status_code = 400  # refused, as a form with errors is
    return response


def unauthorized():
    """Flask-Login's answer to a request that needs a login (`login_required`). A post to
    a form page from an ended session gets the login form carrying what was typed
    (status 401); anything else the usual redirect to the login page with `next`."""
    manager = current_app.login_manager
    if not _form_page():
        flash(str(manager.login_message), manager.login_message_category)
        return redirect(login_url(manager.login_view, next_url=request.url))
    g.pop("form_notice", None)
    values = kept_values(request.form)
    return render_template(
        "errors/session_ended.html", kept=values,
        resume=request.full_path if request.query_string else request.path,
        texts=[(name, value) for name, value in values if "\n" in value or len(value) > 80],
    ), 401


def carried() -> list[tuple[str, str]]:
    """The kept fields of the current post (`kept-…` names), for the login page to carry
    on when a login from the session-ended page fails."""
    return [(name, value) for name, value in request.form.items(multi=True)
            if name.startswith(KEPT)]


def init_app(app) -> None:
    @app.before_request
    def resumed_after_login():
        """A post coming back from the login with kept fields (its CSRF token valid or
        not: the token check, which runs first, sends an invalid one to `replay` too)."""
        if request.method == "POST" and request.form.get(RESUMED) and \
                current_user.is_authenticated:
            return replay("")
        return None

    app.login_manager.unauthorized_handler(unauthorized)
