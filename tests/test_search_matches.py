"""One notion of "matches" (issue 21): the list's `?q=`, the API's `q` and the
administrator's user filter find what /search finds — words, diacritics folded — on
each search engine."""

from __future__ import annotations

import re
import unicodedata

from marketplace.challenges.models import ChallengeStatus
from marketplace.search import services
from marketplace.search.backend import SearchRequest
from tests import factories


def _list_titles(client, q: str) -> set[str]:
    html = client.get("/challenges/", query_string={"q": q}).get_data(as_text=True)
    return set(re.findall(r'<h2 class="h5 card-title"><a [^>]*>([^<]+)</a>', html))


def _api_ids(client, q: str) -> set[int]:
    body = client.get("/api/v1/challenges", query_string={"q": q, "per_page": 100}).get_json()
    return {c["id"] for c in body["data"]}


def _search_ids(q: str) -> set[int]:
    page = services.search(SearchRequest(q, {"type": "challenge"}, per_page=50))
    return {hit.fields["object_id"] for hit in page.hits}


def test_the_list_the_api_and_search_find_the_same(client, session, search_engine):
    agency = factories.make_agency(session, name_vi="Sở Giao thông vận tải")
    titles = ["Giao thông thông minh", "Đèn giao thông", "Bãi đỗ xe"]
    made = [factories.make_challenge(session, agency=agency, title=t,
                                     problem="Ùn tắc giờ cao điểm.") for t in titles]
    land = factories.make_challenge(session, title="Quản lý đất đai",
                                    problem="Số hoá hồ sơ địa chính.", sector="Tài nguyên")
    factories.make_challenge(session, title="Bản nháp giao thông", status=ChallengeStatus.DRAFT)
    services.apply_pending(session)
    everyone = {c.id for c in made}  # the agency's name holds "giao thông" too
    for q in ("giao thong", "Giao Thông", unicodedata.normalize("NFD", "giao thông")):
        assert _search_ids(q) == everyone
        assert _api_ids(client, q) == everyone
        assert _list_titles(client, q) == set(titles)
    assert _api_ids(client, "AI") == set()  # no longer a substring of "đất đai"
    assert _api_ids(client, "dat dai") == {land.id} == _search_ids("dat dai")
    assert _list_titles(client, "bản nháp") == set()  # drafts are never found
    for odd in ("!!!", '"', "((", "100%_", "\x00", "-"):
        assert client.get("/challenges/", query_string={"q": odd}).status_code == 200
        assert client.get("/api/v1/challenges", query_string={"q": odd}).status_code == 200


def test_the_admin_user_filter_folds_as_search_does(client, session, login):
    admin = factories.make_user(session, is_admin=True)
    found = factories.make_user(session, full_name="Nguyễn Thị Đào")
    other = factories.make_user(session, full_name="Trần Văn Bình")
    session.flush()
    login(admin)
    html = client.get("/admin/users", query_string={"q": "nguyen dao"}).get_data(as_text=True)
    assert found.email in html and other.email not in html
    html = client.get("/admin/users", query_string={"q": found.email}).get_data(as_text=True)
    assert found.email in html and other.email not in html
    assert services.text_matches("DAO", "Nguyễn Thị Đào")
    assert not services.text_matches("da", "Nguyễn Thị Đào")
