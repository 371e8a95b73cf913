"""In a browser, in Vietnamese: the main forms submitted empty (the browser's own checks
switched off, as an old browser or a script would) and then with wrong values show every
error message in Vietnamese, with no English word."""

from __future__ import annotations

import re

import pytest

from tests.test_i18n_forms import english_words

# (who, path) of forms a user meets first
FORMS = [
    (None, "/register"),
    (None, "/login"),
    (None, "/password/forgot"),
    ("officer@agency.demo.example", "/challenges/new"),
    ("officer@agency.demo.example", "/profile"),
]


def _submit(page, fill: str | None) -> list[str]:
    from playwright.sync_api import Error as PlaywrightError  # skipped without Playwright

    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    form = page.locator("main form:has(button[type=submit])").last
    if fill is not None:
        for field in form.locator("input[type=text], input[type=email], input[type=password],"
                                  " input[type=number], input:not([type]), textarea").all():
            if field.is_visible() and field.is_editable():
                try:
                    field.fill(fill, timeout=1000)
                except PlaywrightError:  # a field that hides itself while the form fills
                    continue
    form.locator("button[type=submit]").last.click()
    page.wait_for_load_state()
    return [t.strip() for t in page.locator(".invalid-feedback, .alert-danger").all_inner_texts()
            if t.strip()]


@pytest.mark.parametrize(("who", "path"), FORMS)
def test_form_errors_are_vietnamese(as_user, live_server, screenshot, who, path):
    page = as_user(who)
    seen = []
    for fill in (None, "x"):
        page.goto(live_server(path))
        messages = _submit(page, fill)
        seen += messages
        if path == "/register" and fill is None:  # docs/screenshots/register-errors-after.png
            screenshot(page, "register-errors-after")
        english = [m for m in messages if english_words(m)]
        assert not english, f"{path} ({fill!r}): {english}"
    assert seen, f"{path}: no error message shown"
    assert not any(re.search(r"\bNone\b", m) for m in seen)
