"""`/login/oidc`: sign in with the configured national identity provider (`accounts.oidc`).

POST `/login/oidc` (a button with a CSRF token) sends the browser to the provider;
GET `/login/oidc/callback` receives the code, has Authlib exchange and verify it, then
signs the user in under the site's session rules: the session is cleared at login
(keeping only the language) and the cookie carries the user's session version. Every
refusal is a message and no session. 404 when no provider is configured."""

from __future__ import annotations

import requests
from authlib.common.errors import AuthlibBaseError
from flask import Blueprint, abort, current_app, flash, g, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from joserfc.errors import JoseError

from marketplace.accounts import oidc
from marketplace.errors import DomainError
from marketplace.extensions import db, limiter
from marketplace.forms import ConfirmForm
from marketplace.security import is_safe_next, safe_next

bp = Blueprint("oidc", __name__, url_prefix="/login/oidc")

NEXT_KEY = "oidc_next"


def _address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _refused(response) -> bool:
    """Only refused answers count against the address's login limit."""
    return bool(g.get("oidc_refused"))


def _refuse(message: str):
    """No session: whatever the flow left behind is dropped, the language kept."""
    g.oidc_refused = True
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(message, "danger")
    return redirect(url_for("accounts.login"))


def redirect_uri() -> str:
    """The callback's absolute URL, as registered with the provider: on `PUBLIC_BASE_URL`
    when set (never on whatever Host a request claims), else on the request's host."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return base + url_for("oidc.callback") if base else url_for("oidc.callback",
                                                                 _external=True)


@bp.route("", methods=["POST"])
def start():
    if oidc.settings() is None:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("accounts.login"))
    try:
        remote = oidc.client()
        session[NEXT_KEY] = safe_next(url_for("public.home"))
        return remote.authorize_redirect(redirect_uri())
    except (oidc.ProviderError, AuthlibBaseError, JoseError, requests.RequestException,
            ValueError) as error:
        current_app.logger.warning("OpenID Connect provider unusable: %s", error)
        return _refuse(_("The identity provider cannot be reached right now. Try again later "
                         "or log in with your password."))


@bp.route("/callback")
@limiter.limit(_address_limit, deduct_when=_refused, error_message="login-address")
def callback():
    found = oidc.settings()
    if found is None:
        abort(404)
    if current_user.is_authenticated:  # a stray link logs nobody out
        return redirect(url_for("public.home"))
    next_url = session.get(NEXT_KEY) or url_for("public.home")
    try:
        remote = oidc.client()
        token = remote.authorize_access_token(leeway=oidc.LEEWAY,
                                              claims_options=oidc.claims_options(found))
        claims = token.get("userinfo")
        if not claims:
            raise oidc.ProviderError("no ID token in the token response")
    except (oidc.ProviderError, AuthlibBaseError, JoseError, requests.RequestException,
            ValueError, KeyError, TypeError) as error:
        current_app.logger.warning("OpenID Connect sign-in refused: %s: %s",
                                   type(error).__name__, error)
        return _refuse(_("Sign-in with %(provider)s failed: the answer could not be verified. "
                         "Nothing was signed in; please try again.",
                         provider=found.display_name or _("the identity provider")))
    try:
        user, outcome = oidc.sign_in(db.session, issuer=found.issuer, claims=dict(claims))
    except DomainError as error:
        db.session.rollback()
        return _refuse(error.message)
    db.session.commit()
    lang = session.get("lang")
    session.clear()  # a new session at login: nothing carried over from before
    if lang:
        session["lang"] = lang
    login_user(user)
    if outcome == "created":
        flash(_("Welcome! Your account is created from your verified identity. To act for an "
                "organization, it must be registered and verified by an administrator."),
              "success")
    elif outcome == "linked":
        flash(_("Your identity is now linked to your account. You are logged in."), "success")
    else:
        flash(_("You are logged in."), "success")
    return redirect(next_url if is_safe_next(next_url) else url_for("todo.index"))
