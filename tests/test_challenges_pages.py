"""The public pages: the list with its filters and pages, a challenge's page, drafts
hidden, a fixed number of queries, and the agency's own list."""

import re
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import event

from marketplace.challenges.display import countdown
from marketplace.challenges.models import Amendment, ChallengeStatus, Clarification
from marketplace.extensions import db
from marketplace.search import services
from marketplace.types import utcnow
from tests import factories
from tests.challenges_factories import officer_and_agency, solver_member

S = ChallengeStatus


def _titles(html: str) -> list[str]:
    return re.findall(r'<h2 class="h5 card-title"><a [^>]*>([^<]+)</a>', html)


def _count(html: str) -> int:
    return int(re.search(r'id="result-count">\D*(\d+)', html).group(1))


@pytest.fixture
def catalogue(session):
    _, hanoi = officer_and_agency(session, province="Hà Nội")
    _, hospital = officer_and_agency(session, province="Lâm Đồng")
    now = utcnow()
    make = factories.make_challenge
    items = {
        "traffic": make(session, agency=hanoi, title="Đèn giao thông thông minh",
                        province="Hà Nội", budget_ceiling=2_000_000_000,
                        technology_group_id=factories.group(session, "1").id,
                        published_at=now - timedelta(days=3)),
        "records": make(session, agency=hospital, title="Bệnh án điện tử liên thông",
                        problem="Liên thông dữ liệu giữa các khoa.", province="Lâm Đồng",
                        budget_ceiling=800_000_000,
                        technology_group_id=factories.group(session, "2").id,
                        published_at=now - timedelta(days=2)),
        "closed": make(session, agency=hanoi, title="Cảm biến ngập lụt", province="Hà Nội",
                       status=S.CLOSED, budget_ceiling=500_000_000,
                       submission_deadline=now - timedelta(days=1),
                       clarification_deadline=now - timedelta(days=5),
                       published_at=now - timedelta(days=20)),
        "draft": make(session, agency=hanoi, title="Bản nháp bí mật", status=S.DRAFT),
    }
    return items, hanoi, hospital


def test_list_shows_public_challenges_newest_first(client, catalogue):
    html = client.get("/challenges/").get_data(as_text=True)
    assert _titles(html) == ["Bệnh án điện tử liên thông", "Đèn giao thông thông minh",
                             "Cảm biến ngập lụt"]
    assert _count(html) == 3
    assert "Bản nháp bí mật" not in html


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_row_of_the_list_names_its_agency_and_group_in_the_language(client, session,
                                                                      catalogue, lang):
    """Each row: the agency's and the group's name in the reader's language (the
    Vietnamese one where there is no English one), the province, status and budget."""
    items, hanoi, hospital = catalogue
    hanoi.name_en = "Ha Noi Department of Transport"
    session.commit()
    with client.session_transaction() as sess:
        sess["lang"] = lang
    html = client.get("/challenges/?province=H%C3%A0+N%E1%BB%99i").get_data(as_text=True)
    rows = [" ".join(row.split()) for row in html.split('<article class="card mb-3">')[1:]]
    assert len(rows) == 2 and "Đèn giao thông thông minh" in rows[0]
    traffic, group = items["traffic"], factories.group(session, "1")
    agency = hanoi.name_en if lang == "en" else hanoi.name_vi
    group_name = group.name_en if lang == "en" and group.name_en else group.name_vi
    assert f"{escape(agency)} · {escape(group_name)} · Hà Nội </p>" in rows[0]
    assert f'href="/challenges/{traffic.id}"' in rows[0]
    assert ("2,000,000,000" if lang == "en" else "2.000.000.000") in rows[0]
    assert "text-bg-success" in rows[0]
    assert f"{escape(agency)} · " in rows[1] and "text-bg-secondary" in rows[1]


@pytest.mark.parametrize("query, expected", [
    ("group=2", ["Bệnh án điện tử liên thông"]),
    ("status=closed", ["Cảm biến ngập lụt"]),
    ("province=H%C3%A0+N%E1%BB%99i", ["Đèn giao thông thông minh", "Cảm biến ngập lụt"]),
    ("budget_min=1.000.000.000", ["Đèn giao thông thông minh"]),
    ("budget_max=900000000", ["Bệnh án điện tử liên thông", "Cảm biến ngập lụt"]),
    ("open_only=y", ["Bệnh án điện tử liên thông", "Đèn giao thông thông minh"]),
    ("open_only=y&province=H%C3%A0+N%E1%BB%99i", ["Đèn giao thông thông minh"]),
    ("province=H%C3%A0+N%E1%BB%99i&budget_max=600000000&status=closed", ["Cảm biến ngập lụt"]),
    ("group=1&province=L%C3%A2m+%C4%90%E1%BB%93ng", []),
    ("budget_min=abc", ["Bệnh án điện tử liên thông", "Đèn giao thông thông minh",
                        "Cảm biến ngập lụt"]),  # what does not parse is ignored
    ("status=draft", ["Bệnh án điện tử liên thông", "Đèn giao thông thông minh",
                      "Cảm biến ngập lụt"]),  # not a public status: ignored, drafts stay hidden
])
def test_filters_combine(client, catalogue, query, expected):
    response = client.get(f"/challenges/?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _titles(html) == expected
    assert _count(html) == len(expected)


def test_q_is_case_insensitive(client, session, search_engine, catalogue):
    services.apply_pending(session)
    html = client.get("/challenges/?q=B%E1%BB%87nh+%C3%A1n").get_data(as_text=True)
    assert _titles(html) == ["Bệnh án điện tử liên thông"]
    html = client.get("/challenges/?q=%C4%90%C3%A8N").get_data(as_text=True)  # "ĐèN"
    assert "Đèn giao thông thông minh" in _titles(html)
    # no such word, and "%" matches nothing by itself (the factories number their
    # agencies, which a search engine finds: "100%" matched "Tổ chức thử nghiệm 100"
    # whenever the counter reached 100 in the process, so a number no counter reaches)
    html = client.get("/challenges/?q=987654321%25").get_data(as_text=True)
    assert _titles(html) == []
    html = client.get("/challenges/?q=benh+an").get_data(as_text=True)  # as /search reads it
    assert _titles(html) == ["Bệnh án điện tử liên thông"]
    html = client.get("/challenges/?q=LI%C3%AAn+th%C3%B4ng").get_data(as_text=True)
    assert _titles(html) == ["Bệnh án điện tử liên thông"]


def test_agency_filter(client, catalogue):
    _, hanoi, hospital = catalogue
    html = client.get(f"/challenges/?agency={hospital.id}").get_data(as_text=True)
    assert _titles(html) == ["Bệnh án điện tử liên thông"]
    assert f'value="{hospital.id}" selected' in html or f'selected value="{hospital.id}"' in html


def test_pagination(client, session, search_engine):
    _, agency = officer_and_agency(session)
    now = utcnow()
    for i in range(45):
        factories.make_challenge(session, agency=agency, title=f"Bài toán số {i:02d}",
                                 published_at=now - timedelta(minutes=i))
    first = client.get("/challenges/").get_data(as_text=True)
    assert _count(first) == 45 and len(_titles(first)) == 20
    assert _titles(first)[0] == "Bài toán số 00"
    third = client.get("/challenges/?page=3").get_data(as_text=True)
    assert _titles(third) == [f"Bài toán số {i:02d}" for i in range(40, 45)]
    assert 'rel="prev"' in third and 'rel="next"' not in third
    beyond = client.get("/challenges/?page=99").get_data(as_text=True)
    assert _titles(beyond) == _titles(third)
    services.apply_pending(session)
    filtered = client.get("/challenges/?q=b%C3%A0i+to%C3%A1n&page=3").get_data(as_text=True)
    assert _count(filtered) == 45 and _titles(filtered) == _titles(third)


def test_pagination_links_keep_the_filters(client, session):
    _, agency = officer_and_agency(session, province="Huế")
    for _i in range(25):
        factories.make_challenge(session, agency=agency, province="Huế")
    html = client.get("/challenges/?province=Hu%E1%BA%BF").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" rel="next"', html).group(1)
    assert "province=Hu" in link and "after=" in link


@pytest.mark.parametrize("who, status", [
    ("anonymous", 404), ("solver", 404), ("other_agency_officer", 404), ("member", 200),
    ("admin", 200),
])
def test_drafts_are_hidden_from_everyone_but_the_agency(client, session, login, who, status):
    officer, agency = officer_and_agency(session)
    draft = factories.make_challenge(session, agency=agency, creator=officer, status=S.DRAFT)
    users = {"solver": solver_member(session)[0],
             "other_agency_officer": officer_and_agency(session)[0],
             "member": officer, "admin": factories.make_user(session, is_admin=True)}
    if who in users:
        login(users[who])
    assert client.get(f"/challenges/{draft.id}").status_code == status
    assert "Bài toán" not in "".join(_titles(client.get("/challenges/").get_data(as_text=True)))


def test_the_page_shows_everything_public(client, session):
    officer, agency = officer_and_agency(session)
    now = utcnow()
    challenge = factories.make_challenge(
        session, agency=agency, creator=officer, budget_ceiling=1_500_000_000,
        problem="Cần <script>alert(1)</script> **giải pháp**",
        submission_deadline=now + timedelta(days=3, hours=4, minutes=30),
        clarification_deadline=now + timedelta(days=1))
    asker, asker_org = solver_member(session)
    session.add_all([
        Clarification(challenge=challenge, asked_by_id=asker.id, asker_org_id=asker_org.id,
                      question="Có cần tích hợp với hệ thống cũ không?",
                      answer="Có, qua API chuẩn.", answered_at=now, answered_by_id=officer.id),
        Clarification(challenge=challenge, asked_by_id=asker.id, asker_org_id=asker_org.id,
                      question="Câu hỏi chưa trả lời"),
        Amendment(challenge=challenge, created_by_id=officer.id, summary="Bổ sung địa điểm",
                  changes={"pilot_site": {"before": "A", "after": "B"}}),
    ])
    session.flush()
    html = client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert "<strong>giải pháp</strong>" in html and "<script>alert" not in html
    assert "1.500.000.000\xa0₫" in html
    assert "còn 3 ngày 4 giờ" in html
    assert "Tính đổi mới" in html and "40%" in html
    assert "Có, qua API chuẩn." in html
    assert "Câu hỏi chưa trả lời" not in html
    assert asker.full_name not in html and asker_org.name_vi not in html
    assert "Bổ sung địa điểm" in html


def test_countdown_in_words(app):
    now = utcnow()
    with app.test_request_context():
        assert countdown(now - timedelta(seconds=1), now) == "đã đóng"
        assert countdown(now + timedelta(days=3, hours=4, minutes=5), now) == "còn 3 ngày 4 giờ"
        assert countdown(now + timedelta(hours=2, minutes=5), now) == "còn 2 giờ 5 phút"
        assert countdown(now + timedelta(seconds=20), now) == "còn 1 phút"


class QueryCounter:
    def __init__(self):
        self.statements = []

    def __call__(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            self.statements.append(statement)


def _queries(client, path) -> int:
    counter = QueryCounter()
    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return len(counter.statements)


def test_public_pages_use_a_fixed_number_of_queries(client, session):
    officer, agency = officer_and_agency(session)
    few = factories.make_challenge(session, agency=agency, creator=officer)
    list_few, page_few = _queries(client, "/challenges/"), _queries(client, f"/challenges/{few.id}")
    asker, org = solver_member(session)
    for i in range(12):
        other, other_agency = officer_and_agency(session)
        factories.make_challenge(session, agency=other_agency, creator=other)
        session.add(Clarification(challenge=few, asked_by_id=asker.id, asker_org_id=org.id,
                                  question=f"Câu {i}", answer="Đáp", answered_at=utcnow(),
                                  answered_by_id=officer.id))
        session.add(Amendment(challenge=few, created_by_id=officer.id, summary=f"Sửa {i}",
                              changes={"sector": {"before": "a", "after": "b"}}))
    session.flush()
    assert _queries(client, "/challenges/") == list_few
    assert _queries(client, f"/challenges/{few.id}") == page_few
    assert list_few <= 6 and page_few <= 6  # without a cache; with one, see test_cache.py


def test_agency_dashboard_lists_own_challenges_with_drafts(client, session, login):
    officer, agency = officer_and_agency(session)
    draft = factories.make_challenge(session, agency=agency, creator=officer, status=S.DRAFT,
                                     title="Nháp của tôi")
    factories.make_challenge(session, title="Của cơ quan khác")
    asker, org = solver_member(session)
    session.add(Clarification(challenge=draft, asked_by_id=asker.id, asker_org_id=org.id,
                              question="?"))
    session.flush()
    login(officer)
    html = client.get("/challenges/mine").get_data(as_text=True)
    assert "Nháp của tôi" in html and "Của cơ quan khác" not in html
    # the row: its link, its agency's name, its status's label, its waiting question
    link = f'<a href="/challenges/{draft.id}">Nháp của tôi</a>'
    row = re.search(r"<tr>\s*<td>" + re.escape(link) + r"</td>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells[0] == escape(agency.name_vi) and cells[1] == "Bản nháp"
    assert cells[3] == f'<a href="/challenges/{draft.id}/questions">1</a>'
    assert client.get("/challenges/new").status_code == 200
