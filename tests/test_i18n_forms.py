"""Every form of the site answers in Vietnamese: each POST route of the access matrix is
submitted by its legitimate party (the owner of the row) empty, then with wrong values in
every field, and the page's error messages must contain no English word.

WTForms ships no Vietnamese catalogue; `marketplace.forms.FlaskForm` reads its built-in
messages ("This field is required.", "Not a valid integer value.", …) from the site's
catalogue (`translations/vi/parts/wtforms.po`)."""

from __future__ import annotations

import html
import re

from tests.security.matrix import Clients, build_url, resolve
from tests.security.test_access_matrix import TABLE
from tests.security.world import build_world

# Words of WTForms' and our English messages that no Vietnamese message contains.
ENGLISH = {"the", "this", "field", "is", "required", "not", "valid", "value", "must",
           "be", "between", "and", "characters", "character", "number", "please", "enter",
           "invalid", "choice", "least", "most", "of", "file", "date", "integer",
           "decimal", "exactly", "cannot", "input", "longer", "than", "choose", "should",
           "empty", "missing", "token", "expired", "only", "use", "your", "a", "an"}

ERROR = re.compile(r'class="(?:invalid-feedback|alert alert-danger)[^"]*"[^>]*>(.*?)</div>',
                   re.S)
FIELD = re.compile(r'<(input|textarea|select)\b[^>]*\bname="([^"]+)"[^>]*>', re.S)
# one short text (too short, not a number, not a date, not a choice, not an email), one
# negative number (out of every range)
WRONG = ("x", "-99999999")


def error_messages(page: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", " ", m)).strip() for m in ERROR.findall(page)]


def english_words(message: str) -> set[str]:
    return {w for w in re.findall(r"\w+", message) if w.lower() in ENGLISH}


def field_names(page: str, action: str) -> list[str]:
    """The names of the fields of the page's form that posts to `action` (or of every
    form when none names it)."""
    forms = re.findall(r'<form\b([^>]*)>(.*?)</form>', page, re.S)
    chosen = [body for attrs, body in forms if f'action="{action}"' in attrs] or \
        [body for _attrs, body in forms]
    names = []
    for body in chosen:
        for _tag, name in FIELD.findall(body):
            if name != "csrf_token" and name not in names:
                names.append(name)
    return names


def test_wtforms_messages_are_vietnamese(app):
    from flask_babel import force_locale
    from wtforms import IntegerField, StringField
    from wtforms.validators import DataRequired, Length, NumberRange

    from marketplace.forms import FlaskForm

    class Probe(FlaskForm):
        class Meta:
            csrf = False
        name = StringField(validators=[DataRequired(), Length(min=10, max=200)])
        count = IntegerField(validators=[NumberRange(0, 10)])

    with app.test_request_context(method="POST", data={"name": "ab", "count": "x"}), \
            force_locale("vi"):
        form = Probe()
        assert not form.validate()
        assert form.errors == {"name": ["Cần từ 10 đến 200 ký tự."],
                               "count": ["Vui lòng nhập một số nguyên.",
                                         "Số phải nằm trong khoảng từ 0 đến 10."]}
    with app.test_request_context(method="POST", data={}), force_locale("vi"):
        form = Probe()
        form.validate()
        assert form.errors["name"] == ["Vui lòng điền mục này."]
    with app.test_request_context(method="POST", data={}), force_locale("en"):
        form = Probe()
        form.validate()
        assert form.errors["name"] == ["This field is required."]


def test_every_form_answers_in_vietnamese(app, client, session, connection):
    world = build_world(session)
    clients = Clients(app, client)
    problems, seen = [], 0
    for case in TABLE:
        if case.post is None or case.endpoint in {"accounts.logout", "public.set_language"}:
            continue
        user = resolve(world, case.owner)
        the_client = clients.for_user(user)
        url = build_url(app, world, case).replace("OPEN", str(world.open.id))
        page = the_client.get(url).get_data(as_text=True) if case.get is not None else ""
        names = field_names(page, url.split("?")[0])
        for wrong in ("", *WRONG):
            data = {"csrf_token": the_client.csrf_token("/")}
            if wrong:
                data |= {name: wrong for name in names}
            savepoint = connection.begin_nested()
            try:
                response = the_client.post(url, data=data)
                body = response.get_data(as_text=True)
                response.close()
            finally:
                savepoint.rollback()
                session.expire_all()
            for message in error_messages(body):
                seen += 1
                if english_words(message):
                    problems.append(f"{case.name} {wrong[:12]!r}: {message!r}")
    assert seen > 50, f"only {seen} error messages found: is the form pattern right?"
    assert not problems, "English in error messages:\n" + "\n".join(sorted(set(problems)))


def test_every_form_derives_from_the_translated_base(app):
    """A form built on flask_wtf's FlaskForm or wtforms' Form directly would show WTForms'
    messages in English."""
    import importlib
    import pkgutil

    import flask_wtf
    import wtforms

    import marketplace
    from marketplace import forms

    for module in pkgutil.walk_packages(marketplace.__path__, "marketplace."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = (forms.FlaskForm, forms.Form)
    strays = [f"{c.__module__}.{c.__qualname__}"
              for base in (flask_wtf.FlaskForm, wtforms.Form) for c in subclasses(base)
              if c.__module__.startswith("marketplace.") and not issubclass(c, ours)]
    assert strays == []
