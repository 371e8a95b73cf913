"""The cache: the backend, the data version, the dashboard's figures, whole pages for
anonymous visitors (nothing of one visitor reaches another), deep pages of the list."""

from __future__ import annotations

import re

import pytest
from flask import g
from sqlalchemy import insert, update

from marketplace import cache
from marketplace.audit.models import AuditEvent
from marketplace.audit.services import record
from marketplace.challenges import services as challenge_services
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.dashboard import services as dashboard_services
from marketplace.orders.models import OrderStatus
from marketplace.types import utcnow
from tests import factories
from tests.challenges_factories import officer_and_agency
from tests.orders_factories import make_order
from tests.statements import count_statements
from tests.test_dashboard import grow

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture
def cache_on(app):
    """A fresh in-process cache for this test only (the tests run with "null")."""
    original = app.extensions["cache"]
    app.extensions["cache"] = cache.SimpleCache()
    app.extensions.pop("cache_version", None)  # a version kept from a rolled-back test
    try:
        yield app.extensions["cache"]
    finally:
        app.extensions["cache"] = original
        app.extensions.pop("cache_version", None)


def _statements(client, path: str) -> tuple[int, object]:
    response, statements = count_statements(client, path)
    assert response.status_code == 200, path
    return statements, response


def _publish_new(session, agency, officer, title: str):
    draft = factories.make_challenge(session, agency=agency, creator=officer, title=title,
                                     status=ChallengeStatus.DRAFT)
    challenge_services.publish(session, officer, draft)
    session.commit()
    return draft


# --- the backend --------------------------------------------------------------------------

def test_simple_cache_add_sets_only_what_is_absent_or_expired(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    lru = cache.SimpleCache()
    assert lru.add("lease", 1, ttl=10) and not lru.add("lease", 2, ttl=10)
    assert lru.get("lease") == 1
    clock[0] += 11
    assert lru.add("lease", 3, ttl=10) and lru.get("lease") == 3
    lru.delete("lease")
    assert lru.get("lease") is None and lru.add("lease", 4, ttl=10)


def test_simple_cache_is_an_lru_with_a_ttl(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    lru = cache.SimpleCache(max_entries=2)
    lru.set("a", 1, ttl=30)
    lru.set("b", 2, ttl=30)
    assert lru.get("a") == 1  # "a" is now the most recent
    lru.set("c", 3, ttl=30)
    assert lru.get("b") is None and lru.get("a") == 1 and lru.get("c") == 3
    clock[0] += 31
    assert lru.get("a") is None and len(lru) == 1


def test_the_null_cache_computes_every_time(app):
    with app.test_request_context():
        assert not cache.get_cache().enabled
        calls = []
        for _ in range(2):
            cache.memoize("x", (), lambda: calls.append(1) or len(calls))
        assert len(calls) == 2


def test_the_data_version_moves_with_every_audited_change(app, session, cache_on):
    before = cache.data_version()
    record(session, None, "test.change", None, after={"x": 1}, public=True)
    session.flush()
    assert cache.data_version() == before  # read once per request (here: per `g`)
    g.pop("data_version")
    assert cache.data_version() > before


# --- the dashboard ------------------------------------------------------------------------

def _published(response) -> int:
    """The dashboard's count of published challenges."""
    html = response.get_data(as_text=True)
    figure = re.search(r'Bài toán đã công bố</dt>', html)
    assert figure, html[:500]
    value = re.search(r'class="figure-value">([\d.,]+)<', html[figure.end():]).group(1)
    return int(value.replace(".", "").replace(",", ""))


UPDATING = "Các thay đổi mới hơn đang được tính"


def test_the_dashboard_updates_right_after_a_change(client, session, cache_on):
    officer, agency = officer_and_agency(session)
    _publish_new(session, agency, officer, "Thứ nhất")
    first = _published(client.get("/dashboard"))
    assert client.get("/dashboard").headers.get("X-Cache") == "hit"
    _publish_new(session, agency, officer, "Thứ hai")
    response = client.get("/dashboard")
    assert _published(response) == first + 1  # quick to compute: computed in the request
    assert UPDATING not in response.get_data(as_text=True)
    assert "Số liệu tính đến" in response.get_data(as_text=True)


def test_after_a_change_the_request_reads_the_new_figures_without_recomputing_them(
        app, client, session, cache_on, monkeypatch):
    """Issue 15/21: with the per-process cache (the embedded default) the first request
    after a change reads the counters — `QUERIES` statements and the data version, never
    the aggregates over whole tables (`recount`) — and leaves no work for after its
    response nor for the worker."""
    from marketplace import jobs

    monkeypatch.setitem(app.config, "CACHE_REFRESH_AFTER", 0)  # was: every figure is slow
    officer, agency = officer_and_agency(session)
    _publish_new(session, agency, officer, "Thứ nhất")
    before = _published(client.get("/dashboard"))
    _publish_new(session, agency, officer, "Thứ hai")
    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda *args: queued.append(args))
    monkeypatch.setattr(dashboard_services, "recount", lambda *_a: pytest.fail("recount"))
    statements, response = _statements(client, "/dashboard")
    assert _published(response) == before + 1  # the new figures, not the previous ones
    assert "Số liệu tính đến" in response.get_data(as_text=True)
    assert statements <= dashboard_services.QUERIES + 1
    response.close()
    assert queued == []


def test_a_warm_dashboard_costs_one_query_at_any_size(client, session, cache_on, login):
    grow(session, 2)
    client.get("/dashboard")
    small, _ = _statements(client, "/dashboard")
    grow(session, 12)
    record(session, None, "test.change", None, public=True)  # the factories write no events
    session.flush()
    cold, _ = _statements(client, "/dashboard")
    large, _ = _statements(client, "/dashboard")
    assert small == large <= 2
    assert cold > large
    # a logged-in reader gets the cached figures, rendered for them: no aggregate runs
    login(factories.make_user(session))
    client.get("/dashboard?year=2025")
    figures_only, response = _statements(client, "/dashboard?year=2025")
    assert figures_only <= 3 and "X-Cache" not in response.headers


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard?year=2025&group=1&agency=1"])
def test_a_cold_dashboard_costs_at_most_six_queries_with_the_data_version(
        client, session, cache_on, path):
    grow(session, 4)
    record(session, None, "test.change", None, public=True)  # the factories write no events
    session.flush()
    cold, response = _statements(client, path)
    assert response.headers["X-Cache"] == "miss"
    # issue 7's six statements, and one more since issue 17: its scale-up figures (the
    # proven pilots with their first follow-on, one statement, `outcomes.queries.scale_up`)
    assert cold == dashboard_services.QUERIES + 1 <= 7


# --- whole pages for anonymous visitors ------------------------------------------------------

@pytest.mark.parametrize("kind", ["list", "challenge", "order", "dashboard"])
def test_anonymous_pages_are_served_from_the_cache_with_a_few_queries(
        client, session, cache_on, monkeypatch, kind):
    # the process's clock stands still: a cold request slower than CACHE_VERSION_TTL (a
    # loaded machine) would otherwise let the kept data version expire before the warm one
    monkeypatch.setattr(cache.time, "monotonic", lambda: 1000.0)
    officer, agency = officer_and_agency(session)
    challenge = factories.make_challenge(session, agency=agency, creator=officer)
    order = make_order(session, status=OrderStatus.ACTIVE)
    session.commit()
    path = {"list": "/challenges/", "challenge": f"/challenges/{challenge.id}",
            "order": f"/orders/{order.id}", "dashboard": "/dashboard"}[kind]
    cold, first = _statements(client, path)
    warm, second = _statements(client, path)
    assert first.headers["X-Cache"] == "miss" and second.headers["X-Cache"] == "hit"
    # issue 7: every public page in 6, the data version included; the order page has one
    # more since issue 20, its verified signatures (each side's kind of signature is public),
    # and the dashboard one since issue 17, its scale-up figures (`outcomes.queries.scale_up`)
    assert cold <= (7 if kind in ("order", "dashboard") else 6)
    assert warm == 0  # the data version was read within CACHE_VERSION_TTL: kept
    strip = TOKEN.sub("", first.get_data(as_text=True))
    assert TOKEN.sub("", second.get_data(as_text=True)) == strip


def test_each_process_keeps_the_data_version_for_a_second(app, client, session, connection,
                                                          cache_on, monkeypatch):
    """A hit costs no query while the kept version is fresh; a change recorded by this
    process is seen at once; one made elsewhere (here: written without this process's
    session) within `CACHE_VERSION_TTL`; with 0 the version is read every time."""
    clock = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    challenge = factories.make_challenge(session, title="Trước")
    session.commit()
    path = f"/challenges/{challenge.id}"
    assert _statements(client, path)[1].headers["X-Cache"] == "miss"
    assert _statements(client, path)[0] == 0
    challenge.title = "Sau khi sửa"  # a change recorded by this process
    record(session, None, "test.change", challenge, after={"title": "Sau khi sửa"}, public=True)
    session.commit()
    assert "Sau khi sửa" in client.get(path).get_data(as_text=True)
    # another process: the change and its audit row arrive without this process's ORM
    # session (the test's connection, written to directly)
    connection.execute(update(Challenge).where(Challenge.id == challenge.id)
                       .values(title="Từ nơi khác"))
    connection.execute(insert(AuditEvent).values(
        created_at=utcnow(), action="test.elsewhere", public=True,
        prev_hash="elsewhere-prev", hash="elsewhere-hash"))
    assert "Từ nơi khác" not in client.get(path).get_data(as_text=True)  # kept version
    clock[0] += 1.5
    assert "Từ nơi khác" in client.get(path).get_data(as_text=True)
    app.config["CACHE_VERSION_TTL"] = 0
    try:
        assert _statements(client, path)[0] == 1
    finally:
        app.config["CACHE_VERSION_TTL"] = 1


def test_a_cached_page_carries_nothing_of_another_visitor(app, session, cache_on):
    factories.make_challenge(session)
    session.commit()
    alice, bob = app.test_client(), app.test_client()
    a = alice.get("/challenges/")
    b = bob.get("/challenges/")
    assert (a.headers["X-Cache"], b.headers["X-Cache"]) == ("miss", "hit")
    token_a = TOKEN.search(a.get_data(as_text=True)).group(1)
    token_b = TOKEN.search(b.get_data(as_text=True)).group(1)
    assert token_a != token_b
    assert token_a not in b.get_data(as_text=True)
    assert cache.CSRF_MARKER not in b.get_data(as_text=True)
    assert a.headers.get("Set-Cookie") != b.headers.get("Set-Cookie")
    # Bob's token is Bob's: it works for him, Alice's does not
    assert bob.post("/language/en", data={"csrf_token": token_a, "next": "/"}).status_code == 400
    assert bob.post("/language/en", data={"csrf_token": token_b,
                                          "next": "/challenges/"}).status_code == 302
    english = bob.get("/challenges/")
    assert english.headers["X-Cache"] == "miss"  # the language is part of the key
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert '<html lang="vi">' in alice.get("/challenges/").get_data(as_text=True)


def test_logged_in_users_and_flash_messages_bypass_the_cache(client, session, cache_on,
                                                             login):
    officer, agency = officer_and_agency(session)
    challenge = factories.make_challenge(session, agency=agency, creator=officer)
    session.commit()
    path = f"/challenges/{challenge.id}"
    assert client.get(path).headers["X-Cache"] == "miss"
    login(officer)
    page = client.get(path)
    assert "X-Cache" not in page.headers and officer.full_name in page.get_data(as_text=True)
    client.post_form("/logout", token_from="/")  # flashes "logged out" for the next page
    after = client.get(path)
    assert "X-Cache" not in after.headers  # a waiting flash is shown, never cached
    assert officer.full_name not in after.get_data(as_text=True)
    assert client.get(path).headers["X-Cache"] == "hit"
    assert officer.full_name not in client.get(path).get_data(as_text=True)


def test_a_change_shows_at_once_on_the_cached_list(client, session, cache_on):
    officer, agency = officer_and_agency(session)
    _publish_new(session, agency, officer, "Bài toán đầu tiên")
    assert "Bài toán đầu tiên" in client.get("/challenges/").get_data(as_text=True)
    assert client.get("/challenges/").headers["X-Cache"] == "hit"
    _publish_new(session, agency, officer, "Bài toán mới công bố")
    fresh = client.get("/challenges/")
    assert fresh.headers["X-Cache"] == "miss"
    assert "Bài toán mới công bố" in fresh.get_data(as_text=True)


def test_errors_are_not_cached(client, session, cache_on):
    assert "X-Cache" not in client.get("/challenges/999999").headers
    assert "X-Cache" not in client.get("/orders/999999").headers


# --- the list's deep pages and count ------------------------------------------------------------

def test_keyset_pages_show_the_same_rows_as_numbered_pages(client, session):
    """Pages reached by their cursors (`?after=`, `?before=`) hold the rows the numbered
    pages hold, ties of `published_at` included, filtered or not."""
    from datetime import timedelta

    from marketplace.types import utcnow

    _, agency = officer_and_agency(session)
    now = utcnow()
    for i in range(45):
        factories.make_challenge(session, agency=agency, title=f"Bài toán số {i:02d}",
                                 published_at=now - timedelta(minutes=i // 2))  # ties
    session.commit()

    def get(path):
        html = client.get(path).get_data(as_text=True).replace("&amp;", "&")
        links = dict((rel, href) for href, rel in re.findall(
            r'href="([^"]+)" rel="(next|prev)"', html))
        return re.findall(r'<h2 class="h5 card-title"><a [^>]*>([^<]+)</a>', html), links

    numbered = [get(f"/challenges/?page={n}")[0] for n in (1, 2, 3)]
    for base in ("/challenges/", f"/challenges/?agency={agency.id}"):
        first, links = get(base)
        assert "after=" in links["next"] and "page=" not in links["next"]
        second, links = get(links["next"])
        third, links = get(links["next"])
        assert [first, second, third] == numbered and len(third) == 5
        assert "next" not in links and "before=" in links["prev"]
        assert get(links["prev"])[0] == second


def test_the_count_and_agencies_are_cached_by_data_version(client, session, cache_on):
    officer, agency = officer_and_agency(session)
    _publish_new(session, agency, officer, "Một")
    first, _ = _statements(client, "/challenges/?budget_min=1")
    assert first == 6  # version, close-expired, groups, agencies, count, page
    # another filter set shares the kept version, the groups and the agencies; its own
    # count is computed
    other, _ = _statements(client, "/challenges/?budget_min=2")
    assert other == first - 3
    # another page of the same filter set shares its count too
    again, _ = _statements(client, "/challenges/?budget_min=1&page=2")
    assert again == first - 4


def _redis_up() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_the_redis_backend_round_trips_and_ignores_tampered_entries():
    import uuid

    shared = cache.RedisCache("redis://127.0.0.1:6379/0", "secret",
                              prefix=f"test-cache-{uuid.uuid4().hex}:")
    try:
        shared.set("figures", {"statuses": [(ChallengeStatus.AWARDED, 3)]}, ttl=30)
        assert shared.get("figures") == {"statuses": [(ChallengeStatus.AWARDED, 3)]}
        assert shared.get("missing") is None
        raw = shared.client.get(shared.prefix + "figures")
        shared.client.set(shared.prefix + "figures", raw[:-1] + b"X")
        assert shared.get("figures") is None  # not signed with our key: never unpickled
        other = cache.RedisCache("redis://127.0.0.1:6379/0", "another", prefix=shared.prefix)
        shared.set("page", "<html>", ttl=30)
        assert other.get("page") is None
        # a lease: only the first of two processes gets it, until it is given back
        assert shared.add("lease", True, ttl=30) and not other.add("lease", True, ttl=30)
        shared.delete("lease")
        assert other.add("lease", True, ttl=30)
    finally:
        shared.clear()
    assert shared.get("page") is None


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_with_redis_the_web_and_the_worker_share_the_figures(app, client, session):
    """With `CACHE_BACKEND=redis`, the figures one process read are served to another
    (the worker's app here) from the shared entry, without computing them again."""
    import uuid

    from marketplace import create_app
    from marketplace.dashboard.queries import Filters

    prefix = f"test-shared-{uuid.uuid4().hex}:"
    web_cache = cache.RedisCache("redis://127.0.0.1:6379/0", app.config["SECRET_KEY"], prefix)
    worker = create_app({"ENV_NAME": "testing",
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    worker.extensions["cache"] = cache.RedisCache("redis://127.0.0.1:6379/0",
                                                  app.config["SECRET_KEY"], prefix)
    previous = app.extensions["cache"]
    app.extensions["cache"] = web_cache
    try:
        officer, agency = officer_and_agency(session)
        _publish_new(session, agency, officer, "Thứ nhất")
        record(session, None, "test.change", None, public=True)
        session.flush()
        with app.test_request_context():
            g.pop("data_version", None)
            figures, _as_of = dashboard_services.cached_figures(session, Filters())
        with worker.test_request_context():  # another process: the same entry, no query
            g.pop("data_version", None)
            version = cache.data_version()
            assert web_cache.get(f"dashboard:{version}:{(None, None, None, None)!r}") is not None
            calls = []
            real = dashboard_services.figures
            dashboard_services.figures = lambda *a: calls.append(1) or real(*a)
            try:
                shared, _ = dashboard_services.cached_figures(session, Filters())
            finally:
                dashboard_services.figures = real
            assert calls == [] and shared == figures
    finally:
        app.extensions["cache"] = previous
        web_cache.clear()


# --- public caches are keyed by public events only (issue 14) ---------------------------

AS_OF = re.compile(r'id="figures-as-of">(.*?)</p>', re.S)


def _as_of(client) -> str:
    response = client.get("/dashboard")
    text = AS_OF.search(response.get_data(as_text=True)).group(1)
    response.close()
    return text


def test_private_events_move_neither_the_public_caches_nor_the_dashboards_time(
        client, session, cache_on, monkeypatch):
    """A sealed submission saved, a draft challenge edited: the data version (every public
    cache key), the cached pages and the dashboard's "Số liệu tính đến …" stay as they
    were, so a visitor learns nothing of private work; a public event moves them."""
    from datetime import timedelta

    from marketplace.challenges.services import ChallengeInput
    from marketplace.submissions import services as submission_services
    from marketplace.submissions.models import SubmissionStatus
    from tests.submissions_factories import make_draft, make_solver

    clock = [utcnow().replace(microsecond=0)]
    monkeypatch.setattr(dashboard_services, "utcnow", lambda: clock[0])
    officer, agency = officer_and_agency(session)
    challenge = _publish_new(session, agency, officer, "Công khai")
    draft = factories.make_challenge(session, agency=agency, creator=officer,
                                     status=ChallengeStatus.DRAFT)
    solver, org = make_solver(session)
    submission = make_draft(session, challenge, org, member=solver)
    session.flush()
    g.pop("data_version", None)
    version, as_of = cache.data_version(), _as_of(client)
    assert client.get("/dashboard").headers.get("X-Cache") == "hit"

    clock[0] += timedelta(hours=2)  # what the dashboard would show if it recomputed now
    submission_services.update(session, solver, submission, submission_services.SubmissionContent(
        summary="Bản nháp mới, niêm phong", technical_approach="Học sâu", trl=6,
        proposed_price=1_000_000_000, timeline="6 tháng", team="5 kỹ sư"))
    submission_services.submit(session, solver, submission)
    assert submission.status is SubmissionStatus.SUBMITTED
    challenge_services.update(session, officer, draft, ChallengeInput(title="Bản nháp đã sửa"))
    session.flush()
    g.pop("data_version", None)
    assert cache.data_version() == version
    assert _as_of(client) == as_of
    assert client.get("/dashboard").headers.get("X-Cache") == "hit"

    record(session, officer, "challenge.amended", challenge, public=True)
    session.flush()
    g.pop("data_version", None)
    assert cache.data_version() > version
    assert _as_of(client) != as_of


# --- issue 18: the public pages of citizens' feedback ---------------------------------------

def _citizen_comments(session, order, count: int) -> None:
    from marketplace.feedback import services as feedback_services

    for n in range(count):
        feedback = feedback_services.give(session, order, rating=1 + n % 5,
                                          comment=f"Ý kiến số {n}")
        feedback_services.approve(session, order.parties.officer, feedback)


@pytest.mark.parametrize("page", ["feedback", "qr"])
def test_the_citizen_feedback_pages_cost_the_same_few_queries_at_two_sizes(
        client, session, page):
    counts = []
    for size in (2, 30):
        order = make_order(session, status=OrderStatus.ACTIVE)
        _citizen_comments(session, order, size)
        session.commit()
        path = f"/orders/{order.id}/feedback" + ("/qr.svg" if page == "qr" else "")
        counts.append(_statements(client, path)[0])
    assert counts[0] == counts[1] <= 6, counts


def _alert_pages(session, agency, officer, size: int) -> dict[str, str]:
    from marketplace.alerts import tokens

    for n in range(size):
        challenge = factories.make_challenge(session, agency=agency, creator=officer,
                                             title=f"Giao thông thông minh {n}")
        record(session, None, "challenge.amended", challenge, public=True)
    session.flush()
    return {
        "follow": f"/alerts/follow?kind=agency&target={agency.id}",
        "follow_search": "/alerts/follow?kind=search&on=challenges&q=giao",
        "agency_feed": f"/alerts/feeds/agencies/{agency.id}.atom",
        "search_feed": "/alerts/feeds/search.atom?on=challenges&q=giao",
        "unsubscribe": "/alerts/unsubscribe/" + tokens.unsubscribe_token(follows=[1]),
    }


@pytest.mark.parametrize("page", ["follow", "follow_search", "agency_feed", "search_feed",
                                  "unsubscribe"])
def test_the_alert_pages_cost_the_same_few_queries_at_two_sizes(client, session, page):
    counts = []
    for size in (2, 30):
        officer, agency = officer_and_agency(session)
        paths = _alert_pages(session, agency, officer, size)
        session.commit()
        counts.append(_statements(client, paths[page])[0])
    assert counts[0] == counts[1] <= 6, counts
