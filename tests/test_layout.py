"""The layout (base.html) around every page: its links, names and assets are built once
per language and script root (issue 21: some twenty url_for calls and translations on
every page), and still follow the language and the prefix the site is served under."""

import re

import flask

from marketplace.templating import layout


def _nav(page: str) -> list[tuple[str, str]]:
    menu = page.split('<ul class="navbar-nav me-auto">', 1)[1].split("</ul>", 1)[0]
    return [(href, re.sub(r"<[^>]+>|\s+", " ", text).strip()) for href, text in
            re.findall(r'<a class="nav-link" href="([^"]+)"[^>]*>(.*?)</a>', menu, re.S)]


def test_the_layout_follows_the_language_and_the_prefix(app, client, make_user, login):
    home = client.get("/").get_data(as_text=True)
    assert _nav(home)[:2] == [("/challenges/", "Bài toán"), ("/dashboard", "Bảng số liệu")]
    assert '<html lang="vi">' in home
    assert 'href="/static/css/site.css"' in home
    assert 'action="/language/en"' in home and 'href="/login"' in home

    client.post_form("/language/en", {"next": "/"}, token_from="/")
    english = client.get("/").get_data(as_text=True)
    assert _nav(english)[:2] == [("/challenges/", "Challenges"), ("/dashboard", "Dashboard")]
    assert '<html lang="en">' in english and 'action="/language/vi"' in english

    prefixed = client.get("/", base_url="http://localhost/cho").get_data(as_text=True)
    assert _nav(prefixed)[:2] == [("/cho/challenges/", "Challenges"),
                                  ("/cho/dashboard", "Dashboard")]
    assert 'href="/cho/static/css/site.css"' in prefixed and 'href="/cho/login"' in prefixed

    login(make_user(full_name="Lê Thị Hoa"))
    signed_in = client.get("/").get_data(as_text=True)
    assert 'href="/todo/"' in signed_in or 'href="/todo"' in signed_in
    assert 'action="/logout"' in signed_in and "Lê Thị Hoa" in signed_in


def test_the_layout_is_built_once_per_language(app):
    with app.test_request_context("/"):
        flask.session["lang"] = "vi"
        first = layout()
    with app.test_request_context("/challenges/"):
        assert layout() is first
    with app.test_request_context("/", base_url="http://localhost/cho"):
        assert layout() is not first
        assert layout().url["public.home"] == "/cho/"
