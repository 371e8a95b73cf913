"""Languages (Vietnamese first, English second) and the time zone; numbers, money and
dates are written by `marketplace.formatting` (re-exported here for older imports)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_request_context, session
from flask_login import current_user

from marketplace import formatting
from marketplace.babel_context import current_locale
from marketplace.extensions import babel
from marketplace.formatting import local_datetime, number, vnd

__all__ = ["current_language", "init_app", "local_datetime", "number", "select_locale", "vnd"]

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(current_locale() or "vi")


def compiled_translations(app: Flask) -> Path:
    """The folder whose `vi/LC_MESSAGES/messages.mo` is current. The compiled catalogue
    is not in git (`make` builds it); a site installed and started without it would serve
    English, so it is compiled here when missing or older than its parts: into the
    package, or, when that cannot be written, into the instance folder."""
    from marketplace import i18n_build

    if i18n_build.is_current():
        return TRANSLATIONS_DIR
    try:
        i18n_build.build()
        return TRANSLATIONS_DIR
    except OSError:
        own = Path(app.instance_path) / "translations"
        i18n_build.build(own / "vi" / "LC_MESSAGES" / "messages.mo")
        return own


def init_app(app: Flask) -> None:
    if "BABEL_TRANSLATION_DIRECTORIES" not in app.config:
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled_translations(app))
    babel.init_app(app, locale_selector=select_locale)
    formatting.init_app(app)
    app.jinja_env.globals.update(current_language=current_language)
