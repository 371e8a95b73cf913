"""Asking once more before what cannot be undone (issue 13, `marketplace.confirm`,
`static/js/confirm.js`), in a real browser. Without JavaScript, "Publish" and "Save and
publish" lead to a page that says what will happen: "Cancel" changes nothing, the button
there publishes. With JavaScript, the browser's dialog asks the same; answering "Cancel"
sends nothing."""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs, urlsplit

from tests.browser.conftest import draft_challenge, log_in, vi

OFFICER = "officer@agency.demo.example"


def _is_public(visitor, live_server, path: str) -> bool:
    return visitor.goto(live_server(path)).status == 200


def _officer_with_a_draft(context, live_server, title: str):
    """A page of `context` where the officer has just drafted a complete challenge:
    (the page, the draft's path)."""
    officer = context.new_page()
    officer.set_default_timeout(15_000)
    log_in(officer, live_server, OFFICER)
    return officer, draft_challenge(officer, live_server, title).removesuffix("/edit")


def test_publish_without_javascript_goes_through_the_confirmation_page(browser, live_server,
                                                                       as_user):
    tag = secrets.token_hex(3)
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                  java_script_enabled=False)
    visitor = as_user(None)
    try:
        officer, show = _officer_with_a_draft(context, live_server,
                                              f"Số hóa sổ hộ tịch cấp xã {tag}")
        edit = show + "/edit"
        assert not _is_public(visitor, live_server, show)

        # "Save and publish" on the edit page saves what was typed, then asks
        title = f"Số hóa sổ hộ tịch và chứng thực điện tử cấp xã {tag}"
        officer.locator("#title").fill(title)
        officer.get_by_role("button", name=vi("Save and publish")).click()
        officer.wait_for_load_state()
        url = urlsplit(officer.url)
        assert url.path == "/confirm", officer.url
        assert parse_qs(url.query)["action"] == [f"{show}/publish"]
        main = officer.locator("main")
        assert main.get_by_role("heading", name=vi("Publish this challenge?")).is_visible()
        assert vi("Everyone can see it and solvers can submit from now on. Afterwards every "
                  "change is a public amendment, and the challenge can only be cancelled "
                  "with a public reason, not deleted.") in main.inner_text()
        main.get_by_role("link", name=vi("Cancel")).click()
        officer.wait_for_load_state()
        assert officer.url == live_server(edit)
        assert officer.locator("#title").input_value() == title  # saved
        assert not _is_public(visitor, live_server, show)  # not published

        # the draft's own page: "Publish" is a link to the same question
        officer.goto(live_server(show))
        assert officer.locator("main form[action$='/publish']").is_hidden()
        officer.locator("main").get_by_role("link", name=vi("Publish"), exact=True).click()
        officer.wait_for_load_state()
        assert urlsplit(officer.url).path == "/confirm"
        assert officer.get_by_role("heading", name=vi("Publish this challenge?")).is_visible()
        officer.locator("main").get_by_role("button", name=vi("Publish"), exact=True).click()
        officer.wait_for_load_state()
        assert officer.url == live_server(show)
        assert officer.locator("main .alert-success").filter(
            has_text=vi("The challenge is published. Everyone can now see it.")).count() == 1
    finally:
        context.close()
    assert _is_public(visitor, live_server, show)
    assert title in visitor.locator("h1").inner_text()


def test_publish_with_javascript_asks_in_a_dialog_and_cancel_sends_nothing(browser,
                                                                          live_server,
                                                                          as_user):
    tag = secrets.token_hex(3)
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                  dialogs=False)
    visitor = as_user(None)
    try:
        officer, show = _officer_with_a_draft(context, live_server,
                                              f"Bản đồ số nghĩa trang liệt sĩ {tag}")
        edit = show + "/edit"
        officer.goto(live_server(show))
        # with the script, the link has become the real button
        assert officer.locator("main").get_by_role("link", name=vi("Publish"),
                                                   exact=True).count() == 0
        asked = []

        def cancel(dialog):
            asked.append((dialog.type, dialog.message))
            dialog.dismiss()

        officer.once("dialog", cancel)
        requests = []
        officer.on("request", lambda request: requests.append(request.method))
        officer.locator("main").get_by_role("button", name=vi("Publish"), exact=True).click()
        officer.wait_for_timeout(500)
        assert asked == [("confirm", vi("Publish this challenge?") + "\n\n" + vi(
            "Everyone can see it and solvers can submit from now on. Afterwards every change "
            "is a public amendment, and the challenge can only be cancelled with a public "
            "reason, not deleted."))]
        assert "POST" not in requests and officer.url == live_server(show)
        assert not _is_public(visitor, live_server, show)

        # "Save and publish" asks too; cancelled, it does not even save
        officer.goto(live_server(edit))
        officer.locator("#title").fill(f"Tiêu đề không được lưu {tag}")
        officer.once("dialog", cancel)
        officer.get_by_role("button", name=vi("Save and publish")).click()
        officer.wait_for_timeout(500)
        assert len(asked) == 2 and asked[1][0] == "confirm"
        assert "POST" not in requests
        officer.goto(live_server(edit))
        assert not re.search("không được lưu", officer.locator("#title").input_value())
    finally:
        context.close()
    assert not _is_public(visitor, live_server, show)
