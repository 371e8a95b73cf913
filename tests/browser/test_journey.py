"""The whole story in a real browser, through the UI only, as new users would live it:
an agency officer publishes a challenge with a near deadline; a new startup and a new
university-led consortium (its enterprise partner accepts) submit; the deadline passes
and the challenge closes by itself, publishing its opening record, where the university
finds its receipt; two evaluators declare no conflict and score; the officer proposes an
award above the agency's approval threshold and the approver approves it; the losing
consortium files a complaint, which the agency dismisses with reasons; once the
standstill is over the pilot order is drafted, offered, signed and countersigned; a
milestone is delivered, accepted and paid; then a visitor finds all of it on the public pages, in
search and in the OCDS download. Last, another agency places a follow-on order from the
catalogue of proven solutions; once the solver signs, a visitor sees it on the entry.

The deadline is real: the challenge is published about two minutes ahead (entered in
Viet Nam time, whole minutes, as the form takes it) and the test waits for it."""

from __future__ import annotations

import re
import secrets
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.browser.conftest import account_menu, register, verify_organizations, vi
from tests.documents_pki import PASSPHRASE, p12

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICER = "officer@agency.demo.example"
APPROVER = "approver@agency.demo.example"
PARTNER = "enterprise@demo.example"  # owner of a verified enterprise: the consortium partner
PARTNER_ORG = "Công ty TNHH Thiết bị Y tế Phương Nam"
EVALUATORS = ("evaluator1@demo.example", "evaluator2@demo.example")
PROVEN = "Mạng cảm biến bụi mịn PM2.5 giá rẻ cho trường học"  # the demo's catalogue entry
# what the first solver does after the officer has typed the deadline, with room to spare
BEFORE_DEADLINE = timedelta(seconds=75)


def _digits(text: str) -> int:
    return int(re.sub(r"\D", "", text) or 0)


def _submit(page) -> None:
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def _flash(page) -> str:
    return page.locator("main .alert").all_inner_texts().__str__()


def _open_notification(page, live_server, text: str) -> None:
    """Follow the newest notification that mentions `text`, from the menu."""
    page.goto(live_server("/"))
    page.get_by_role("link", name=vi("Notifications")).first.click()
    item = page.locator("main li", has_text=text).first
    item.get_by_role("button", name=vi("Open")).click()
    page.wait_for_load_state()


def _open_challenge(page, live_server, title: str) -> None:
    page.goto(live_server("/"))
    page.locator("header").get_by_role("link", name=vi("Challenges")).click()
    page.get_by_role("link", name=title).first.click()
    page.wait_for_load_state()


def _open_order(page, live_server, title: str, number: str) -> None:
    """From the challenge page, through the award decision, to the pilot order."""
    _open_challenge(page, live_server, title)
    page.get_by_role("link", name=vi("Award decision and pilot orders")).click()
    page.get_by_role("link", name=number).click()
    page.wait_for_load_state()


def _sign(page, ca, server_env, full_name: str, button: str, organization: str = "",
          user: str = "") -> None:
    """Sign the order with a PKCS#12 file issued by the tests' CA to `full_name` of
    `organization` (or of `user`'s organization, read from the live database)."""
    if not organization:
        path = server_env["DATABASE_URL"].removeprefix("sqlite:///")
        with closing(sqlite3.connect(path, timeout=15)) as conn:
            (organization,), = conn.execute(
                "SELECT o.name_vi FROM organizations o JOIN memberships m ON "
                "m.organization_id = o.id JOIN users u ON u.id = m.user_id WHERE u.email = ?",
                (user,)).fetchall()
    cert, key = ca.issue(full_name, organization=organization)
    page.get_by_role("link", name=vi(button)).click()
    page.locator("#pkcs12").set_input_files(files=[{
        "name": "chu-ky.p12", "mimeType": "application/x-pkcs12",
        "buffer": p12(cert, key, ca=ca)}])
    page.locator("#passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name=vi("Sign with this certificate")).click()
    page.wait_for_load_state()
    assert re.search(r"/orders/\d+$", page.url), _flash(page)


def _paid_on_dashboard(page, live_server) -> int:
    page.goto(live_server("/dashboard"))
    figures = page.locator(".key-figures > div")
    for index in range(figures.count()):
        if figures.nth(index).locator("dt").inner_text().strip() == vi("Paid"):
            return _digits(figures.nth(index).locator("dd").inner_text())
    raise AssertionError("no 'Paid' figure on the dashboard")


def _end_standstill(server_env, title: str) -> None:
    """Five working days pass: the award's standstill ends (written in the live server's
    database, the one thing this journey cannot wait for)."""
    path = server_env["DATABASE_URL"].removeprefix("sqlite:///")
    past = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with closing(sqlite3.connect(path, timeout=15)) as conn, conn:
        updated = conn.execute(
            "UPDATE awards SET standstill_ends_at = ? WHERE status = 'approved' AND "
            "challenge_id = (SELECT id FROM challenges WHERE title = ?)", (past, title))
        assert updated.rowcount == 1


def test_whole_journey(browser, as_user, live_server, screenshot, server_env,  # noqa: PLR0915
                       signing_ca):
    started = time.monotonic()
    tag = secrets.token_hex(3)
    title = f"Cảnh báo sớm ngập úng đô thị bằng cảm biến mực nước {tag}"
    startup_org = f"Công ty Cổ phần Nông nghiệp Số Sông Hương {tag}"
    university_org = f"Trường Đại học Công nghệ Duyên Hải {tag}"
    startup_name, university_name = "Võ Thị Khởi Nguyên", "PGS.TS. Lý Văn Giảng"
    contract = f"HĐ-TN-{tag}"

    # -- a visitor looks around first ---------------------------------------------------
    visitor = as_user(None)
    visitor.goto(live_server("/"))
    screenshot(visitor, "journey-01-home")
    paid_before = _paid_on_dashboard(visitor, live_server)

    # -- two new solver organizations register; the administrator verifies them --------
    startup = as_user(None)
    register(startup, live_server, name=startup_name, email=f"ceo-{tag}@khoinghiep.test",
              kind="startup", org_name=startup_org, code=f"KN-{tag}")
    university = as_user(None)
    register(university, live_server, name=university_name,
              email=f"hieutruong-{tag}@daihoc.test", kind="university",
              org_name=university_org, code=f"DH-{tag}")
    verify_organizations(as_user("admin@demo.example"), [startup_org, university_org])

    # -- the officer drafts and publishes the challenge, deadline ~2 minutes ahead ------
    officer = as_user(OFFICER)
    officer.locator("header").get_by_role("link", name=vi("Challenges")).click()
    officer.get_by_role("link", name=vi("My agency's challenges")).click()
    officer.get_by_role("link", name=vi("New challenge")).click()
    officer.locator("#title").fill(title)
    officer.locator("#problem").fill(
        "Các tuyến phố ven sông Hàn ngập cục bộ khi mưa lớn. Cần **cảnh báo sớm** 30 phút.")
    officer.locator("#expected_outcomes").fill("- Cảnh báo trước 30 phút\n- Bản đồ ngập trực tuyến")
    officer.locator("#technology_group_id").select_option(index=1)
    officer.locator("#sector").fill("Đô thị thông minh")
    officer.locator("#pilot_site").fill("Quận Hải Châu")
    officer.locator("#province").select_option("Đà Nẵng")
    officer.locator("#budget_ceiling").fill("1.500.000.000")
    officer.locator("#pilot_duration_months").fill("6")
    for box in officer.locator("input[name=eligible_kinds]").all():
        box.check()
    officer.locator("#criteria-0-name").fill("Hiệu quả kỹ thuật")
    officer.locator("#criteria-0-weight").fill("60")
    officer.locator("#criteria-1-name").fill("Chi phí và khả năng nhân rộng")
    officer.locator("#criteria-1-weight").fill("40")
    now = datetime.now(LOCAL)
    deadline = (now + BEFORE_DEADLINE).replace(second=0, microsecond=0) + timedelta(minutes=1)
    typed = deadline.strftime("%Y-%m-%dT%H:%M")
    officer.locator("#clarification_deadline").fill(typed)
    officer.locator("#submission_deadline").fill(typed)
    _submit(officer)
    assert "/edit" in officer.url, _flash(officer)
    officer.locator("main").get_by_role("button", name=vi("Save and publish")).click()
    officer.wait_for_load_state()
    assert re.search(r"/challenges/\d+$", officer.url), _flash(officer)
    challenge_path = officer.url.removeprefix(live_server.url)

    # -- the startup finds it and submits alone ------------------------------------------
    _open_challenge(startup, live_server, title)
    screenshot(startup, "journey-02-challenge")
    startup.get_by_role("link", name=vi("Submit a solution")).click()
    startup.locator("#summary").fill("Mạng cảm biến mực nước LoRaWAN và mô hình dự báo ngập.")
    startup.locator("#technical_approach").fill("120 cảm biến siêu âm, trạm gốc LoRaWAN, "
                                                "mô hình học máy dự báo 30 phút.")
    startup.locator("#trl").fill("7")
    startup.locator("#proposed_price").fill("1.200.000.000")
    startup.locator("#timeline").fill("Tháng 1–2: lắp đặt; tháng 3–6: vận hành thử.")
    startup.locator("#team").fill("5 kỹ sư IoT, 2 nhà khoa học dữ liệu.")
    screenshot(startup, "journey-03-submission-form")
    _submit(startup)
    assert re.search(r"/submissions/\d+$", startup.url), _flash(startup)
    startup.get_by_role("button", name=vi("Submit the solution")).click()
    startup.wait_for_load_state()
    assert startup.locator("#receipt-digest").count(), _flash(startup)

    # -- the university leads a consortium; its enterprise partner accepts --------------
    _open_challenge(university, live_server, title)
    university.get_by_role("link", name=vi("Submit a solution")).click()
    university.locator("#summary").fill("Mô hình thủy văn đô thị kết hợp camera giao thông.")
    university.locator("#technical_approach").fill("Mô hình SWMM hiệu chỉnh bằng dữ liệu camera.")
    university.locator("#timeline").fill("6 tháng.")
    university.locator("#team").fill("Nhóm nghiên cứu thủy văn và doanh nghiệp thiết bị.")
    university.locator("#trl").fill("6")
    university.locator("#proposed_price").fill("1.400.000.000")
    _submit(university)
    university_submission = university.url
    university.locator("#partner").fill("phuong nam")  # typed without the diacritics
    university.get_by_role("button", name=vi("Find"), exact=True).click()
    university.wait_for_load_state()
    university.locator("#organization_id").select_option(
        label=university.locator("#organization_id option", has_text=PARTNER_ORG)
        .inner_text().strip())
    university.get_by_role("button", name=vi("Invite a partner")).click()
    university.wait_for_load_state()
    partner = as_user(PARTNER)
    account_menu(partner).get_by_role("link", name=vi("My submissions")).click()
    partner.locator("main .alert a").first.click()
    partner.locator("tr", has_text=title).get_by_role("button", name=vi("Accept")).click()
    partner.wait_for_load_state()
    assert university_org in partner.content()  # the partner now reads the submission
    university.goto(university_submission)
    assert university.get_by_text(vi("State–School–Enterprise linkage")).first.is_visible()
    university.get_by_role("button", name=vi("Submit the solution")).click()
    university.wait_for_load_state()
    assert university.locator("#receipt-digest").count(), _flash(university)
    university_digest = university.locator("#receipt-digest").inner_text().strip()

    # sealed: the officer's page of the challenge says nothing of the two bids
    officer.goto(live_server(challenge_path))
    assert startup_org not in officer.content() and university_org not in officer.content()

    # -- the deadline passes; the challenge closes by itself on the next request -------
    wait = (deadline - datetime.now(LOCAL)).total_seconds() + 2
    assert wait < 150, f"the deadline is {wait:.0f} s away"
    if wait > 0:
        time.sleep(wait)
    officer.goto(live_server(challenge_path))
    assert vi("closed") in officer.locator("aside").inner_text()
    # the opening record is published: the university finds its own receipt, unchanged
    university.goto(live_server(challenge_path))
    record = university.locator("#opening-record")
    assert university_digest in record.inner_text()
    # the review is open: the bidders are named at the close, their prices not yet
    assert university_org in record.inner_text()
    assert "1.400.000.000" not in record.inner_text()
    assert record.locator("tr", has_text=university_digest).locator(".badge").count() == 1
    screenshot(university, "journey-03b-opening-record")
    officer.locator("main").get_by_role("button", name=vi("Start the evaluation")).click()
    officer.wait_for_load_state()
    officer.get_by_role("link", name=vi("Evaluation panel")).click()
    for number, email in enumerate(EVALUATORS):
        officer.locator("#email").fill(email)
        if number == 0:
            officer.locator("#chair").check()
        officer.get_by_role("button", name=vi("Appoint"), exact=True).click()
        officer.wait_for_load_state()
        assert officer.locator("table", has_text=email).count(), _flash(officer)

    # -- two evaluators declare no conflict and score both solutions -------------------
    marks = {startup_org: ("9", "8"), university_org: ("7", "7")}
    for number, email in enumerate(EVALUATORS):
        evaluator = as_user(email)
        _open_notification(evaluator, live_server, title)
        card = evaluator.locator("article", has_text=title)
        for label in ("A", "B"):
            card.get_by_role("link", name=vi("Solution %(letter)s", letter=label)).click()
            evaluator.locator("input[name=kind][value=none]").check()
            evaluator.get_by_role("button", name=vi("Record my declaration")).click()
            evaluator.wait_for_load_state()
            bidder = next(org for org in marks if org in evaluator.locator("h1").inner_text())
            for score, value in zip(evaluator.locator("input[name^=score_]").all(),
                                    marks[bidder], strict=True):
                score.fill(value)
            evaluator.locator("textarea[name^=comment_]").first.fill("Phương án khả thi.")
            if number == 0 and label == "A":
                screenshot(evaluator, "journey-04-evaluation-form")
            evaluator.get_by_role("button", name=vi("Submit scores (they are then locked)")
                                  ).click()
            evaluator.wait_for_load_state()
            assert evaluator.locator(".alert-success").count(), _flash(evaluator)
            evaluator.get_by_role("link", name=vi("Evaluation"), exact=True).first.click()
            card = evaluator.locator("article", has_text=title)

    # -- the officer proposes the award above the threshold; the approver approves -----
    officer.reload()
    officer.get_by_role("link", name=vi("Propose the award")).click()
    winner = officer.locator("fieldset", has_text=startup_org)
    winner.locator("input[type=checkbox]").check()
    winner.locator("input[name^=amount_]").fill("1200000000")
    officer.locator("#justification").fill("Điểm cao nhất, giá thấp nhất, TRL 7.")
    officer.get_by_role("button", name=vi("Propose the award")).click()
    officer.wait_for_load_state()
    assert vi("The award waits for the approver's signature.") in _flash(officer)
    approver = as_user(APPROVER)
    _open_notification(approver, live_server, title)
    approver.get_by_role("button", name=vi("Approve the award")).click()
    approver.wait_for_load_state()
    assert vi("The award has been approved and published.") in _flash(approver)
    screenshot(approver, "journey-05-award")

    # -- the losing bidder files a complaint; the agency dismisses it with reasons -------
    university.goto(live_server(challenge_path))
    university.get_by_role("link", name=vi("File a complaint")).click()
    university.locator("#contested").select_option("ranking")
    university.locator("#grounds").fill("Điểm khả thi kỹ thuật của chúng tôi chưa tính kết quả "
                                        "thử nghiệm thực địa đã nộp kèm hồ sơ.")
    _submit(university)
    assert re.search(r"/complaints/\d+$", university.url), _flash(university)
    complaint_path = university.url.removeprefix(live_server.url)
    officer.goto(live_server(complaint_path))
    officer.get_by_role("button", name=vi("Take up the complaint")).click()
    officer.wait_for_load_state()
    officer.locator("input[name=outcome][value=dismissed]").check()
    officer.locator("#reasoning").fill("Tổ chuyên gia đã xem kết quả thử nghiệm thực địa; điểm "
                                       "được chấm đúng tiêu chí đã công bố.")
    officer.get_by_role("button", name=vi("Record the decision")).click()
    officer.wait_for_load_state()
    assert vi("The decision is recorded and published; the bidders are told.") in \
        _flash(officer)
    visitor.goto(live_server(f"/complaints/?challenge={challenge_path.rsplit('/', 1)[-1]}"))
    complaints = visitor.locator("main table").inner_text()
    assert university_org in complaints and "thử nghiệm thực địa; điểm" in complaints
    assert "nộp kèm hồ sơ" not in complaints  # the grounds stay between the two sides
    screenshot(visitor, "journey-05b-complaints-register")
    _end_standstill(server_env, title)  # five working days later

    # -- the pilot order: drafted, offered, signed, countersigned ------------------------
    officer.goto(approver.url)
    officer.get_by_role("link", name=vi("Draft the pilot order")).click()
    today = datetime.now(LOCAL).date()
    officer.locator("#contract_number").fill(contract)
    assert _digits(officer.locator("#value").input_value()) == 1_200_000_000
    officer.locator("#start_date").fill(today.isoformat())
    officer.locator("#end_date").fill((today + timedelta(days=180)).isoformat())
    officer.locator("#kpis-0-name").fill("Thời gian cảnh báo trước")
    officer.locator("#kpis-0-target").fill("≥ 30 phút")
    for row, (what, days) in enumerate((("Lắp đặt 120 cảm biến", 60),
                                        ("Vận hành thử và báo cáo", 180))):
        officer.locator(f"#milestones-{row}-deliverable").fill(what)
        officer.locator(f"#milestones-{row}-due_date").fill(
            (today + timedelta(days=days)).isoformat())
        officer.locator(f"#milestones-{row}-amount").fill("600.000.000")
    _submit(officer)
    assert re.search(r"/orders/\d+$", officer.url), _flash(officer)
    order_path = officer.url.removeprefix(live_server.url)
    officer.get_by_role("button", name=vi("Offer to the solver")).click()
    officer.wait_for_load_state()

    _open_order(startup, live_server, title, contract)
    _sign(startup, signing_ca, server_env, startup_name, "Read and sign",
          organization=startup_org)
    assert vi("Signed with your certificate. The agency's approver countersigns next."
              ) in _flash(startup)
    _open_order(approver, live_server, title, contract)
    _sign(approver, signing_ca, server_env, "Lê Văn Phê Duyệt", "Read and countersign",
          user=APPROVER)
    assert vi("Countersigned with your certificate: the order is active.") in _flash(approver)
    signed_pdf = approver.request.get(live_server(f"{order_path}/signed.pdf"))
    assert signed_pdf.ok and signed_pdf.body().startswith(b"%PDF")
    assert signed_pdf.body().count(b"/ByteRange") == 2  # both signatures, downloaded

    # -- a milestone is delivered, accepted and paid (offline transfer) -----------------
    startup.reload()
    startup.get_by_role("link", name=vi("Report delivery")).first.click()
    startup.locator("#notes").fill("Đã lắp đặt 120 cảm biến; biên bản bàn giao kèm theo.")
    startup.get_by_role("button", name=vi("Report the delivery")).click()
    startup.wait_for_load_state()
    officer.goto(live_server(order_path))
    officer.get_by_role("button", name=vi("Accept", "milestone"), exact=True).first.click()
    officer.wait_for_load_state()
    officer.get_by_role("link", name=vi("Pay"), exact=True).first.click()
    officer.locator("#treasury").fill("Kho bạc Nhà nước Đà Nẵng")
    officer.locator("#budget_unit_code").fill("1045678")
    officer.locator("#order_number").fill(f"KBNN-{tag}")
    officer.locator("#order_date").fill(datetime.now(LOCAL).date().isoformat())
    officer.locator("#amount").fill("600.000.000")
    officer.get_by_role("button", name=vi("Record the Treasury payment")).click()
    officer.wait_for_load_state()
    assert vi("The transfer is recorded; the milestone is paid.") in _flash(officer)

    # -- a visitor (logged out) finds all of it ------------------------------------------
    visitor = as_user(None)
    _open_challenge(visitor, live_server, title)
    assert visitor.locator("h1").inner_text().startswith(title)
    assert vi("Awarded") in visitor.locator("h1 .badge").inner_text() or \
        visitor.get_by_role("link", name=vi("Award decision and pilot orders")).is_visible()
    visitor.get_by_role("link", name=vi("Award decision and pilot orders")).click()
    assert startup_org in visitor.content()
    assert university_org not in visitor.content()  # the losing bidder stays unnamed
    visitor.get_by_role("link", name=contract).click()
    visitor.wait_for_load_state()
    assert visitor.url.endswith(order_path)
    details = visitor.locator("main dl").first.inner_text()
    assert startup_org in details and "1.200.000.000" in details and "600.000.000" in details
    assert "KBNN" not in visitor.content()  # the payment order is in the open data, not here
    screenshot(visitor, "journey-06-order")

    assert _paid_on_dashboard(visitor, live_server) == paid_before + 600_000_000
    screenshot(visitor, "journey-07-dashboard")

    query = "canh bao som ngap ung do thi bang cam bien muc nuoc " + tag
    visitor.goto(live_server("/"))
    visitor.locator("header").get_by_role("link", name=vi("Search")).click()
    visitor.locator("#search-q").fill(query)
    visitor.locator("#search-q").press("Enter")
    visitor.wait_for_load_state()
    assert visitor.locator("main").get_by_role("link", name=title).count() >= 1
    screenshot(visitor, "journey-08-search")

    challenge_id = challenge_path.rsplit("/", 1)[-1]
    releases, url, text = [], live_server("/opendata/ocds.json"), ""
    while url:  # the package is paginated (the Link header's rel="next")
        response = visitor.request.get(url)
        assert response.ok and "json" in response.headers["content-type"]
        package, text = response.json(), text + response.text()
        releases += [r for r in package["releases"] if r["ocid"].endswith(f"-{challenge_id}")]
        link = re.search(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
        url = link.group(1) if link else None
    assert releases, "the contracting process is missing from the OCDS package"
    ocid = releases[0]["ocid"]
    assert re.fullmatch(rf"ocds-[a-z0-9]+-{challenge_id}", ocid)
    assert any(r.get("tender", {}).get("title") == title for r in releases)
    awards = [a for r in releases for a in r.get("awards", [])]
    assert any(a["value"]["amount"] == 1_200_000_000 and a["value"]["currency"] == "VND"
               for a in awards)
    contracts = [c for r in releases for c in r.get("contracts", [])]
    assert any(c["value"]["amount"] == 1_200_000_000 for c in contracts)
    assert any(c.get("implementation", {}).get("transactions") for c in contracts)
    # the Treasury's payment order is public (a document of the implementation: OCDS has
    # no field for it), no bank details
    documents = [d for c in contracts for d in c.get("implementation", {}).get(
        "documents", [])]
    assert any(d["title"] == f"Lệnh chi số KBNN-{tag}" for d in documents)
    assert "Phương án khả thi" not in text

    # -- another agency buys the demo's proven solution again from the catalogue; once the
    # solver signs, a visitor sees it on the catalogue entry ("who bought it again") ------
    buyer = as_user("officer@hospital.demo.example")
    buyer.goto(live_server("/catalogue/"))
    buyer.get_by_role("link", name=PROVEN).click()
    entry_path = buyer.url.removeprefix(live_server.url)
    buyer.get_by_role("link", name=vi("Place a follow-on order")).click()
    follow_on = f"HĐMR-{tag}"
    buyer.locator("#quantity").fill("2")
    buyer.locator("#scope").fill("Hai khu điều trị mới.")
    buyer.locator("#contract_number").fill(follow_on)
    buyer.locator("#value").fill("160.000.000")
    buyer.locator("#start_date").fill(today.isoformat())
    buyer.locator("#end_date").fill((today + timedelta(days=90)).isoformat())
    buyer.locator("#milestones-0-deliverable").fill("Lắp đặt 20 cảm biến")
    buyer.locator("#milestones-0-due_date").fill((today + timedelta(days=60)).isoformat())
    buyer.locator("#milestones-0-amount").fill("160.000.000")
    _submit(buyer)
    assert re.search(r"/orders/\d+$", buyer.url), _flash(buyer)
    buyer.get_by_role("button", name=vi("Offer to the solver")).click()
    buyer.wait_for_load_state()
    professor = as_user("university@demo.example")
    professor.goto(buyer.url)
    _sign(professor, signing_ca, server_env, "GS. Bùi Đại Học", "Read and sign",
          user="university@demo.example")
    visitor.goto(live_server(entry_path))
    bought = visitor.locator("#who-bought-again").inner_text()
    assert follow_on in bought and "160.000.000" in bought
    screenshot(visitor, "journey-09-catalogue-entry")

    assert time.monotonic() - started < 300
