"""What every template may use: the policy, the language switch, safe Markdown."""

from __future__ import annotations

import threading
from functools import lru_cache
from types import SimpleNamespace

import markdown as md
import nh3
from flask import Flask, current_app, has_request_context, request, url_for
from flask.globals import _cv_app
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from marketplace import policy
from marketplace.labels import label
from marketplace.lifecycle import can_transition
from marketplace.textsafety import isolate

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4",
    "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "hr",
}


_converters = threading.local()


def markdown_to_html(text: str) -> str:
    """Markdown → HTML, not yet sanitized, as pages render it (the search index takes its
    plain text from the same HTML). One converter per thread, reset between texts:
    building one (extensions, patterns) costs more than converting a challenge's text."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = md.Markdown(
            extensions=["tables", "sane_lists"], output_format="html")
    return converter.reset().convert(text)


@lru_cache(maxsize=1024)
def _clean_html(text: str) -> str:
    return nh3.clean(
        markdown_to_html(text),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


def render_markdown(text: str | None) -> Markup:
    """Markdown to HTML with every raw tag, attribute and unsafe link removed (the same
    text gives the same HTML, so the last texts rendered are remembered)."""
    return Markup(_clean_html(text or ""))  # noqa: S704  # nosec B704  # sanitized by nh3


# The public sections, in menu order; each shows once its blueprint is registered.
NAV = (
    ("challenges.index", _l("Challenges")),
    ("dashboard.index", _l("Dashboard")),
    ("scorecards.ranking", _l("Ranking")),
    ("activity.index", _l("Activity")),
    ("search.index", _l("Search")),
)


def nav_links() -> list[tuple[str, str]]:
    return [(endpoint, label) for endpoint, label in NAV if endpoint in current_app.view_functions]


# The links of the layout (base.html) that are the same on every page: endpoints without
# values, static files, the language switch.
LAYOUT_ENDPOINTS = ("public.home", "todo.index", "notifications.index", "accounts.profile",
                    "submissions.index", "admin.index", "accounts.logout", "accounts.login",
                    "accounts.register")
LAYOUT_STATIC = {"site_css": "css/site.css", "favicon": "img/favicon.svg",
                 "confirm_js": "js/confirm.js", "menu_js": "js/menu.js"}


def _build_layout(language: str) -> SimpleNamespace:
    from marketplace.extensions import bootstrap

    icons = current_app.jinja_env.get_template("macros/icons.html").module
    return SimpleNamespace(
        css=bootstrap.load_css(), js=bootstrap.load_js(),
        static={name: url_for("static", filename=path) for name, path in LAYOUT_STATIC.items()},
        url={endpoint: url_for(endpoint) for endpoint in LAYOUT_ENDPOINTS
             if endpoint in current_app.view_functions},
        language_switch={lang: url_for("public.set_language", lang=lang)
                         for lang in current_app.config["LANGUAGES"]},
        nav=[(endpoint, url_for(endpoint), str(label)) for endpoint, label in nav_links()],
        icon={name: icons.icon(name) for name in ("search", "bell", "person")},
        language=language)


def layout() -> SimpleNamespace:
    """What base.html shows alike on every page of a language: the navigation (links and
    names), the account menu's links, the stylesheets and scripts, the icons. Built once
    per process, language and script root (the prefix the site is served under) instead
    of some twenty url_for calls and translations on every page."""
    from marketplace.babel_context import current_locale

    locale = current_locale()
    language = locale.language if locale is not None else "vi"
    if not has_request_context():
        return _build_layout(language)
    built = current_app.extensions.setdefault("marketplace.layout", {})
    key = (request.script_root, language)
    found = built.get(key)
    if found is None:
        found = built[key] = _build_layout(language)
    return found


def csrf_token() -> str:
    """Flask-WTF's `generate_csrf` for templates: the request's token once made is read
    back from `g` directly (a page asks for it in every form, one per row in tables)."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        name = app_ctx.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        token = app_ctx.g.__dict__.get(name) if name else None
        if token is not None:
            return token
    return generate_csrf()


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(can=policy.can, can_transition=can_transition,
                                 nav_links=nav_links, layout=layout, csrf_token=csrf_token)
    app.jinja_env.filters.update(markdown=render_markdown, label=label)
    app.jinja_env.finalize = isolate  # user text with bidi controls cannot reorder a page
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
