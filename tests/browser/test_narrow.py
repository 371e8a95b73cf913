"""No sideways scrolling at 375 px (issue 13): every page of the demo, as each role, is no
wider than a 375 px phone screen (`document.documentElement.scrollWidth` ≤ `innerWidth`).

One browser, one context per role: each role starts from its own pages (the to-do page,
the header's links) and follows every link of the site it finds, one page per kind of
address (the same path with other ids is the same page), so every page a role can reach
from the interface is checked without a list to keep up to date."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tests.browser.conftest import SCREENSHOTS, log_in

WIDTH = 375
ROLES = [None, "officer@agency.demo.example", "approver@agency.demo.example",
         "evaluator2@demo.example", "startup@demo.example", "admin@demo.example"]
SEEDS = ["/", "/todo/", "/challenges/", "/challenges/?status=awarded", "/challenges/mine",
         "/dashboard", "/activity", "/search?q=giao+thong", "/opendata/", "/complaints/",
         "/evaluation/", "/submissions/", "/submissions/invitations", "/notifications/",
         "/admin/", "/profile"]
SKIP = re.compile(r"^/(api|static|bootstrap|files|webhooks|logout|language|healthz|readyz|"
                  r"metrics|login/oidc|confirm|opendata/bulk)|\.(pdf|csv|json|jsonl|gz|zip|atom|xml|xlsx)$"
                  r"|/attachments/")  # downloads: a browser saves them, it shows no page
PER_ROLE = 45  # kinds of page per role at most: the run stays short

# the first elements reaching past the screen that no scrolling box of theirs clips
WIDEST = """() => {
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && r.width > 0 && !clipped(el)) {
      out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${Math.round(r.right)}`);
    }
  }
  return out.slice(0, 4);
}"""


def _kind(path: str) -> str:
    parts = urlsplit(path)
    keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


def _crawl(page, live_server, problems: list[str], who: str) -> int:
    seen, queue, visited = set(), list(SEEDS), 0
    while queue and visited < PER_ROLE:
        path = queue.pop(0)
        if SKIP.search(urlsplit(path).path) or _kind(path) in seen:
            continue
        seen.add(_kind(path))
        response = page.goto(live_server(path))
        if response is None or response.status >= 400 or \
                not page.url.startswith(live_server.url):
            continue
        visited += 1
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > page.evaluate("window.innerWidth"):
            problems.append(f"{path} as {who}: {width} px wide; {page.evaluate(WIDEST)}")
        for href in page.eval_on_selector_all(
                "a[href^='/']", "links => links.map(a => a.getAttribute('href'))"):
            href = href.split("#", 1)[0]
            if href and _kind(href) not in seen and not SKIP.search(urlsplit(href).path):
                queue.append(href)
    return visited


def test_no_page_scrolls_sideways_at_375_px(browser, live_server):
    problems: list[str] = []
    visited = 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for email in ROLES:
        context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                      viewport={"width": WIDTH, "height": 800})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            if email:
                log_in(page, live_server, email)
            who = email or "visitor"
            visited += _crawl(page, live_server, problems, who)
            if email == "officer@agency.demo.example":
                page.goto(live_server("/todo/"))
                page.screenshot(path=str(SCREENSHOTS / "narrow-375-todo-officer.png"),
                                full_page=True)
            if email is None:
                page.goto(live_server("/dashboard"))
                page.screenshot(path=str(SCREENSHOTS / "narrow-375-dashboard.png"),
                                full_page=True)
        finally:
            context.close()
    print(f"375 px: {visited} pages visited, {len(problems)} wider than the screen")
    assert not problems, "\n".join(problems)
