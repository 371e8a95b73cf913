"""A session that ended never costs the text (issue 13, `marketplace.form_recovery`), in a
real browser: a solver types a 9,000-character technical approach, is logged out from
another browser meanwhile, presses "save", logs in again on the page that says so, and
gets the form back with every character and a Vietnamese message; pressing "save" again
saves it. And the same form with an expired CSRF token shows it again, kept."""

from __future__ import annotations

import re
import secrets
import unicodedata

from tests.browser.conftest import NEW_PASSWORD, account_menu, register, verify_organizations, vi

PARAGRAPH = ("Hệ thống dùng mạng cảm biến mực nước siêu âm đặt tại 42 điểm ngập trọng yếu, "
             "truyền dữ liệu qua LoRaWAN về trung tâm điều hành; mô hình học máy dự báo "
             "ngập trước 30 phút và gửi cảnh báo cho người dân qua ứng dụng, tin nhắn và "
             "bảng điện tử ở các giao lộ. ")


def _approach(length: int = 9000) -> str:
    """`length` characters of Vietnamese in numbered paragraphs (NFC, as the site keeps
    every text)."""
    paragraphs = [f"{n}. " + PARAGRAPH * 3 for n in range(1, 2 + length // len(PARAGRAPH))]
    text = "\n\n".join(paragraphs)[:length - 1].rstrip()
    text += "." * (length - len(text))
    assert len(text) == length and unicodedata.is_normalized("NFC", text)
    return text


def _alert(page, msgid: str) -> bool:
    """Whether the page shows the Vietnamese message `msgid`, once."""
    return page.locator("main .alert").filter(has_text=vi(msgid)).count() == 1


def _save(page) -> None:
    page.get_by_role("button", name=vi("Save the draft")).click()
    page.wait_for_load_state()


def test_text_typed_survives_a_logout_elsewhere_and_an_expired_form(browser, as_user,
                                                                    live_server,
                                                                    open_challenge):
    challenge_id, _, _ = open_challenge
    tag = secrets.token_hex(3)
    email, org = f"kythuat-{tag}@ngapdothi.test", f"Công ty Cổ phần Cảnh báo Ngập {tag}"
    solver = as_user(None)
    register(solver, live_server, name="Phan Văn Kỹ Thuật", email=email, kind="startup",
             org_name=org, code=f"CBN-{tag}")
    verify_organizations(as_user("admin@demo.example"), [org])

    approach = _approach()
    solver.goto(live_server(f"/submissions/new?challenge={challenge_id}"))
    solver.locator("#summary").fill("Cảnh báo ngập đô thị theo thời gian thực")
    solver.locator("#technical_approach").fill(approach)
    solver.locator("#trl").fill("6")
    solver.locator("#proposed_price").fill("800.000.000 đ")
    solver.locator("#timeline").fill("5 tháng")
    solver.locator("#team").fill("6 kỹ sư")

    # meanwhile, on another computer with the same session, the solver logs out: that
    # ends every session of the account, this one too
    other = browser.new_context(locale="vi-VN", storage_state=solver.context.storage_state())
    try:
        elsewhere = other.new_page()
        elsewhere.goto(live_server("/"))
        account_menu(elsewhere).get_by_role("button", name=vi("Log out")).click()
        elsewhere.wait_for_load_state()
        assert elsewhere.locator("header").get_by_role("link", name=vi("Log in")).count()
    finally:
        other.close()

    _save(solver)
    assert solver.get_by_role("heading", name=vi("Your session has ended")).is_visible()
    assert solver.url.endswith(f"/submissions/new?challenge={challenge_id}")
    # the text is on the page, to copy, and travels with the login form
    assert approach in [t.input_value() for t in solver.locator("main textarea").all()]
    solver.locator("#relogin-email").fill(email)
    solver.locator("#relogin-password").fill(NEW_PASSWORD)
    solver.get_by_role("button", name=vi("Log in and go back to the form")).click()
    solver.wait_for_load_state()

    assert solver.url.endswith(f"/submissions/new?challenge={challenge_id}")
    assert _alert(solver, "You are logged in again. What you typed is below: check it, "
                          "then press the button again.")
    kept = solver.locator("#technical_approach").input_value()
    assert kept == approach, (len(kept), len(approach))
    assert solver.locator("#summary").input_value() == "Cảnh báo ngập đô thị theo thời gian thực"
    assert solver.locator("#proposed_price").input_value() == "800.000.000 đ"
    _save(solver)
    assert re.search(r"/submissions/\d+$", solver.url), solver.locator("main").inner_text()[:500]
    assert _alert(solver, "Your draft has been saved. Nobody outside your organization can "
                          "see it.")
    draft = solver.url

    solver.goto(draft + "/edit")
    assert solver.locator("#technical_approach").input_value() == approach  # saved whole

    # the expired form: the token the page holds no longer matches
    changed = approach[:-40] + " Bổ sung: tích hợp dữ liệu radar thời tiết."
    solver.locator("#technical_approach").fill(changed)
    solver.evaluate("document.querySelectorAll('main input[name=csrf_token]')"
                    ".forEach(input => { input.value = 'het-han'; })")
    _save(solver)
    assert solver.url == draft + "/edit"
    assert _alert(solver, "The form had expired, so nothing was saved. What you typed is "
                          "below: check it, then press the button again.")
    assert solver.locator("#technical_approach").input_value() == changed
    _save(solver)
    assert solver.url == draft
    solver.goto(draft + "/edit")
    assert solver.locator("#technical_approach").input_value() == changed
