"""Error pages, in the user's language; a domain error that escapes a view is a 400."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from marketplace.errors import DomainError, NotAllowed
from marketplace.extensions import db

TITLES = {
    400: lambda: _("Bad request"),
    403: lambda: _("Not allowed"),
    404: lambda: _("Page not found"),
    405: lambda: _("Method not allowed"),
    413: lambda: _("The upload is too large"),
    429: lambda: _("Too many attempts"),
    500: lambda: _("Something went wrong"),
}


# Answers read by programs: errors are JSON there (the open-data files and feeds too,
# not the /opendata/ page that lists them).
JSON_PREFIXES = ("/api/", "/webhooks/", "/opendata/", "/live/")


def _wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) and request.path != "/opendata/"


# headers of the error that the answer keeps: `Allow` of a 405 (RFC 9110), `Retry-After`
KEPT_HEADERS = ("Allow", "Retry-After")


def _render(status: int, message: str | None = None, error: HTTPException | None = None):
    if _wants_json():
        response = jsonify({"error": TITLES.get(status, TITLES[500])()})
    else:
        response = current_app.make_response(render_template(
            "errors/error.html", status=status, title=TITLES.get(status, TITLES[500])(),
            message=message))
    response.status_code = status
    if error is not None:
        for name, value in error.get_headers():
            if name in KEPT_HEADERS:
                response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    for status in TITLES:
        if status == 500:
            continue
        app.register_error_handler(status, lambda e, s=status: _render(
            s, error=e if isinstance(e, HTTPException) else None))

    @app.errorhandler(500)
    def server_error(_error):
        db.session.rollback()
        return _render(500)

    @app.errorhandler(SecurityError)
    def untrusted_host(_error):
        """A request for a host this site is not (`TRUSTED_HOSTS`): a plain 400, built
        without the URL map (which has no adapter for that host)."""
        return Response("Bad request: unknown host.\n", 400, mimetype="text/plain")

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        """On a form page, the form again with what was typed (`form_recovery`)."""
        from marketplace.form_recovery import replay

        return replay(_("The form had expired, so nothing was saved. What you typed is "
                        "below: check it, then press the button again.")) or _render(
            400, _("The form has expired or was not sent from this site. "
                   "Please reload the page and try again."))

    @app.errorhandler(NotAllowed)
    def not_allowed(error):
        db.session.rollback()
        return _render(403, error.message)

    @app.errorhandler(DomainError)
    def domain_error(error):
        db.session.rollback()
        return _render(400, error.message)
