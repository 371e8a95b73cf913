"""What every template may use: the policy, the language switch, safe Markdown."""

from __future__ import annotations

import threading
from functools import lru_cache

import markdown as md
import nh3
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
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


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(can=policy.can, can_transition=can_transition,
                                 nav_links=nav_links)
    app.jinja_env.filters.update(markdown=render_markdown, label=label)
    app.jinja_env.finalize = isolate  # user text with bidi controls cannot reorder a page
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
