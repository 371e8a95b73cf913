"""axe-core on every key page, in Vietnamese and in English: no serious or critical
violation. (Home, login, register and password reset are checked in test_basics.)"""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, log_in, vi

AWARDED_TITLE = "Điều phối đèn tín hiệu giao thông bằng trí tuệ nhân tạo"  # active order
EVALUATING_TITLE = "Camera AI phát hiện vi phạm và sự cố giao thông trên tuyến ven biển Đà Nẵng"

PAGES = ["challenges", "challenge", "submission_form", "evaluation_form", "award_public",
         "award_agency", "order_public", "order_party", "dashboard", "search"]


@pytest.fixture(scope="session")
def key_pages(browser, live_server, open_challenge):
    """name -> (who looks at it, its path), found through the pages themselves."""
    challenge_id, challenge_path, _ = open_challenge
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(live_server("/challenges/?status=awarded"))
        page.get_by_role("link", name=AWARDED_TITLE).first.click()
        awarded = page.url.removeprefix(live_server.url)
        page.goto(live_server(awarded + "/award"))
        order = page.locator("main a[href^='/orders/']").first.get_attribute("href")
        context.clear_cookies()
        log_in(page, live_server, "officer@agency.demo.example")
        page.goto(live_server(f"/evaluation/challenges/{awarded.rsplit('/', 1)[-1]}/panel"))
        award = page.get_by_role("link", name=vi("The award")).get_attribute("href")
        context.clear_cookies()
        log_in(page, live_server, "evaluator2@demo.example")
        page.goto(live_server("/evaluation/"))
        links = [a.get_attribute("href") for a in
                 page.locator("article", has_text=EVALUATING_TITLE).locator("a").all()]
        evaluation = None
        for href in links:
            page.goto(live_server(href))
            if page.locator("input[name^=score_]").count():
                evaluation = href
                break
        assert evaluation, "no evaluation form open for evaluator2 in the demo data"
    finally:
        context.close()
    return {
        "challenges": (None, "/challenges/"),
        "challenge": (None, challenge_path),
        "submission_form": ("university@demo.example",
                            f"/submissions/new?challenge={challenge_id}"),
        "evaluation_form": ("evaluator2@demo.example", evaluation),
        "award_public": (None, awarded + "/award"),
        "award_agency": ("officer@agency.demo.example", award),
        "order_public": (None, order),
        "order_party": ("officer@agency.demo.example", order),
        "dashboard": (None, "/dashboard"),
        "search": (None, "/search?q=cam+bien"),
    }


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_key_page_has_no_serious_violations(as_user, live_server, key_pages, name, lang,
                                            screenshot):
    email, path = key_pages[name]
    page = as_user(email)
    page.goto(live_server(path))
    if lang == "en":
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang
    assert page.url.endswith(path), page.url
    if lang == "en" and name in ("dashboard", "search", "challenges", "submission_form"):
        screenshot(page, f"a11y-{name}-en")
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
                              for v in violations]
