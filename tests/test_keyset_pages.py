"""Deep pages by keyset, not OFFSET (issue 21): the public list and the API's lists past
their numbered pages follow cursors (`?after=`, `?before=`), whose statements are the
same at page 1 and page 50 and skip no rows with OFFSET; a cursor that does not decode
is ignored on the page and 400 on the API, never a 500."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from marketplace import keyset
from marketplace.challenges.models import Challenge
from marketplace.types import utcnow
from tests import factories
from tests.statements import capture_statements, offsets

MANY = 1_030  # 52 pages of 20: page 50 is deep


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_a_cursor_reads_back_what_it_holds():
    at = datetime(2026, 11, 30, 8, 15, 1, 123456, tzinfo=UTC)
    cursor = keyset.decode(keyset.encode(at, 4321, 50))
    assert cursor == keyset.Cursor(at, 4321, 50, backward=False)
    assert keyset.decode(keyset.encode(at, 7, 2), backward=True).backward


@pytest.mark.parametrize("token", [
    None, "", "x", "!!!!", "²", "Zm9v", _b64("a:b:c"), _b64("0:1:1"), _b64("1:1:0"),
    _b64("1:99999999999999999999:1"), _b64("1:1:1:1"), _b64("1:-5:1"), _b64("1:١:1"),
    _b64("1:" + "9" * 19 + ":1"), "A" * 200,
])
def test_a_cursor_that_does_not_decode_is_none(token):
    assert keyset.decode(token) is None


@pytest.fixture
def many(session):
    """`MANY` public challenges, one a minute apart, with ties two by two."""
    first = factories.make_challenge(session)
    session.flush()
    now = utcnow()
    template = {c.key: getattr(first, c.key) for c in Challenge.__table__.columns
                if c.key not in ("id", "title", "published_at")}
    session.execute(insert(Challenge), [
        {**template, "title": f"Bài toán {n:04d}", "published_at": now - timedelta(minutes=n // 2)}
        for n in range(MANY - 1)])
    session.commit()
    return list(session.scalars(select(Challenge.title).where(Challenge.is_public)
                                .order_by(Challenge.published_at.desc(), Challenge.id.desc())))


def _page(client, path):
    response, statements = capture_statements(client, path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True).replace("&amp;", "&")
    links = {rel: href for href, rel in re.findall(r'href="([^"]+)" rel="(next|prev|first)"',
                                                   html)}
    titles = re.findall(r'<h2 class="h5 card-title"><a [^>]*>([^<]+)</a>', html)
    return titles, links, statements, html


def test_page_50_of_the_list_runs_the_statements_of_page_1_without_offset(client, many):
    assert len(many) == MANY
    path, seen = "/challenges/", []
    for number in range(1, 51):
        titles, links, statements, html = _page(client, path)
        assert titles == many[(number - 1) * 20:number * 20], number
        seen.append(len(statements))
        path = links.get("next")
    deep = statements
    assert "Trang 50 / 52" in html and "after=" in path and "before=" in links["prev"]
    assert not any(offsets(deep)), deep  # no row skipped (SQLite writes OFFSET 0)
    assert any("LIMIT" in s.upper() for s, _parameters in deep)
    _titles, _links, first, _html = _page(client, "/challenges/")
    assert len(deep) == len(first)
    # what the links of before (`?page=N`, served up to page 10) skip: the check can fail
    titles, _links, numbered, _html = _page(client, "/challenges/?page=10")
    assert titles == many[180:200] and max(offsets(numbered)) == 180
    assert len(set(seen)) == 1  # every page the same count, page 1 to page 50
    # back from page 50: page 49's rows, by cursor too
    back, back_links, back_statements, _html = _page(client, links["prev"])
    assert back == many[48 * 20:49 * 20]
    assert not any(offsets(back_statements))
    assert "first" in back_links


@pytest.mark.parametrize("cursor", ["after=²", "after=" + _b64("1:1:0"), "before=%00",
                                    "after=" + "A" * 500])
def test_a_bad_cursor_shows_the_first_page(client, many, cursor):
    titles, _links, _statements, _html = _page(client, f"/challenges/?{cursor}")
    assert titles == many[:20]


def test_the_api_pages_past_page_10_by_cursor(client, many):
    url, seen, numbers = "/api/v1/challenges?per_page=50", [], []
    while url:
        response, statements = capture_statements(client, url)
        body = response.get_json()
        seen += [c["title"] for c in body["data"]]
        numbers.append(body["meta"]["page"])
        if body["meta"]["page"] > 10:
            assert "after=" in url
            assert not any(offsets(statements)), statements
        previous, url = url, body["links"]["next"]
        url = url and url.replace("http://localhost", "")
    assert seen == many and numbers == list(range(1, 22))
    # back from the last page (21) by its cursor: page 20's rows
    body = client.get(previous).get_json()
    back = client.get(body["links"]["prev"].replace("http://localhost", "")).get_json()
    assert "before=" in body["links"]["prev"] and back["meta"]["page"] == 20
    assert [c["title"] for c in back["data"]] == many[19 * 50:20 * 50]


@pytest.mark.parametrize("query", ["page=11", "after=²", "before=" + _b64("a:b:c"),
                                   "after=" + "A" * 500])
@pytest.mark.parametrize("path", ["/api/v1/challenges", "/api/v1/awards", "/api/v1/orders"])
def test_a_bad_cursor_or_a_deep_page_number_is_400_on_the_api(client, path, query):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400 and "error" in response.get_json()


def _mine(client, path):
    """(titles in the order shown, next/prev/first links, statements, html) of a page of
    the officer's list."""
    response, statements = capture_statements(client, path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True).replace("&amp;", "&")
    links = {rel: href for href, rel in re.findall(r'href="([^"]+)" rel="(next|prev|first)"',
                                                   html)}
    titles = re.findall(r'<td><a href="/challenges/\d+">([^<]+)</a></td>', html)
    return titles, links, statements, html


def _add_challenges(session, agency, officer, first_n: int, last_n: int) -> None:
    """Challenges `first_n`..`last_n - 1` of the agency, a minute apart (drafts among them,
    which the officer's list shows), created after the ones before."""
    from marketplace.challenges.models import ChallengeStatus

    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(first_n, last_n):
        factories.make_challenge(
            session, agency=agency, creator=officer, title=f"Việc {n:03d}",
            created_at=start + timedelta(minutes=n // 2 * 2, seconds=0),  # ties two by two
            status=ChallengeStatus.DRAFT if n % 3 == 0 else ChallengeStatus.PUBLISHED)
    session.commit()


def test_the_officers_list_is_paged_by_keyset_and_costs_the_same_at_3_and_45(
        client, session, login):
    """/challenges/mine: 3 challenges, then 45 (3 pages of 20): the same statements, at
    most 20 rows shown, page 3 reached by cursor without OFFSET, its navigation worded as
    the public list's ("Trang 3 / 3")."""
    officer = factories.make_user(session)
    agency = factories.make_agency(session, officer=officer)
    other = factories.make_agency(session)  # another agency's challenges are not listed
    factories.make_challenge(session, agency=other, title="Của cơ quan khác")
    _add_challenges(session, agency, officer, 0, 3)
    login(officer)

    titles, links, small, html = _mine(client, "/challenges/mine")
    assert titles == ["Việc 002", "Việc 001", "Việc 000"] and not links
    assert "Trang 1" not in html  # one page: no navigation

    _add_challenges(session, agency, officer, 3, 45)
    newest_first = [f"Việc {n:03d}" for n in range(44, -1, -1)]
    path, shown, counts = "/challenges/mine", [], []
    for number in (1, 2, 3):
        titles, links, statements, html = _mine(client, path)
        assert titles == newest_first[(number - 1) * 20:number * 20], number
        assert f"Trang {number} / 3" in html
        shown.append(len(titles))
        counts.append(len(statements))
        if number > 1:
            assert "after=" in path and not any(offsets(statements)), statements
        path = links.get("next")
    assert shown == [20, 20, 5] and path is None
    assert set(counts) == {len(small)}, (counts, len(small))
    # back from page 3 by its cursor: page 2's rows; a bad cursor shows the first page
    back, back_links, back_statements, _html = _mine(client, links["prev"])
    assert back == newest_first[20:40] and back_links["prev"] == "/challenges/mine"
    assert len(back_statements) == len(small)
    assert _mine(client, "/challenges/mine?after=²")[0] == newest_first[:20]


def test_the_solvers_submissions_are_paged_by_keyset_and_cost_the_same_at_3_and_25(
        client, session, login):
    """/submissions/: 3 submissions, then 25 (2 pages of 20) — the same statements (each
    row's challenge was read apart: one more statement per submission), at most 20 rows,
    page 2 by cursor without OFFSET, "Trang 2 / 2"; the open challenges still link to the
    submission the organization leads on them."""
    from marketplace.accounts.models import MemberRole
    from marketplace.submissions.models import SubmissionStatus

    owner = factories.make_user(session)
    solver = factories.make_org(session, members={owner: MemberRole.OWNER})
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def add(first_n, last_n):
        for n in range(first_n, last_n):
            factories.make_submission(
                session, challenge=factories.make_challenge(session, title=f"Đề bài {n:03d}"),
                organization=solver, member=owner, updated_at=start + timedelta(minutes=n),
                status=SubmissionStatus.DRAFT if n % 4 == 0 else SubmissionStatus.SUBMITTED)
        session.commit()

    def titles_of(html):
        return re.findall(r'<td><a href="/submissions/\d+">([^<]+)</a></td>', html)

    add(0, 3)
    login(owner)
    _titles, _links, small, html = _mine(client, "/submissions/")
    assert titles_of(html) == ["Đề bài 002", "Đề bài 001", "Đề bài 000"]
    add(3, 25)
    newest_first = [f"Đề bài {n:03d}" for n in range(24, -1, -1)]
    _titles, links, first, html = _mine(client, "/submissions/")
    assert titles_of(html) == newest_first[:20] and "Trang 1 / 2" in html
    assert html.count("Mở hồ sơ của bạn") == 25  # every open challenge: its submission
    _titles, links, second, html = _mine(client, links["next"])
    assert titles_of(html) == newest_first[20:] and "Trang 2 / 2" in html
    assert not any(offsets(second)), second
    assert len(small) == len(first) == len(second), (len(small), len(first), len(second))
