"""Languages (Vietnamese first, English second), time zone and money formatting."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from babel.numbers import format_currency, format_decimal
from flask import Flask, current_app, has_request_context, session
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from marketplace.extensions import babel

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
    return str(get_locale() or "vi")


def vnd(amount: int | None) -> str:
    """An integer amount of đồng, written the way the reader's language writes it."""
    if amount is None:
        return "—"
    return format_currency(int(amount), "VND", locale=current_language())


def number(value) -> str:
    return format_decimal(value, locale=current_language())


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return "—"
    return format_datetime(value, fmt)


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
    app.jinja_env.filters.update(vnd=vnd, number=number, local_datetime=local_datetime)
    app.jinja_env.globals.update(current_language=current_language)
