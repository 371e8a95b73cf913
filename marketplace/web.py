"""Small helpers that every domain's views share."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import Field

from marketplace import policy
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.policy import existence


def attach_error(form: FlaskForm, error: DomainError, aliases: dict[str, str] | None = None
                 ) -> None:
    """Show a rule's refusal next to its field, or at the top of the form. `aliases` maps
    a rule's field name to the form's where they differ."""
    name = (aliases or {}).get(error.field, error.field) if error.field else None
    field = getattr(form, name, None) if name else None
    if isinstance(field, Field):  # not a form's method that shares the rule's field name
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "danger")


def known_or_404(obj):
    """`obj`, unless it is None or the current user may not know it exists
    (`policy.knows`): then 404, exactly like an id that does not exist. Every view asks
    this (through `get_or_404`) before reading a form or asking any other rule."""
    if obj is None or not policy.knows(current_user, obj):
        abort(404)
    return obj


def get_or_404(model, object_id: int):
    """The object named in the URL: 404 when there is none, or when its existence is
    not the current user's to know (a sealed submission, a draft, another user's
    notification). Decided by one statement, the same for a secret object as for a
    missing id (`policy.existence.lookup`), before any form is read."""
    return known_or_404(existence.lookup(db.session, model, object_id))


def lookup_or_404(model, object_id: int, *, joined: tuple[str, ...] = (),
                  collections: tuple[str, ...] = ()):
    """`get_or_404` for a page that shows more of the object: the relationships `joined`
    (dotted paths) join the one lookup statement — the same statement for a secret object
    as for a missing id — and the `collections` load (one statement each) only once the
    object is known (issue 14, the timing class)."""
    obj = known_or_404(existence.lookup(db.session, model, object_id, joined=joined))
    for name in collections:
        getattr(obj, name)
    return obj


def authorize(action: str, obj=None, *, hide: bool = False) -> None:
    """403, or 404 where the object's existence itself is not the user's to know."""
    if not policy.can(current_user, action, obj):
        abort(404 if hide else 403)


def perform(change: Callable[[], object], success: str) -> bool:
    """A POST button's whole job: run one rule, then commit and say `success`, or roll
    back and say why the rule refused. True when the change was made."""
    try:
        change()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return False
    db.session.commit()
    flash(success, "success")
    return True


def public_base_url() -> str:
    """This site's address as configured — `PUBLIC_BASE_URL`, else `PREFERRED_URL_SCHEME`
    and `SERVER_NAME` — never the request's Host or X-Forwarded-Host, which whoever sends
    the request chooses. RuntimeError when neither is configured."""
    config = current_app.config
    base = (config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base and config.get("SERVER_NAME"):
        base = f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}"
    if not base:
        raise RuntimeError("Set PUBLIC_BASE_URL: links in mail are built from it.")
    return base


def absolute_url(endpoint_or_path: str, **values) -> str:
    """An absolute link to this site for a mail or a notification (a reset link, an
    invitation): the configured public address (`public_base_url`) and the path of
    `url_for(endpoint, **values)`, or a path given as is ("/…"). Issue 14: a reset link
    built from the request's Host handed the token to whoever sent the request."""
    path = endpoint_or_path if endpoint_or_path.startswith("/") else url_for(
        endpoint_or_path, **values)
    return public_base_url() + path


def uploads(name: str) -> list:
    """The files sent under the form field `name` (Werkzeug `FileStorage`s with a name),
    for every upload route. A plain text field of that name where a file is expected is
    refused: `DomainError`, shown as a 400 with its message (issue 14: `attachments=x` was
    a 500, "'str' object has no attribute 'filename'")."""
    if any(value != "" for value in request.form.getlist(name)):
        raise DomainError(_("Choose the files with the form's file field: “%(field)s” "
                            "was sent as text.", field=name), field=name)
    return [f for f in request.files.getlist(name) if f and f.filename]
