"""Flask-Babel, with the request's catalogue and locale looked up once.

A page translates a few hundred strings and formats dozens of numbers and dates.
Flask-Babel looks its context up three times for each string (`get_domain`,
`get_translations`, `get_locale`, each through the `flask.g` proxy) and names the locale
again to find the catalogue. Here the catalogue found for the context's locale and domain
is kept beside them (`translations()`, `Domain`), and `current_locale()` reads the chosen
locale directly: the same catalogue and locale Flask-Babel gives. A `force_locale` block
or a `refresh()` replaces the context's locale object, so the next lookup is made again."""

from __future__ import annotations

import flask_babel
from flask.globals import _cv_app
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.utils import cached_property

_CACHED = "marketplace_translations"  # (locale, domain, catalogue), in Flask-Babel's context


def babel_context() -> dict | None:
    """The attributes of Flask-Babel's namespace of the current application context
    (`g._flask_babel`: the locale, domain and timezone it chose); None outside a context
    or before Flask-Babel made it. Read from the context variable itself: each attribute
    of the `flask.g` proxy looks the context up again."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return None
    namespace = app_ctx.g.__dict__.get("_flask_babel")
    return None if namespace is None else namespace.__dict__


def translations():
    """`flask_babel.get_translations()`: the catalogue of the context's locale."""
    context = babel_context()
    if context is not None:
        cached = context.get(_CACHED)
        if (cached is not None and cached[0] is context.get("babel_locale")
                and cached[1] is context.get("babel_domain")):
            return cached[2]
    return flask_babel.get_translations()


def current_locale():
    """`flask_babel.get_locale()`: the context's locale (None outside a context)."""
    context = babel_context()
    if context is not None:
        locale = context.get("babel_locale")
        if locale is not None:
            return locale
    return flask_babel.get_locale()


class Domain(flask_babel.Domain):
    """Flask-Babel's message domain, keeping the catalogue it found in the context."""

    def get_translations(self):
        context = babel_context()
        if context is not None:
            cached = context.get(_CACHED)
            if (cached is not None and cached[1] is self
                    and cached[0] is context.get("babel_locale")):
                return cached[2]
        found = super().get_translations()
        context = babel_context()  # made by the lookup when it was missing
        if context is not None and context.get("babel_locale") is not None:
            context[_CACHED] = (context["babel_locale"], self, found)
        return found


@pass_context
def template_gettext(__context, __string: str, **variables):
    """The templates' `_` and `gettext`: Jinja's "new style" gettext (jinja2.ext
    `_make_new_gettext`: the text of the catalogue, Markup where the template
    autoescapes, always %-formatted with the keyword arguments) without its two
    indirections on every call (`_` resolving `gettext` in the context, then
    `Context.call` inspecting the function). A text without "%" and no arguments is
    returned as `text % {}` would return it: unchanged."""
    rv = translations().ugettext(__string)
    if __context.eval_ctx.autoescape:
        rv = Markup(rv)  # noqa: S704  # nosec B704  # the catalogue's text, as Jinja marks it
    if not variables and "%" not in rv:
        return rv
    return rv % variables


class Babel(flask_babel.Babel):
    """Flask-Babel with the `Domain` above; the templates' `_`, `gettext` and `ngettext`
    answered from `translations()`."""

    @cached_property
    def domain_instance(self):
        return Domain(domain=self.domain)

    def init_app(self, app, *args, **kwargs) -> None:
        super().init_app(app, *args, **kwargs)
        if self._configure_jinja:
            app.jinja_env.install_gettext_callables(
                gettext=lambda s: translations().ugettext(s),
                ngettext=lambda s, p, n: translations().ungettext(s, p, n),
                newstyle=True,
                pgettext=lambda c, s: translations().upgettext(c, s),
                npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
            )
            app.jinja_env.globals.update(gettext=template_gettext, _=template_gettext)
