"""The things that break in browsers, on the domain pages: file upload and download,
validation messages keeping what was typed, the sealed submission, the language switch,
and completing the submission form with the keyboard only."""

from __future__ import annotations

import re

from tests.browser.conftest import vi


def _pdf(text: str) -> bytes:
    """A small, real one-page PDF."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def test_challenge_document_upload_and_download(as_user, live_server, tmp_path):
    officer = as_user("officer@agency.demo.example")
    officer.goto(live_server("/challenges/new"))
    officer.locator("#title").fill("Bản nháp có tài liệu đính kèm")
    officer.locator("main form button[type=submit]").first.click()
    officer.wait_for_load_state()
    assert "/edit" in officer.url
    body = _pdf("Dieu khoan tham chieu")
    upload = tmp_path / "Điều khoản tham chiếu.pdf"
    upload.write_bytes(body)
    officer.locator("#documents input[type=file]").set_input_files(str(upload))
    officer.locator("#documents").get_by_role("button", name=vi("Upload")).click()
    officer.wait_for_load_state()
    link = officer.locator("#documents").get_by_role("link", name="Điều khoản tham chiếu.pdf")
    with officer.expect_download() as download:
        link.click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == body
    response = officer.request.get(live_server(link.get_attribute("href")))
    assert response.ok and response.body() == body
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment"), disposition
    assert response.headers["x-content-type-options"] == "nosniff"
    # a draft's document is nobody else's business
    visitor = as_user(None)
    assert visitor.request.get(live_server(link.get_attribute("href"))).status == 404


def test_submission_attachment_upload_and_download(as_user, live_server, open_challenge,
                                                   tmp_path):
    challenge_id, _, _ = open_challenge
    solver = as_user("institute@demo.example")
    solver.goto(live_server(f"/submissions/new?challenge={challenge_id}"))
    solver.locator("#summary").fill("Hồ sơ của viện, có tệp đính kèm.")
    solver.locator("main form button[type=submit]").first.click()
    solver.wait_for_load_state()
    body = _pdf("Thuyet minh ky thuat")
    upload = tmp_path / "thuyet-minh.pdf"
    upload.write_bytes(body)
    solver.locator("input[name=attachments]").set_input_files(str(upload))
    solver.get_by_role("button", name=vi("Upload")).click()
    solver.wait_for_load_state()
    link = solver.get_by_role("link", name="thuyet-minh.pdf")
    response = solver.request.get(live_server(link.get_attribute("href")))
    assert response.ok and response.body() == body
    assert response.headers["content-disposition"].startswith("attachment")
    # sealed: the agency cannot fetch it
    officer = as_user("officer@agency.demo.example")
    assert officer.request.get(live_server(link.get_attribute("href"))).status == 404


def test_challenge_form_errors_keep_what_was_typed(as_user, live_server):
    officer = as_user("officer@agency.demo.example")
    officer.goto(live_server("/challenges/new"))
    officer.locator("#title").fill("Ứng dụng AI trong y tế cơ sở")
    officer.locator("#problem").fill("Thiếu bác sĩ ở trạm y tế xã.")
    officer.locator("#budget_ceiling").fill("2.000.000.000")
    officer.locator("#criteria-0-name").fill("Độ chính xác")
    officer.locator("#criteria-0-weight").fill("150")  # out of range
    officer.locator("#criteria-1-weight").fill("20")  # a weight without a name
    officer.locator("main form button[type=submit]").first.click()
    officer.wait_for_load_state()
    assert officer.locator("main .alert-danger").first.is_visible()
    assert officer.locator("#criteria-0-weight.is-invalid").count() == 1
    assert officer.locator("#criteria-1-name.is-invalid").count() == 1
    assert officer.locator("#title").input_value() == "Ứng dụng AI trong y tế cơ sở"
    assert officer.locator("#problem").input_value() == "Thiếu bác sĩ ở trạm y tế xã."
    assert officer.locator("#budget_ceiling").input_value() == "2.000.000.000"
    assert officer.locator("#criteria-0-name").input_value() == "Độ chính xác"
    assert officer.locator("#criteria-0-weight").input_value() == "150"


def test_submission_form_errors_keep_what_was_typed(as_user, live_server, open_challenge):
    challenge_id, _, _ = open_challenge
    solver = as_user("university@demo.example")
    solver.goto(live_server(f"/submissions/new?challenge={challenge_id}"))
    solver.locator("#technical_approach").fill("Nhận dạng chữ viết tay tiếng Việt.")
    solver.locator("#trl").fill("12")
    solver.locator("#proposed_price").fill("1.000.000.000 đ")
    solver.locator("#team").fill("Khoa Công nghệ thông tin")
    solver.locator("main form button[type=submit]").first.click()
    solver.wait_for_load_state()
    assert "/submissions/new" in solver.url  # nothing saved
    assert solver.locator("#summary.is-invalid").count() == 1
    assert solver.locator("#trl.is-invalid").count() == 1
    assert solver.locator("#summary").get_attribute("aria-invalid") == "true"
    assert solver.locator("#technical_approach").input_value() == \
        "Nhận dạng chữ viết tay tiếng Việt."
    assert solver.locator("#trl").input_value() == "12"
    assert solver.locator("#proposed_price").input_value() == "1.000.000.000 đ"
    assert solver.locator("#team").input_value() == "Khoa Công nghệ thông tin"


def test_sealed_submission_is_invisible_to_the_agency(as_user, live_server):
    officer = as_user("officer@agency.demo.example")
    from tests.browser.conftest import publish_challenge

    title = "Bản đồ số điểm đen tai nạn giao thông niêm phong"
    path = publish_challenge(officer, live_server, title, days=10)
    challenge_id = path.rsplit("/", 1)[-1]
    solver = as_user("startup@demo.example")
    solver.goto(live_server(path))
    solver.get_by_role("link", name=vi("Submit a solution")).click()
    secret = "Mô-hình-bí-mật-Zyxwv"
    for selector, text in (("#summary", f"Giải pháp {secret}"), ("#technical_approach", "x"),
                           ("#trl", "5"), ("#proposed_price", "800.000.000"),
                           ("#timeline", "3 tháng"), ("#team", "4 người")):
        solver.locator(selector).fill(text)
    solver.locator("main form button[type=submit]").first.click()
    solver.wait_for_load_state()
    solver.get_by_role("button", name=vi("Submit the solution")).click()
    solver.wait_for_load_state()
    assert solver.locator("#receipt-digest").count() == 1
    submission_url = solver.url

    assert officer.goto(submission_url).status == 404
    assert officer.goto(submission_url + "/edit").status == 404
    startup_name = "Sông Hàn AI"
    for page_path in (path, "/challenges/mine", f"/challenges/?q={title}", "/evaluation/",
                      "/dashboard", f"/search?q={secret}", "/activity",
                      f"/api/v1/challenges/{challenge_id}"):
        response = officer.goto(live_server(page_path))
        # what is shown, without the query echoed back ("no results for …")
        text = officer.locator("body").inner_text().replace(f"“{secret}”", "")
        assert secret not in text, page_path
        if page_path == path:
            assert startup_name not in text and vi("Solution %(letter)s", letter="A") not in text
            assert not re.search(r"submissions/\d+", officer.content())
        assert response.status in (200, 404), (page_path, response.status)
    assert officer.goto(live_server(f"/evaluation/challenges/{challenge_id}/panel")).status \
        in (403, 404)


def test_language_switch_on_a_challenge_page(page, live_server, open_challenge):
    _, path, title = open_challenge
    page.goto(live_server(path + "?tab=1"))
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", name=vi("Problem statement")).is_visible()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith(path + "?tab=1")  # back on the same page
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Problem statement").is_visible()
    assert title in page.locator("h1").inner_text()  # content stays in its language
    page.get_by_role("link", name="Challenges", exact=True).first.click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Tiếng Việt").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "vi"


def test_submission_form_with_the_keyboard_only(as_user, live_server, open_challenge):
    challenge_id, _, _ = open_challenge
    solver = as_user("enterprise@demo.example")
    solver.goto(live_server(f"/submissions/new?challenge={challenge_id}"))
    keyboard = solver.keyboard
    focused = solver.evaluate  # what has the focus, by id

    def tab_to(element_id: str, limit: int = 60, back: bool = False) -> None:
        for _ in range(limit):
            if focused("document.activeElement && document.activeElement.id") == element_id:
                return
            keyboard.press("Shift+Tab" if back else "Tab")
        raise AssertionError(f"#{element_id} cannot be reached with the keyboard")

    tab_to("summary")
    keyboard.type("Thiết bị y tế kết nối, nhập liệu bằng bàn phím.")
    tab_to("trl")
    keyboard.type("6")
    tab_to("technical_approach", back=True)  # Shift+Tab back one field
    keyboard.type("Máy đo huyết áp gửi dữ liệu qua 4G.")
    tab_to("proposed_price")
    keyboard.type("700.000.000")
    tab_to("timeline")
    keyboard.type("4 tháng")
    tab_to("team")
    keyboard.type("3 kỹ sư")
    keyboard.press("Tab")
    assert focused("document.activeElement.type") == "submit"
    with solver.expect_navigation():
        keyboard.press("Enter")
    assert re.search(r"/submissions/\d+$", solver.url), solver.locator("main").inner_text()[:500]
    assert "Máy đo huyết áp gửi dữ liệu qua 4G." in solver.content()
    # submit it with the keyboard too: Tab to the button, press Space
    for _ in range(80):
        keyboard.press("Tab")
        if focused("document.activeElement.textContent.trim()") == vi("Submit the solution"):
            break
    else:
        raise AssertionError("the submit button cannot be reached with the keyboard")
    with solver.expect_navigation():
        keyboard.press("Space")
    assert solver.locator("#receipt-digest").count() == 1
