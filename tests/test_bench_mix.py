"""The benchmark's realistic mix (bench/mix.py, issue 21) reaches deep list pages the way
a visitor does — by the cursor of the site's own Next link, built from the rows in the
list's order — and the OCDS feed's pages by the cursor of its Link header; the bench's
server lifts the login and API limits for its own client only."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import urllib.parse
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from bench import mix
from bench.server import app_settings, server_env
from config import Settings, read_settings
from marketplace import keyset
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.types import utcnow
from tests import factories

MANY = 130  # 7 pages of 20; 2 pages of the OCDS feed (100 a page)
PER_PAGE = 20


@pytest.fixture
def listed(session):
    """`MANY` public challenges one minute apart with ties two by two, every third closed,
    and a draft that no list shows."""
    first = factories.make_challenge(session)
    factories.make_challenge(session, status=ChallengeStatus.DRAFT)
    session.flush()
    now = utcnow()
    template = {c.key: getattr(first, c.key) for c in Challenge.__table__.columns
                if c.key not in ("id", "title", "published_at", "status")}
    session.execute(insert(Challenge), [
        {**template, "title": f"Bài toán {n:04d}",
         "status": ChallengeStatus.CLOSED if n % 3 == 0 else ChallengeStatus.PUBLISHED,
         "published_at": now - timedelta(minutes=n // 2)}
        for n in range(MANY - 1)])
    session.commit()


def _query(path: str) -> dict:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)


def _next(html: str) -> str | None:
    found = mix.NEXT_LINK.search(html)
    return found and (found.group(1) or found.group(2)).replace("&amp;", "&")


@pytest.mark.parametrize("args", [(), (("status", "closed"),)])
def test_the_mix_addresses_every_list_page_as_the_sites_next_link_does(
        client, session, listed, args):
    by_filter = mix.list_keys(session.connection())
    keys = by_filter[args]
    assert len(by_filter[()]) == MANY
    assert len(by_filter[(("status", "closed"),)]) == 43
    pages = -(-len(keys) // PER_PAGE)
    path = mix.cursor_path(args, keys, 1, PER_PAGE)
    for number in range(1, pages + 1):
        built = mix.cursor_path(args, keys, number, PER_PAGE)
        assert _query(built) == _query(path), number  # the very cursor of the site's link
        assert mix.list_depth(built) == number
        response = client.get(built)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert f"/ {pages}" in html and f"{number} / {pages}" in html, number
        shown = [int(i) for i in re.findall(
            r'<h2 class="h5 card-title"><a href="/challenges/(\d+)"', html)]
        assert shown == [row_id for _at, row_id in keys[(number - 1) * PER_PAGE:
                                                        number * PER_PAGE]], number
        path = _next(html)
    assert path is None  # the last page has no Next link


def test_the_drawn_list_pages_spread_to_the_last_page_of_each_filter(client, session, listed):
    by_filter = mix.list_keys(session.connection())
    paths = mix.draw_list_paths(by_filter, random.Random(3), PER_PAGE, 60)
    depths = {mix.list_depth(p) for p in paths}
    assert max(depths) == 7 and len(depths) >= 5  # not only the first pages
    assert all("page=" not in p for p in paths)
    for path in sorted(paths)[:12]:
        assert client.get(path).status_code == 200, path
    assert {mix.kind(p) for p in paths} >= {"list: first page", "list: pages 2-10",
                                            "list: pages 2-10, filtered"}


def test_a_deep_cursor_is_a_deep_page_for_the_mix_report():
    token = keyset.encode(utcnow(), 99, 4321)
    assert mix.list_depth(f"/challenges/?after={token}") == 4321
    assert mix.kind(f"/challenges/?after={token}") == "list: page > 10"
    assert mix.kind(f"/challenges/?group=g&after={token}") == "list: page > 10, filtered"
    assert mix.kind("/challenges/?page=4") == "list: pages 2-10"


def test_the_ocds_pages_are_the_cursors_of_the_feeds_link_header(client, session, listed):
    paths, last = mix.ocds_paths(session.connection(), 100)
    assert last == 2 and len(paths) == 2 and paths[0] == "/opendata/ocds.json"
    first = client.get(paths[0])
    following = re.search(r"<([^>]+)>;\s*rel=\"next\"", first.headers["Link"]).group(1)
    assert _query(paths[1]) == _query(following)
    response = client.get(paths[1])
    assert response.status_code == 200
    assert len(response.get_json()["releases"]) >= MANY - 100


def test_the_bench_server_lifts_the_limits_in_its_own_environment_only(tmp_path, monkeypatch):
    monkeypatch.delenv("BENCH_API_LIMIT", raising=False)
    monkeypatch.setenv("BENCH_LOGIN_LIMIT", "7 per minute")
    env = server_env("sqlite://", tmp_path)
    assert env["API_RATE_LIMIT"] == "100000 per minute"
    assert env["LOGIN_LIMIT_PER_ACCOUNT"] == env["LOGIN_LIMIT_PER_ADDRESS"] == "7 per minute"
    settings = read_settings(env)  # values the product accepts
    assert settings.API_RATE_LIMIT == "100000 per minute"
    assert app_settings(env)["LOGIN_LIMIT_PER_ADDRESS"] == "7 per minute"
    # the product's own defaults stay production's
    assert Settings.model_fields["API_RATE_LIMIT"].default == "300 per minute"
    assert Settings.model_fields["LOGIN_LIMIT_PER_ADDRESS"].default == "20 per 15 minutes"


def test_the_mix_reads_the_data_set_in_a_process_that_imported_no_model(tmp_path):
    """`bench.run` builds the targets before any app exists (a cached data set), after
    importing some of the models only (`opendata.ocds`, for its page size): the models the
    mix's statements name must configure by themselves."""
    script = ("from sqlalchemy import create_engine, exc\n"
              "import marketplace.opendata.ocds\n"
              "from bench import mix\n"
              "conn = create_engine('sqlite://').connect()\n"
              "for call in (lambda: mix.list_keys(conn), lambda: mix.ocds_paths(conn, 100)):\n"
              "    try:\n"
              "        call()\n"
              "    except exc.OperationalError as error:\n"
              "        assert 'no such table' in str(error), error\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def test_deep_pages_times_a_filtered_list_by_the_cursors_of_its_next_links(
        session, listed, monkeypatch):
    from bench import deep_pages

    monkeypatch.setattr(deep_pages, "PAGE_SIZE", 5)  # 87 published: 18 pages
    rows, last, targets = deep_pages._filtered_targets(  # noqa: SLF001
        session.connection(), ["status=published"], numbered=False)
    assert (rows, last) == (87, 18)
    assert [label for label, _path in targets] == ["1", "10 (numbered)", "17", "18"]
    keys = mix.list_keys(session.connection())[(("status", "published"),)]
    assert targets[0][1] == "/challenges/?status=published"
    assert targets[1][1] == "/challenges/?status=published&page=10"
    assert targets[3][1] == mix.cursor_path((("status", "published"),), keys, 18, 5)
    assert keyset.decode(_query(targets[3][1])["after"][0]).id == keys[17 * 5 - 1][1]
    _rows, _last, numbered = deep_pages._filtered_targets(  # noqa: SLF001
        session.connection(), ["status=published"], numbered=True)
    assert numbered[3][1] == "/challenges/?status=published&page=18"
    with pytest.raises(SystemExit):
        deep_pages._filtered_targets(session.connection(), ["province=nowhere"], False)  # noqa: SLF001


def test_pages_that_query_the_index_get_one_even_when_search_timing_is_skipped():
    """`--skip-search` skips timing the engines; the mix's text queries and the search
    pages still need the data set's index, else they cost nothing (an empty index)."""
    from bench.run import needs_index

    assert needs_index([{"key": "hello"}, {"key": "mix"}])
    assert needs_index([{"key": "search_1"}])
    assert not needs_index([{"key": "hello"}, {"key": "li_panel"}, {"key": "challenge"}])
