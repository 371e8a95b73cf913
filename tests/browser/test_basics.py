"""The things that break in browsers: language, forms keeping input, accessibility."""

import pytest

from tests.browser.conftest import axe_violations, log_in


def test_home_in_vietnamese_then_english_sticks(page, live_server, screenshot):
    page.goto(live_server("/"))
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "khách hàng đầu tiên" in page.locator("h1").inner_text().lower()
    screenshot(page, "home-vi")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(live_server("/login"))
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "login-en")
    page.get_by_role("button", name="Tiếng Việt").click()
    assert page.locator("html").get_attribute("lang") == "vi"


def test_registration_errors_keep_what_was_typed(page, live_server):
    page.goto(live_server("/register"))
    page.locator("#full_name").fill("Nguyễn Thị Hoa")
    page.locator("#email").fill("hoa@example.test")
    page.locator("#password").fill("ngắn")
    page.locator("#confirm").fill("ngắn")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#full_name").input_value() == "Nguyễn Thị Hoa"
    assert page.locator("#email").input_value() == "hoa@example.test"
    assert page.locator("#password").input_value() == ""  # passwords are not echoed
    assert page.locator(".invalid-feedback").first.is_visible()


def test_demo_officer_logs_in(page, live_server):
    log_in(page, live_server, "officer@agency.demo.example")
    assert "Trần Thị Minh Thư" in page.content()


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path", ["/", "/login", "/register", "/password/forgot"])
def test_no_serious_accessibility_violations(page, live_server, path, lang):
    page.goto(live_server("/"))
    if lang == "en":
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
    page.goto(live_server(path))
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
                              for v in violations]
