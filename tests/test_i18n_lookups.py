"""A page's strings and figures are translated and formatted from one lookup of the
request's catalogue and locale (issue 21: Flask-Babel looked its context up three times
per string), and a forced language is still followed string by string."""

from datetime import UTC, datetime

import flask_babel
import pytest
from flask import render_template_string
from flask_babel import force_locale, gettext, lazy_gettext

from marketplace.formatting import local_datetime, number, vnd

PAGE = "{% for n in range(40) %}{{ _('Log in') }}{{ n|score }}{% endfor %}"


def test_a_page_looks_its_catalogue_up_once(app, monkeypatch):
    found = []
    original = flask_babel.Domain.get_translations

    def counting(self):
        found.append(self)
        return original(self)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counting)
    with app.test_request_context(), force_locale("vi"):
        page = render_template_string(PAGE)
        python_side = {gettext("Log in"), str(lazy_gettext("Dashboard"))}
    assert page.startswith("Đăng nhập0,00Đăng nhập1,00")
    assert page.count("Đăng nhập") == 40
    assert python_side == {"Đăng nhập", "Bảng số liệu"}
    assert len(found) == 1


def test_a_forced_language_is_followed_and_left(app):
    moment = datetime(2026, 9, 2, 7, 30, tzinfo=UTC)
    template = "{{ _('Log in') }} {{ 1500|vnd }} {{ 79.5|score }}"
    with app.test_request_context(), force_locale("vi"):
        assert render_template_string(template) == "Đăng nhập 1.500\xa0₫ 79,50"
        assert local_datetime(moment) == "14:30 02/09/2026"
        with force_locale("en"):
            assert render_template_string(template) == "Log in ₫1,500 79.50"
            assert gettext("Log in") == "Log in"
            assert (vnd(2000), number(1.5, 1)) == ("₫2,000", "1.5")
            assert local_datetime(moment) == "2 Sep 2026, 14:30"
        assert render_template_string(template) == "Đăng nhập 1.500\xa0₫ 79,50"
        assert gettext("Log in") == "Đăng nhập"
        assert (vnd(2000), number(1.5, 1)) == ("2.000\xa0₫", "1,5")
        assert local_datetime(moment) == "14:30 02/09/2026"


def test_outside_a_request_the_catalogue_is_the_default(app):
    with app.app_context():
        assert gettext("Log in") == "Đăng nhập"
    assert gettext("Log in") == "Log in"  # no context: Flask-Babel's null catalogue


def test_templates_translate_as_jinjas_new_style_gettext(app):
    """The templates' `_`/`gettext` (babel_context.template_gettext) give what Jinja's
    own new-style gettext gives, for every message of the catalogue, in both languages,
    escaped or not, with and without arguments ("%%" and a "<" in an argument too)."""
    from jinja2.ext import _make_new_gettext

    from marketplace.babel_context import template_gettext, translations

    jinjas = _make_new_gettext(lambda s: translations().ugettext(s))
    environment = app.jinja_env
    with app.test_request_context(), force_locale("vi"):
        messages = [m for m in translations()._catalog if isinstance(m, str) and m]
    assert len(messages) > 500
    checked = 0
    for lang in ("vi", "en"):
        with app.test_request_context(), force_locale(lang):
            for autoescape in (True, False):
                context = environment.from_string("").new_context()
                context.eval_ctx.autoescape = autoescape
                for message in [*messages, "100%% sure", "Log in"]:
                    try:
                        expected = jinjas(context, message)
                    except (KeyError, TypeError, ValueError) as error:  # needs arguments
                        with pytest.raises(type(error)):
                            template_gettext(context, message)
                        continue
                    got = template_gettext(context, message)
                    assert got == expected and type(got) is type(expected), message
                    checked += 1
                arguments = {"time": "<b>", "count": 3, "name": "A & B", "page": 2, "pages": 9}
                for message in [m for m in messages if "%(" in m]:
                    try:
                        expected = jinjas(context, message, **arguments)
                    except (KeyError, TypeError, ValueError):
                        continue
                    assert template_gettext(context, message, **arguments) == expected
                    checked += 1
    assert checked > 2000
    with app.test_request_context(), force_locale("vi"):
        page = render_template_string("{{ _('Log in') }}|{{ gettext('%(n)s%%', n='<i>') }}")
    assert page == "Đăng nhập|&lt;i&gt;%"
