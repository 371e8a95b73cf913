"""The /search page: results with highlights, facets as links, and a clear message (never
a 500) for an empty or malformed query."""

from __future__ import annotations

import pytest

from marketplace.search import services
from tests import factories


@pytest.fixture
def index(search_engine):
    return search_engine


def test_results_page_shows_highlighted_hits_and_facets(client, session, index):
    challenge = factories.make_challenge(session, title="Giám sát chất lượng không khí Hà Nội")
    services.apply_pending(session)
    response = client.get("/search?q=ha+noi")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<mark>Hà</mark> <mark>Nội</mark>" in html
    assert "1 kết quả" in html
    assert f"group={challenge.technology_group_id}" in html  # a facet link


@pytest.mark.parametrize("query", [
    "", "   ", "!!!", '"', "((", ")))", "title:", "*", "AND", "OR NOT", "a" * 401,
    '"Hà Nội', "\x00", "%%%", "<script>",
])
def test_empty_or_malformed_queries_get_a_message_not_an_error(client, index, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'role="status"' in html or "kết quả" in html
    assert "<script>" not in html.split("<main", 1)[1].split("</main>")[0].replace(
        'value="<script>"', "")


def test_bad_filters_and_pages_are_harmless(client, index):
    for args in ({"q": "x", "page": "abc"}, {"q": "x", "page": "-5"},
                 {"q": "x", "group": "'; DROP"}, {"q": "x", "page": "999999999"}):
        assert client.get("/search", query_string=args).status_code == 200


def test_search_is_in_english_too(client, session, index):
    factories.make_challenge(session, title="Đường thủy nội địa")
    services.apply_pending(session)
    client.post_form("/language/en", {"next": "/"}, token_from="/")
    html = client.get("/search?q=duong").get_data(as_text=True)
    assert "1 result" in html


def test_anonymous_results_are_cached_until_the_next_change(app, client, session, index):
    from marketplace import cache
    from marketplace.challenges import services as challenge_services
    from marketplace.challenges.models import ChallengeStatus
    from tests.challenges_factories import officer_and_agency

    original = app.extensions["cache"]
    app.extensions["cache"] = cache.SimpleCache()
    app.extensions.pop("cache_version", None)
    try:
        factories.make_challenge(session, title="Quan trắc rừng ngập mặn")
        services.apply_pending(session)
        first = client.get("/search?q=rung")
        second = client.get("/search?q=rung")
        assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
        assert "1 kết quả" in second.get_data(as_text=True)
        officer, agency = officer_and_agency(session)
        draft = factories.make_challenge(session, agency=agency, creator=officer,
                                         title="Phòng cháy rừng", status=ChallengeStatus.DRAFT)
        challenge_services.publish(session, officer, draft)  # an audited change
        session.commit()
        services.apply_pending(session)
        third = client.get("/search?q=rung")
        assert third.headers["X-Cache"] == "miss"
        assert "2 kết quả" in third.get_data(as_text=True)
    finally:
        app.extensions["cache"] = original
        app.extensions.pop("cache_version", None)


def test_a_count_past_the_bound_is_shown_as_more_than(app, client, session, index):
    """PostgreSQL counts at most its bound (1,000; 2 here): the page says "more than",
    not a made-up total."""
    if not index.transactional:
        pytest.skip("the PostgreSQL engine only: Whoosh counts every match")
    from marketplace.extensions import db
    from marketplace.search.postgres import PostgresBackend

    for n in range(3):
        factories.make_challenge(session, title=f"Quản lý đê điều {n}")
    services.apply_pending(session)
    app.extensions["search_backend"] = PostgresBackend(lambda: db.session, limit=2)
    try:
        html = client.get("/search?q=de+dieu").get_data(as_text=True)
    finally:
        app.extensions["search_backend"] = index
    assert "Hơn 2 kết quả" in html and "3 kết quả" not in html
    assert "Đếm trong 2 kết quả đầu tiên." in html
    assert html.count('class="mb-3 search-hit"') == 2
