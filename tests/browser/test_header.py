"""The header fits one line from 992 to 1400 px (issue 13), for every role, in Vietnamese
and in English: every top-level item of the navigation bar (the brand, each link, the
account menu, the language switch) is one line of text, all of them on the same line,
none past the right edge of the bar, and the bar is exactly one line high."""

from __future__ import annotations

import pytest

ROLES = [None, "officer@agency.demo.example", "approver@agency.demo.example",
         "evaluator2@demo.example", "startup@demo.example", "admin@demo.example"]
WIDTHS = [992, 1100, 1200, 1280, 1400]

# For each visible top-level item: its box, and how many lines its text takes (the text
# rectangles of a Range over it, grouped by their top). The one-line height of the bar is
# the brand's line height and vertical padding plus the bar's own vertical padding.
MEASURE = """() => {
  const px = (el, prop) => parseFloat(getComputedStyle(el)[prop]);
  const nav = document.querySelector('header nav.navbar');
  const brand = nav.querySelector('.navbar-brand');
  const container = nav.querySelector('.container');
  const items = [brand, ...nav.querySelectorAll('#mainnav > ul > li')]
    .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden');
  const lines = (el) => {  // the lines its visible text takes
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const tops = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) {
        if (r.width > 1 && r.height > 1) tops.push(r.top);
      }
    }
    tops.sort((a, b) => a - b);
    return tops.filter((top, i) => i === 0 || top - tops[i - 1] > 4).length;
  };
  const inner = container.getBoundingClientRect();
  return {
    height: nav.getBoundingClientRect().height,
    oneLine: px(brand, 'lineHeight') + px(brand, 'paddingTop') + px(brand, 'paddingBottom')
             + px(nav, 'paddingTop') + px(nav, 'paddingBottom'),
    right: inner.right - px(container, 'paddingRight'),
    pageWidth: document.documentElement.scrollWidth,
    items: items.map(el => {
      const r = el.getBoundingClientRect();
      return {text: el.innerText.trim().replace(/\\s+/g, ' ').slice(0, 30),
              middle: r.top + r.height / 2, right: r.right, lines: lines(el)};
    }),
  };
}"""


def _problems(measured: dict, width: int) -> list[str]:
    problems = []
    items = measured["items"]
    middle = items[0]["middle"]  # the brand's
    for item in items:
        if item["lines"] > 1:
            problems.append(f"{item['text']!r} takes {item['lines']} lines")
        if abs(item["middle"] - middle) > 3:
            problems.append(f"{item['text']!r} is off the brand's line "
                            f"({item['middle'] - middle:+.0f} px)")
        if item["right"] > measured["right"] + 1:
            problems.append(f"{item['text']!r} reaches past the bar "
                            f"({item['right'] - measured['right']:+.0f} px)")
    if abs(measured["height"] - measured["oneLine"]) > 1:
        problems.append(f"the bar is {measured['height']:.0f} px high, one line is "
                        f"{measured['oneLine']:.0f} px")
    if measured["pageWidth"] > width:
        problems.append(f"the page is {measured['pageWidth']} px wide")
    return problems


@pytest.mark.parametrize("email", ROLES, ids=lambda e: (e or "visitor").split("@")[0])
def test_header_is_one_line_from_992_to_1400_px(as_user, live_server, email):
    page = as_user(email)
    problems, heights = [], {}
    for lang, switch in (("vi", None), ("en", "English")):
        page.goto(live_server("/"))
        if switch:
            page.get_by_role("button", name=switch).click()
            page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == lang
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            measured = page.evaluate(MEASURE)
            heights[(lang, width)] = round(measured["height"])
            problems += [f"{lang} {width} px: {p}" for p in _problems(measured, width)]
    print(f"header heights as {email or 'visitor'}: {heights}")
    assert not problems, "\n".join(problems)


def test_account_menu_opens_without_javascript(browser, live_server, as_user):
    """The account menu is a <details>: without JavaScript it opens and its links work;
    with static/js/menu.js, Escape closes it and gives the focus back to it."""
    from tests.browser.conftest import account_menu, log_in, vi

    context = browser.new_context(locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live_server, "startup@demo.example")
        page.goto(live_server("/"))
        link = page.locator("header").get_by_role("link", name=vi("Account details"))
        assert not link.is_visible()
        account_menu(page)
        for name in ("Account details", "My submissions", "Log out"):
            assert page.locator("header .account-menu").get_by_text(vi(name)).is_visible(), name
        assert page.locator("header").get_by_role("link", name=vi("Administration")).count() == 0
        link.click()
        page.wait_for_load_state()
        assert page.url == live_server("/profile")
    finally:
        context.close()
    page = as_user("admin@demo.example")
    page.set_viewport_size({"width": 1100, "height": 800})
    menu = account_menu(page)
    assert menu.get_by_role("link", name=vi("Administration")).is_visible()
    page.keyboard.press("Escape")
    assert not menu.evaluate("details => details.open")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
