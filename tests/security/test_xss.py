"""Injection and XSS: hostile strings in every text field a user fills — names, the
challenge and its criteria, questions and answers, submissions, evaluation comments,
justifications, order terms, KPIs, milestones, delivery notes, reasons — come out
escaped on every page that shows them (and every page answers 200, never 500); in CSV
with formulas neutralised, in JSON as plain strings, in the Atom feed as escaped XML."""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import closing
from dataclasses import replace
from html.parser import HTMLParser
from types import SimpleNamespace
from xml.etree import ElementTree as ET  # noqa: S405 - parses the app's own feed

import pytest

from marketplace.challenges import clarifications
from marketplace.challenges import services as challenge_services
from marketplace.challenges.models import ChallengeStatus
from marketplace.evaluation.models import AwardStatus
from marketplace.orders import milestones, services
from marketplace.orders.terms import MilestonePlan, local_today, terms_sha256
from marketplace.payments import services as payments
from marketplace.search import services as search
from marketplace.search.backend import WhooshBackend
from marketplace.submissions.models import SubmissionStatus
from tests import factories, orders_factories
from tests.evaluation_factories import make_evaluation, score
from tests.search_swap import search_backend
from tests.security.matrix import Clients

MARK = "🚀𠀀"  # non-BMP characters: must survive every database and export intact
SQL = "'; DROP TABLE users; --"
HOSTILE = f'<script>alert(1)</script>"><img src=x onerror=alert(1)>{SQL} {MARK}'
FORMULA = "=HYPERLINK(\"http://evil.example\",\"x\") " + HOSTILE[:150]
MARKDOWN = (f"{HOSTILE}\n\n[click](javascript:alert(1)) "
            '<a href="javascript:alert(2)">y</a> <iframe src="//evil.example"></iframe> '
            "<b onmouseover=alert(3)>bold</b>\n\n" + "dài " * 2000)

class _Elements(HTMLParser):
    """Every element and attribute a browser would build from the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and value and \
                    value.strip().lower().startswith(("javascript:", "data:text")):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not dict(attrs).get("src"):
            self.problems.append("an inline <script>")
        if tag in ("iframe", "object", "embed") or (tag == "img" and dict(attrs).get("src")
                                                     == "x"):
            self.problems.append(f"<{tag}>")


def assert_inert(html: str, where: str) -> None:
    parser = _Elements()
    parser.feed(html)
    assert not parser.problems, (where, parser.problems)
    assert "<script>alert" not in html, where
    assert "DROP TABLE users" in html or where.endswith("(no echo)"), where


@pytest.fixture
def index(app, tmp_path):
    backend = WhooshBackend(str(tmp_path / "index"))
    with search_backend(app, backend), closing(backend):
        yield


def hostile_world(session) -> SimpleNamespace:
    w = SimpleNamespace()
    mk = factories.make_user
    w.officer, w.approver = mk(session, full_name=HOSTILE), mk(session, full_name=HOSTILE)
    w.agency = factories.make_agency(session, officer=w.officer, approver=w.approver,
                                     name_vi=HOSTILE, name_en=HOSTILE,
                                     approval_threshold=10**12)
    w.solver_owner = mk(session, full_name=HOSTILE)
    w.solver = factories.make_org(session, name_vi=HOSTILE, name_en=HOSTILE,
                                  members={w.solver_owner: factories.MemberRole.OWNER})
    # an open challenge, published through the rule (a public activity event)
    w.open = factories.make_challenge(
        session, agency=w.agency, creator=w.officer, status=ChallengeStatus.DRAFT,
        title=FORMULA, problem=MARKDOWN, expected_outcomes=MARKDOWN, sector=HOSTILE[:120],
        pilot_site=HOSTILE, criteria=[(HOSTILE, 60), ("Chi phí", 40)])
    challenge_services.publish(session, w.officer, w.open)
    question = clarifications.ask(session, w.solver_owner, w.open, MARKDOWN[:1500])
    clarifications.answer(session, w.officer, question, MARKDOWN[:1500])
    w.sealed = factories.make_submission(
        session, challenge=w.open, organization=w.solver, member=w.solver_owner,
        status=SubmissionStatus.DRAFT, summary=MARKDOWN, technical_approach=MARKDOWN,
        timeline=HOSTILE, team=HOSTILE)
    # a cancelled challenge: its public reason
    w.cancelled = factories.make_challenge(session, agency=w.agency, creator=w.officer,
                                           title=HOSTILE)
    challenge_services.cancel(session, w.officer, w.cancelled, MARKDOWN[:1500])
    # under evaluation: comments
    w.ev = make_evaluation(session, submissions=1, evaluators=1, title=HOSTILE,
                           problem=MARKDOWN)
    w.evaluated = w.ev.submissions[0]
    w.evaluated.summary = MARKDOWN
    w.evaluated.organization.name_vi = HOSTILE
    score(session, w.ev.panel[0], w.evaluated, [7, 7, 7], comment=HOSTILE)
    # awarded, with a pilot order signed through the rules
    p = orders_factories.make_award_item(session)
    p.challenge.title = FORMULA
    p.item.award.justification = MARKDOWN
    p.item.not_top_ranked_reason = HOSTILE
    p.solver.name_vi = HOSTILE
    p.item.submission.summary = MARKDOWN
    assert p.item.award.status is AwardStatus.APPROVED
    base = orders_factories.order_terms(value=1_200_000_000)
    terms = replace(base, terms=MARKDOWN, kpis=((HOSTILE, HOSTILE), ("Độ chính xác", "95%")),
                    milestones=tuple(MilestonePlan(HOSTILE + f" {i}", m.due_date, m.amount)
                                     for i, m in enumerate(base.milestones)))
    p.owner.full_name = p.approver.full_name = HOSTILE
    order = services.draft_order(session, p.officer, p.item, terms)
    services.offer(session, p.officer, order)
    services.sign(session, p.owner, order, full_name=HOSTILE, confirmed=True,
                  shown_sha256=terms_sha256(order))
    services.countersign(session, p.approver, order, full_name=HOSTILE, confirmed=True,
                         shown_sha256=terms_sha256(order))
    first, second, _third = order.milestones
    milestones.deliver(session, p.member, first, MARKDOWN[:2000], [])
    milestones.reject(session, p.officer, first, HOSTILE)
    milestones.deliver(session, p.member, second, MARKDOWN[:2000], [])
    milestones.accept(session, p.officer, second)
    payments.record_offline(session, p.officer, second, paid_on=local_today(),
                            treasury=orders_factories.treasury_payment(
                                second, treasury=HOSTILE[:200], order_number=HOSTILE[:50]))
    w.order, w.parties = order, p
    session.flush()
    search.apply_pending(session)
    return w


def _pages(w) -> list[tuple[str | None, str]]:
    """(who, path) of every page that shows a planted string."""
    o, p = w.order, w.parties
    return [
        (None, "/challenges/"),
        (None, f"/challenges/{w.open.id}"),
        (None, f"/challenges/{w.cancelled.id}"),
        (None, f"/challenges/{p.challenge.id}"),
        (None, f"/challenges/{p.challenge.id}/award"),
        (None, f"/orders/{o.id}"),
        (None, "/dashboard"),
        (None, "/activity"),
        (None, f"/organizations/{w.agency.id}"),
        (None, "/search?q=script+alert+drop+table"),
        ("officer", "/challenges/mine"),
        ("officer", f"/challenges/{w.open.id}/edit"),
        ("officer", "/notifications/"),
        ("solver_owner", f"/submissions/{w.sealed.id}"),
        ("solver_owner", f"/submissions/{w.sealed.id}/edit"),
        ("solver_owner", "/submissions/"),
        ("solver_owner", f"/organizations/{w.solver.id}/members"),
        ("solver_owner", "/profile"),
        ("ev.officer", f"/evaluation/challenges/{w.ev.challenge.id}/panel"),
        ("ev.officer", f"/evaluation/challenges/{w.ev.challenge.id}/report"),
        ("ev.panel.0", f"/evaluation/submissions/{w.evaluated.id}"),
        ("ev.panel.0", "/evaluation/"),
        ("parties.officer", f"/orders/{o.id}"),
        ("parties.officer", f"/orders/{o.id}/amend"),
        ("parties.owner", f"/orders/{o.id}"),
        ("parties.officer", f"/orders/{o.id}/milestones/{o.milestones[0].id}/deliver"
                            "(no echo)"),
    ]


def _user(w, path):
    obj = w
    for part in path.split("."):
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj


def test_hostile_text_is_escaped_on_every_page(app, client, session, index):
    w = hostile_world(session)
    clients = Clients(app, client)
    problems = []
    for who, path in _pages(w):
        real_path = path.replace("(no echo)", "")
        user = None if who is None else _user(w, who)
        if who == "parties.officer" and "deliver" in path:
            user = w.parties.member
        response = clients.for_user(user).get(real_path)
        if response.status_code != 200:
            problems.append(f"{path} as {who}: {response.status_code}")
            continue
        try:
            assert_inert(response.get_data(as_text=True), path)
        except AssertionError as error:
            problems.append(f"{path} as {who}: {error}")
    assert not problems, "\n".join(problems)


def test_markdown_keeps_text_and_drops_html(app, client, session, index):
    w = hostile_world(session)
    html = client.get(f"/challenges/{w.open.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, not run
    assert MARK in html
    assert "bold" in html
    assert_inert(html, "challenge page")


def test_registration_with_hostile_names(app, client, session):
    response = client.post_form("/register", {
        "full_name": HOSTILE, "email": "hostile@example.test",
        "password": "correct horse battery", "confirm": "correct horse battery",
        "join": "new", "org_kind": "startup", "org_name_vi": HOSTILE,
        "org_name_en": HOSTILE, "org_registration_code": "0101-HOSTILE",
        "org_province": "Hà Nội"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    for path in ("/profile", "/"):
        page = client.get(path)
        assert page.status_code == 200
        assert "<script>alert" not in page.get_data(as_text=True)
    from sqlalchemy import select

    from marketplace.accounts.models import Organization, User

    user = session.scalar(select(User).where(User.email == "hostile@example.test"))
    assert user.full_name == HOSTILE  # stored as typed, non-BMP included
    org = session.scalar(select(Organization).where(Organization.name_vi == HOSTILE))
    html = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    assert_inert(html, "own organization page")
    admin = factories.make_user(session, is_admin=True)
    admin_client = Clients(app, None).for_user(admin)
    for path in ("/admin/organizations?status=pending", "/admin/users?q=hostile"):
        page = admin_client.get(path)
        assert page.status_code == 200
        assert_inert(page.get_data(as_text=True), path)


def test_exports_carry_hostile_text_safely(app, client, session, index):
    w = hostile_world(session)
    # JSON: valid, and the strings come back exactly as typed
    for path in ("/opendata/ocds.json", "/api/v1/challenges", f"/api/v1/challenges/{w.open.id}",
                 "/api/v1/awards", "/api/v1/orders", f"/api/v1/orders/{w.order.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.mimetype == "application/json"
        data = json.loads(response.get_data(as_text=True))
        text = json.dumps(data, ensure_ascii=False)
        assert HOSTILE[:40].replace('"', '\\"') in text or FORMULA[:20] in text, path
        assert MARK in text, path
    # CSV: every cell that a spreadsheet would run as a formula is neutralised
    for name in ("challenges", "awards", "orders", "payments"):
        response = client.get(f"/opendata/{name}.csv")
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        cells = [cell for row in rows[1:] for cell in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")
                    or (c.startswith("-") and not re.fullmatch(r"-?\d+(\.\d+)?", c))], name
        if name in ("challenges", "awards"):
            assert any(c.startswith("'=HYPERLINK") for c in cells), name
    # the evaluation report's CSV too
    officer = Clients(app, None).for_user(w.ev.officer)
    report = officer.get(f"/evaluation/challenges/{w.ev.challenge.id}/report.csv")
    assert report.status_code == 200
    cells = [c for row in csv.reader(io.StringIO(report.get_data(as_text=True))) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]
    assert any(HOSTILE in c for c in cells)
    # Atom: well-formed XML whose text is the typed string, never markup
    feed = client.get("/activity/feed.atom")
    assert feed.status_code == 200
    body = feed.get_data()
    assert b"<script>" not in body
    root = ET.fromstring(body)  # noqa: S314 - the app's own output
    titles = [e.text or "" for e in root.iter("{http://www.w3.org/2005/Atom}title")]
    assert any(FORMULA[:30] in t or HOSTILE[:30] in t for t in titles), titles[:5]


def test_hostile_search_and_filter_input_is_harmless(client, session, index):
    for args in ({"q": HOSTILE}, {"q": SQL}, {"q": MARK * 50}):
        response = client.get("/search", query_string=args)
        assert response.status_code == 200
        assert "<script>alert" not in response.get_data(as_text=True)
    for args in ({"q": HOSTILE, "group": SQL, "agency": SQL, "status": HOSTILE,
                  "province": HOSTILE, "budget_min": SQL, "page": SQL},):
        for path in ("/challenges/", "/dashboard", "/api/v1/challenges"):
            response = client.get(path, query_string=args)
            assert response.status_code in (200, 400), (path, response.status_code)
            assert "<script>alert" not in response.get_data(as_text=True)


def test_long_and_non_bmp_text_round_trips(session):
    """Very long text and characters outside the BMP are stored exactly (both databases)."""
    challenge = factories.make_challenge(session, title=MARK * 40, problem=MARKDOWN * 3)
    session.flush()
    session.expire_all()
    assert challenge.title == MARK * 40
    assert challenge.problem == MARKDOWN * 3
