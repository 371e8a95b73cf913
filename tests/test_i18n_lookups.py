"""A page's strings and figures are translated and formatted from one lookup of the
request's catalogue and locale (issue 21: Flask-Babel looked its context up three times
per string), and a forced language is still followed string by string."""

from datetime import UTC, datetime

import flask_babel
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
