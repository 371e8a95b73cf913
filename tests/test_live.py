"""Pages that follow the public data without reloading (issue 18, marketplace/live.py):
`/live/version` answers from the cache with no database query while nothing changed, 304
on If-None-Match; a public change moves it at once; private work never does (issue 14);
the four live pages carry the script as a file (no inline script) and their live parts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from marketplace import cache
from marketplace.challenges import services as challenge_services
from marketplace.challenges.models import ChallengeStatus
from marketplace.challenges.services import ChallengeInput
from marketplace.submissions import services as submission_services
from tests import factories
from tests import transparency_factories as tf
from tests.challenges_factories import officer_and_agency
from tests.statements import count_statements
from tests.submissions_factories import make_draft, make_solver
from tests.test_cache import _publish_new


@pytest.fixture
def live_cache(app, monkeypatch):
    """An in-process cache for this test; a version kept a minute (no timing in tests)."""
    original = app.extensions["cache"]
    app.extensions["cache"] = cache.SimpleCache()
    app.extensions.pop("cache_version", None)
    monkeypatch.setitem(app.config, "CACHE_VERSION_TTL", 60)
    try:
        yield app.extensions["cache"]
    finally:
        app.extensions["cache"] = original
        app.extensions.pop("cache_version", None)


def _poll(client, tag: str | None = None, status: int = 200) -> tuple[object, int]:
    """(response, database statements) of one poll."""
    response, queries = count_statements(client, "/live/version",
                                         {"If-None-Match": tag} if tag else None)
    assert response.status_code == status
    return response, queries


def test_unchanged_is_304_from_the_cache_with_no_query(client, session, live_cache):
    officer, agency = officer_and_agency(session)
    _publish_new(session, agency, officer, "Công khai")
    first, _ = _poll(client)
    assert first.status_code == 200
    version = first.get_json()["version"]
    assert version == cache.data_version() > 0
    tag = first.headers["ETag"]
    assert tag == f'W/"v{version}"' and first.headers["Cache-Control"] == "no-cache"
    again, queries = _poll(client, tag, 304)
    assert again.get_data() == b""
    assert queries == 0
    _, queries = _poll(client)  # without the tag: 200, still from the cache
    assert queries == 0


def test_a_public_change_moves_it_at_once_a_private_one_never(client, session, live_cache):
    officer, agency = officer_and_agency(session)
    challenge = _publish_new(session, agency, officer, "Công khai")
    draft = factories.make_challenge(session, agency=agency, creator=officer,
                                     status=ChallengeStatus.DRAFT)
    session.commit()
    first, _ = _poll(client)
    tag = first.headers["ETag"]

    # private work: a sealed submission saved and submitted, a draft edited
    solver, org = make_solver(session)
    submission = make_draft(session, challenge, org, member=solver)
    submission_services.update(session, solver, submission, submission_services.SubmissionContent(
        summary="Niêm phong", technical_approach="Học sâu", trl=6,
        proposed_price=1_000_000_000, timeline="6 tháng", team="5 kỹ sư"))
    submission_services.submit(session, solver, submission)
    challenge_services.update(session, officer, draft, ChallengeInput(title="Bản nháp đã sửa"))
    session.commit()
    _unchanged, queries = _poll(client, tag, 304)
    assert queries == 0

    # a public change: an amendment of the published challenge
    challenge_services.update(session, officer, challenge, challenge_services.input_from(
        challenge, submission_deadline=challenge.submission_deadline + timedelta(days=3)),
        "Gia hạn 3 ngày")
    session.commit()
    moved, queries = _poll(client, tag)
    assert queries == 0  # told by the commit, not read
    assert moved.get_json()["version"] > first.get_json()["version"]
    assert moved.headers["ETag"] != tag


def test_without_a_cache_it_reads_the_version(client, session):
    tf.make_process(session)
    response, queries = _poll(client)
    assert response.status_code == 200 and queries <= 1
    _poll(client, response.headers["ETag"], 304)


SCRIPT = re.compile(r"<script\b[^>]*>")


def test_the_live_pages_load_the_script_as_a_file_and_mark_their_parts(client, session):
    challenge, _award, order = tf.make_process(session)
    pages = {"/dashboard": ["live-figures", "figures-as-of"],
             "/activity": ["live-activity"],
             f"/challenges/{challenge.id}": ["live-title", "live-facts", "amendments",
                                             "live-answers", "live-notices"],
             f"/orders/{order.id}": ["live-order", "live-milestones"]}
    for path, regions in pages.items():
        html = client.get(path).get_data(as_text=True)
        tags = [t for t in SCRIPT.findall(html) if "live.js" in t]
        assert len(tags) == 1, path
        assert 'data-live-url="/live/version"' in tags[0]
        assert re.search(r'data-live-version="\d*"', tags[0])
        for tag in SCRIPT.findall(html):
            assert "src=" in tag, f"inline script on {path}"
        for region in regions:
            [tag] = re.findall(rf'<[a-z0-9]+\b[^>]*\bid="{region}"[^>]*>', html)
            assert re.search(r"\sdata-live[\s>]", tag), (path, region)
    assert "data-live-clock" in client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
