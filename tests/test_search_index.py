"""Search: Vietnamese folding, ranking, facets, highlighting, queries that parse badly,
and the pending-row queue that keeps the index in step with the database."""

from __future__ import annotations

import html
import unicodedata
from contextlib import closing

import nh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from marketplace.challenges.models import ChallengeStatus, Clarification
from marketplace.search import documents, services
from marketplace.search.analysis import fold, nfc
from marketplace.search.backend import SearchRequest, WhooshBackend
from marketplace.search.models import SearchPending
from marketplace.submissions.models import SubmissionStatus
from marketplace.templating import markdown_to_html
from marketplace.types import utcnow
from tests import factories
from tests.search_swap import search_backend


@pytest.fixture
def index(search_engine):
    """A fresh, empty index for each test: Whoosh, and PostgreSQL on PostgreSQL."""
    return search_engine


@pytest.fixture
def whoosh_index(index):
    """Tests of Whoosh's own machinery: its writer lock, its worker, its rebuild."""
    if index.transactional:
        pytest.skip("Whoosh only: the PostgreSQL engine has no writer lock nor pending rows")
    return index


def found(text: str, **filters) -> list[str]:
    page = services.search(SearchRequest(text, filters, per_page=50))
    return [hit.fields["doc_id"] for hit in page.hits]


def pending(session) -> int:
    return session.scalar(select(func.count(SearchPending.id)))


@pytest.mark.parametrize(("text", "folded"), [
    ("Hà Nội", "ha noi"),
    ("ĐƯỜNG", "duong"),
    ("đường", "duong"),
    (unicodedata.normalize("NFD", "Hồ Chí Minh"), "ho chi minh"),
    ("Nguyễn Thị Ánh", "nguyen thi anh"),
])
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize("query", [
    "ha noi", "Hà Nội", "HÀ NỘI", "hà nội", unicodedata.normalize("NFD", "Hà Nội"),
    "duong", "đường", "ĐƯỜNG", unicodedata.normalize("NFD", "đường"), "Duong Pho",
])
def test_vietnamese_queries_find_folded_text(session, index, query):
    challenge = factories.make_challenge(session, title="Giám sát đường phố",
                                         problem="Ùn tắc ở Hà Nội.")
    other = factories.make_challenge(session, title="Y tế cơ sở", problem="Bệnh viện tuyến huyện.",
                                     province="Cần Thơ", pilot_site="Bệnh viện")
    services.apply_pending(session)
    hits = found(query)
    assert f"challenge:{challenge.id}" in hits
    assert f"challenge:{other.id}" not in hits


def test_title_matches_rank_above_body_matches(session, index):
    in_body = factories.make_challenge(session, title="Giải pháp số",
                                       problem="Dự báo lũ lụt cho đồng bằng.")
    in_title = factories.make_challenge(session, title="Dự báo lũ lụt",
                                        problem="Cảnh báo sớm cho người dân.")
    services.apply_pending(session)
    assert found("lu lut")[:2] == [f"challenge:{in_title.id}", f"challenge:{in_body.id}"]


def test_highlights_mark_the_original_words_and_escape_html(session, index):
    factories.make_challenge(session, title="<script>alert(1)</script> Đường sắt",
                             problem="Bảo trì <b>đường</b> sắt đô thị Hà Nội.")
    services.apply_pending(session)
    hit = services.search(SearchRequest("duong sat")).hits[0]
    assert "<script>" not in hit.title_html and "&lt;script&gt;" in hit.title_html
    assert "<mark>Đường</mark>" in hit.title_html
    assert "<mark>đường</mark>" in hit.snippet_html and "<b>" not in hit.snippet_html
    tags = {part.split(">")[0] for part in hit.snippet_html.split("<")[1:]}
    assert tags <= {"mark", "/mark"}


def test_the_snippet_comes_from_the_first_field_holding_the_words(session, index):
    """Body first, then answered clarifications, then the place; the body's start when no
    field holds them (the PostgreSQL engine highlights the other fields only when the
    body has none of the words)."""
    in_body = factories.make_challenge(session, title="Kênh rạch A",
                                       problem="Nạo vét kênh rạch ở phường.")
    in_clarification = factories.make_challenge(session, title="Kênh rạch B",
                                                problem="Thoát nước đô thị.")
    session.add(Clarification(challenge=in_clarification, asked_by_id=factories.make_user(
        session).id, asker_org_id=factories.make_org(session).id,
        question="Phạm vi?", answer="Chỉ nạo vét tuyến chính.", answered_at=utcnow()))
    in_place = factories.make_challenge(session, title="Kênh rạch C",
                                        problem="Chống ngập cục bộ.", pilot_site="Bến nạo vét")
    nowhere = factories.make_challenge(session, title="Nạo vét kênh rạch D",
                                       problem="Cải tạo cảnh quan hai bờ.")
    session.commit()
    services.apply_pending(session)
    snippets = {hit.fields["object_id"]: hit.snippet_html
                for hit in services.search(SearchRequest("nao vet", per_page=50)).hits}
    assert "<mark>Nạo</mark> <mark>vét</mark> kênh rạch" in snippets[in_body.id]
    assert "<mark>nạo</mark> <mark>vét</mark> tuyến chính" in snippets[in_clarification.id]
    assert "Bến <mark>nạo</mark> <mark>vét</mark>" in snippets[in_place.id]
    assert snippets[nowhere.id].startswith("Cải tạo cảnh quan hai bờ.")
    assert "<mark>" not in snippets[nowhere.id]


def test_only_public_challenges_and_awarded_solutions_are_indexed(session, index):
    public = factories.make_challenge(session, title="Nông nghiệp thông minh")
    draft = factories.make_challenge(session, title="Nông nghiệp bản nháp",
                                     status=ChallengeStatus.DRAFT)
    awarded = factories.make_submission(session, challenge=public,
                                        status=SubmissionStatus.AWARDED,
                                        summary="Cảm biến độ ẩm đất cho nông nghiệp.")
    sealed = factories.make_submission(session, challenge=public,
                                       summary="Nông nghiệp bí mật, chưa mở.")
    services.apply_pending(session)
    hits = found("nong nghiep")
    assert f"challenge:{public.id}" in hits and f"solution:{awarded.id}" in hits
    assert f"challenge:{draft.id}" not in hits and f"solution:{sealed.id}" not in hits
    assert found("bi mat") == []


def test_answered_clarifications_are_searchable(session, index):
    challenge = factories.make_challenge(session, title="Chuyển đổi số")
    asker = factories.make_user(session)
    org = factories.make_org(session)
    session.add(Clarification(challenge=challenge, asked_by_id=asker.id, asker_org_id=org.id,
                              question="Có cần máy chủ đặt tại Việt Nam?"))
    session.add(Clarification(challenge=challenge, asked_by_id=asker.id, asker_org_id=org.id,
                              question="Câu hỏi chưa trả lời về ngân sách bí mật?"))
    session.flush()
    services.apply_pending(session)
    assert found("may chu") == []  # not answered yet
    question = challenge.clarifications[0]
    question.answer, question.answered_at = "Có, theo Luật An ninh mạng.", utcnow()
    session.commit()
    assert pending(session) == 0 if index.transactional else pending(session) >= 1
    services.apply_pending(session)
    assert found("may chu") == [f"challenge:{challenge.id}"]
    assert found("an ninh mang") == [f"challenge:{challenge.id}"]
    assert found("ngan sach bi mat") == []


def test_facets_count_and_filter(session, index):
    g1, g2 = factories.group(session, "1"), factories.group(session, "2")
    agency = factories.make_agency(session, name_vi="Sở Giao thông Hà Nội")
    a = factories.make_challenge(session, agency=agency, title="Giao thông A",
                                 technology_group_id=g1.id)
    b = factories.make_challenge(session, agency=agency, title="Giao thông B",
                                 technology_group_id=g2.id)
    c = factories.make_challenge(session, title="Giao thông C", technology_group_id=g1.id,
                                 status=ChallengeStatus.AWARDED, awarded_at=utcnow())
    solution = factories.make_submission(session, challenge=c, status=SubmissionStatus.AWARDED,
                                         summary="Giao thông thông minh.")
    services.apply_pending(session)
    page = services.search(SearchRequest("giao thong"))
    assert page.total == 4
    assert page.facets["type"] == {"challenge": 3, "solution": 1}
    assert page.facets["group"] == {str(g1.id): 3, str(g2.id): 1}
    assert page.facets["agency"][str(agency.id)] == 2
    assert page.facets["status"] == {"published": 2, "awarded": 2}
    assert set(found("giao thong", type="solution")) == {f"solution:{solution.id}"}
    assert set(found("giao thong", group=str(g1.id), type="challenge")) == {
        f"challenge:{a.id}", f"challenge:{c.id}"}
    filtered = services.search(SearchRequest("giao thong", {"agency": str(agency.id)}))
    assert {h.fields["object_id"] for h in filtered.hits} == {a.id, b.id}
    # a facet's own filter does not narrow its own counts
    assert filtered.facets["agency"][str(agency.id)] == 2 and len(filtered.facets["agency"]) == 2
    assert filtered.facets["type"] == {"challenge": 2}


def test_pagination(session, index):
    agency = factories.make_agency(session)
    for n in range(23):
        factories.make_challenge(session, agency=agency, title=f"Năng lượng tái tạo {n}")
    services.apply_pending(session)
    pages = [services.search(SearchRequest("nang luong", page=p)) for p in (1, 2, 3)]
    assert [len(p.hits) for p in pages] == [10, 10, 3]
    assert pages[0].pages == 3 and pages[0].total == 23
    ids = [h.fields["doc_id"] for p in pages for h in p.hits]
    assert len(set(ids)) == 23
    assert services.search(SearchRequest("nang luong", page=99)).page == 3


def test_changes_are_queued_in_the_same_transaction_and_applied(session, index):
    challenge = factories.make_challenge(session, title="Thành phố thông minh")
    assert pending(session) >= 1  # written by the flush, before any commit
    applied = services.apply_pending(session)  # PostgreSQL: applied by the commit itself
    assert applied == 0 if index.transactional else applied >= 1
    assert pending(session) == 0
    assert found("thanh pho") == [f"challenge:{challenge.id}"]
    challenge.title = "Đô thị xanh"
    session.commit()
    services.apply_pending(session)
    assert found("thanh pho") == [] and found("do thi xanh") == [f"challenge:{challenge.id}"]
    challenge.status, challenge.cancel_reason = ChallengeStatus.CANCELLED, "Hết ngân sách."
    session.commit()
    services.apply_pending(session)
    assert found("do thi xanh") == [f"challenge:{challenge.id}"]  # cancelled is public
    session.delete(challenge)
    session.commit()
    services.apply_pending(session)
    assert found("do thi xanh") == []


def test_explicit_queue(session, whoosh_index):
    challenge = factories.make_challenge(session, title="Kinh tế tuần hoàn")
    services.apply_pending(session)
    services.queue(session, "challenge", challenge.id)
    session.commit()
    assert pending(session) == 1
    assert services.apply_pending(session) == 1
    with pytest.raises(ValueError):
        services.queue(session, "nonsense", 1)


def test_after_request_hook_applies_what_the_request_committed(app, session, whoosh_index):
    from marketplace.extensions import db
    from marketplace.search.routes import apply_pending_after_commit

    with app.test_request_context("/"):
        challenge = factories.make_challenge(db.session, title="Vệ tinh quan sát")
        db.session.commit()
        response = apply_pending_after_commit(app.response_class("ok"))
        assert response.get_data(as_text=True) == "ok"
    assert found("ve tinh") == [f"challenge:{challenge.id}"]
    assert pending(session) == 0


def test_after_request_hook_leaves_uncommitted_work_alone(app, session, whoosh_index):
    from marketplace.extensions import db
    from marketplace.search.routes import apply_pending_after_commit

    with app.test_request_context("/"):
        factories.make_challenge(db.session, title="Khí tượng")
        db.session.commit()
        factories.make_challenge(db.session, title="Thủy văn")  # flushed, not committed
        apply_pending_after_commit(app.response_class("ok"))
        assert db.session.info.get("search.unsaved")
        db.session.rollback()
    assert found("khi tuong") == []  # nothing applied while the request had unsaved work
    assert pending(session) >= 1


def test_a_locked_writer_leaves_rows_for_sync(app, session, whoosh_index):
    challenge = factories.make_challenge(session, title="Robot công nghiệp")
    session.commit()
    holder = whoosh_index._open().writer()  # another process holds the writer
    try:
        assert services.apply_pending(session, timeout=0.05) is None
        assert pending(session) >= 1
    finally:
        holder.cancel()
    result = app.test_cli_runner().invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert "applied" in result.output
    assert pending(session) == 0
    assert found("robot") == [f"challenge:{challenge.id}"]


def test_sync_reports_a_busy_index(app, session, whoosh_index):
    factories.make_challenge(session, title="Vật liệu mới")
    session.commit()
    holder = whoosh_index._open().writer()
    try:
        result = app.test_cli_runner().invoke(args=["search", "sync", "--timeout", "0.05"])
    finally:
        holder.cancel()
    assert result.exit_code == 1
    assert pending(session) >= 1


def test_rebuild_indexes_everything_public_and_drops_stale_documents(app, session, index):
    challenge = factories.make_challenge(session, title="Bán dẫn")
    session.commit()
    with index.batch(timeout=1) as batch:
        batch.upsert({"doc_id": "challenge:999999", "type": "challenge", "title": "Bán dẫn cũ",
                      "body": "", "status": "published"})
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert index.document_ids() >= {f"challenge:{challenge.id}"}
    assert "challenge:999999" not in index.document_ids()
    assert pending(session) == 0
    assert found("ban dan") == [f"challenge:{challenge.id}"]


def test_facet_counts_apply_every_other_filter(session, index):
    g1, g2 = factories.group(session, "1"), factories.group(session, "2")
    agency = factories.make_agency(session)
    a = factories.make_challenge(session, agency=agency, title="Cấp nước A",
                                 technology_group_id=g1.id)
    factories.make_challenge(session, agency=agency, title="Cấp nước B", technology_group_id=g2.id)
    factories.make_challenge(session, title="Cấp nước C", technology_group_id=g1.id)
    services.apply_pending(session)
    page = services.search(SearchRequest("cap nuoc", {"agency": str(agency.id),
                                                      "group": str(g1.id)}))
    assert [h.fields["object_id"] for h in page.hits] == [a.id] and page.total == 1
    assert page.facets["group"] == {str(g1.id): 1, str(g2.id): 1}  # the agency filter only
    assert sum(page.facets["agency"].values()) == 2  # the group filter only
    assert len(page.facets["agency"]) == 2
    assert page.facets["type"] == {"challenge": 1}  # both filters


def test_a_page_past_the_end_shows_the_last_page(session, index):
    agency = factories.make_agency(session)
    for n in range(13):
        factories.make_challenge(session, agency=agency, title=f"Thủy lợi {n}")
    services.apply_pending(session)
    last = services.search(SearchRequest("thuy loi", page=2))
    past = services.search(SearchRequest("thuy loi", page=7))
    assert past.page == 2 and past.total == 13
    assert [h.fields["doc_id"] for h in past.hits] == [h.fields["doc_id"] for h in last.hits]
    assert len(past.hits) == 3


def test_a_kept_searcher_sees_what_another_writer_committed(tmp_path):
    """The searcher is kept between requests; a commit by another process (here: another
    backend on the same folder) replaces it, replaced documents included."""
    path = str(tmp_path / "shared")
    reader, writer = WhooshBackend(path), WhooshBackend(path)
    doc = {"doc_id": "challenge:1", "type": "challenge", "title": "Thành phố thông minh",
           "body": "", "clarifications": "", "place": "", "solver": "", "status": "published"}
    with writer.batch(timeout=1) as batch:
        batch.upsert(doc)
    assert reader.search(SearchRequest("thanh pho")).total == 1
    with writer.batch(timeout=1) as batch:
        batch.upsert({**doc, "title": "Đô thị xanh", "status": "closed"})
    assert reader.search(SearchRequest("thanh pho")).total == 0
    page = reader.search(SearchRequest("do thi"))
    assert page.total == 1 and page.facets["status"] == {"closed": 1}
    reader.close()
    writer.close()


@pytest.mark.parametrize("procs", [1, 2])
def test_rebuild_in_chunks_and_processes_indexes_everything(app, session, tmp_path,
                                                            monkeypatch, procs):
    monkeypatch.setattr(services, "REBUILD_CHUNK", 3)
    backend = WhooshBackend(str(tmp_path / "rebuilt"), rebuild_procs=procs)
    with search_backend(app, backend), closing(backend):
        challenges = [factories.make_challenge(session, title=f"Điện mặt trời {n}")
                      for n in range(8)]
        solution = factories.make_submission(session, challenge=challenges[0],
                                             status=SubmissionStatus.AWARDED,
                                             summary="Điện mặt trời áp mái.")
        factories.make_challenge(session, title="Điện gió nháp", status=ChallengeStatus.DRAFT)
        session.commit()
        assert services.rebuild(session) == 9
        expected = {f"challenge:{c.id}" for c in challenges} | {f"solution:{solution.id}"}
        assert services.backend().document_ids() == expected
        page = services.search(SearchRequest("dien mat troi", per_page=50))
        assert page.total == 9 and page.facets["type"] == {"challenge": 8, "solution": 1}
        assert services.search(SearchRequest("dien gio")).total == 0


def test_counts_include_matches_that_cannot_reach_the_page(tmp_path):
    """The page is the best few; the total and the facets still count every match, also
    those (body-only ones here) that score below the page's lowest: no top-N pruning."""
    backend = WhooshBackend(str(tmp_path / "many"))
    blank = {"type": "challenge", "status": "published", "clarifications": "", "place": "",
             "solver": "", "agency": "", "group": ""}
    with backend.batch(timeout=1) as batch:
        for n in range(300):
            batch.upsert({**blank, "doc_id": f"challenge:{n}", "title": f"Cảng biển {n}",
                          "body": "Thông minh."})
        for n in range(300, 600):
            batch.upsert({**blank, "doc_id": f"challenge:{n}", "title": f"Logistics {n}",
                          "body": "Kết nối kho hàng, bến bãi, đường bộ, đường sắt và "
                                  "cảng biển trong một hệ thống chung cho cả vùng."})
    page = backend.search(SearchRequest("cang bien", per_page=5))
    assert page.total == 600 and page.pages == 120
    assert page.facets["type"] == {"challenge": 600}
    assert all(h.fields["title"].startswith("Cảng biển") for h in page.hits)
    backend.close()


_LINE_TEXT = st.one_of(
    st.text(alphabet="abcđơư ÀÁẠĐ09.,;:?()%/'\"-", max_size=12),  # mostly no Markdown
    st.text(alphabet="abcđ 09.-@$^{}\t\r*_#&<>[]`!=+|~\\", max_size=12))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_LINE_TEXT, _LINE_TEXT.map(lambda t: f"- {t}"), st.just(""),
                          st.just("- "), st.just("1. một"), st.just("  thụt lề")),
                max_size=6))
def test_plain_text_without_markdown_is_what_markdown_gives(lines):
    """`plain` skips Markdown for the shapes it can tell apart; whatever the text, the
    result is the one the Markdown path gives."""
    text = "\n".join(lines)
    rendered = markdown_to_html(text)
    expected = nfc(html.unescape(nh3.clean(rendered, tags=set()))).strip()
    assert documents.plain(text) == expected


def test_the_usual_texts_skip_markdown():
    assert documents._without_syntax("Đoạn một.\nVẫn đoạn một.\n\nĐoạn hai 30%.") \
        == "Đoạn một.\nVẫn đoạn một.\nĐoạn hai 30%."
    assert documents._without_syntax("- Giảm 30% chi phí.\n- Đào tạo 100 cán bộ.") \
        == "Giảm 30% chi phí.\nĐào tạo 100 cán bộ."
    assert documents._without_syntax("**Đậm**") is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aăâđeêoôơuưy AĂÂĐÊÔƠƯY0-9.,\n_'")
                                         + ["\u0301", "\u0300", "\u0323", "\u0303", "ß"])),
       st.booleans(), st.sampled_from(["index", "query"]))
def test_the_one_step_analyzer_gives_the_chained_analyzers_tokens(text, tokenize, mode):
    from marketplace.search.analysis import VietnameseTokenizer, chained_analyzer

    def tokens(analyzer):
        return [(t.text, t.pos, t.startchar, t.endchar, t.original)
                for t in analyzer(text, positions=True, chars=True, keeporiginal=True,
                                  tokenize=tokenize, mode=mode, start_pos=2, start_char=3)]

    assert tokens(VietnameseTokenizer()) == tokens(chained_analyzer())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aăâđeêoôơuưy AĂÂĐÊÔƠƯY0-9.,\n_'")
                                         + ["\u0301", "\u0300", "\u0323", "\u0303", "ß"])))
def test_a_rebuild_finds_each_words_positions_as_whoosh_does(text):
    """`VietnameseTokenizer.positions` (a rebuild's one step) against Whoosh's own path
    for a text field: the words, their frequencies, weights and encoded positions."""
    from marketplace.search.backend import TEXT_FIELDS, _schema
    from marketplace.search.building import _analysed_in_one_step, postings

    schema = _schema()
    assert all(_analysed_in_one_step(schema[name]) for name in TEXT_FIELDS)
    field = schema["body"]
    assert sorted(postings(field, text, one_step=True)) == sorted(field.index(text))


def test_a_rebuild_pauses_the_cycle_collector_and_restores_it(app, session, whoosh_index,
                                                              monkeypatch):
    import gc

    seen = []
    original = WhooshBackend.batch

    def watching(self, **kwargs):
        seen.append(gc.isenabled())
        return original(self, **kwargs)

    monkeypatch.setattr(WhooshBackend, "batch", watching)
    factories.make_challenge(session, title="Rừng ngập mặn")
    session.commit()
    assert gc.isenabled()
    assert services.rebuild(session) == 1
    assert seen == [False] and gc.isenabled()
    gc.disable()  # and leaves it off for whoever had it off
    try:
        services.rebuild(session)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_rebuild_leaves_nothing_in_the_gin_indexes_pending_lists(session, index):
    """The PostgreSQL engine's full rebuild merges the entries its inserts left pending in
    both GIN indexes (every search would scan them until autovacuum does)."""
    if not index.transactional:
        pytest.skip("the PostgreSQL engine only: Whoosh has no GIN index")
    factories.make_challenge(session, title="Rừng ngập mặn")
    session.commit()
    assert services.rebuild(session) == 1
    assert services.search(SearchRequest("rung")).total == 1
    left = session.execute(text(
        "SELECT gin_clean_pending_list('ix_search_documents_head_tsv'::regclass),"
        " gin_clean_pending_list('ix_search_documents_tsv'::regclass)")).one()
    assert tuple(left) == (0, 0)


@pytest.mark.parametrize("procs", [1, 2])
def test_segments_are_written_as_separate_files(app, session, tmp_path, procs):
    """Not as compound files, which Whoosh copies into each reading process's memory."""
    backend = WhooshBackend(str(tmp_path / "files"), rebuild_procs=procs)
    with search_backend(app, backend), closing(backend):
        factories.make_challenge(session, title="Giám sát rừng")
        session.commit()
        services.rebuild(session)
        factories.make_challenge(session, title="Cảnh báo cháy rừng")
        session.commit()
        services.apply_pending(session)
        files = [p.name for p in (tmp_path / "files").iterdir()]
        assert not [name for name in files if name.endswith(".seg")], files
        assert any(name.endswith(".pst") for name in files)
        assert services.search(SearchRequest("rung")).total == 2


def test_pending_updates_are_applied_by_the_worker_not_the_request(app, session, whoosh_index):
    """The after-request hook only queues a job (issue 15); the worker writes the index."""
    from marketplace import jobs
    from marketplace.extensions import db
    from marketplace.search.routes import apply_pending_after_commit

    queue = jobs.jobs(app)
    queue.huey.immediate = False
    try:
        with app.test_request_context("/"):
            challenge = factories.make_challenge(db.session, title="Vệ tinh quan sát")
            db.session.commit()
            apply_pending_after_commit(app.response_class("ok"))
        assert found("ve tinh") == [] and pending(session) >= 1  # not in the request
        assert queue.huey.pending_count() == 1
        assert queue.drain() == 1
    finally:
        queue.huey.flush()
        queue.huey.immediate = True
    assert found("ve tinh") == [f"challenge:{challenge.id}"]
    assert pending(session) == 0


def test_the_database_engine_takes_changes_in_their_own_transaction(session, index):
    """PostgreSQL: the commit that changes a challenge changes what every host finds (no
    pending row left, no worker); a rolled-back change leaves the index as it was."""
    if not index.transactional:
        pytest.skip("the PostgreSQL engine only")
    challenge = factories.make_challenge(session, title="Đê điều ven biển")
    session.commit()
    assert pending(session) == 0
    assert found("de dieu") == [f"challenge:{challenge.id}"]
    challenge.title = "Kè chắn sóng"
    session.flush()
    session.rollback()
    assert found("de dieu") == [f"challenge:{challenge.id}"] and found("ke chan song") == []


def test_websearch_syntax_phrases_or_and_minus(session, index):
    """What users type: "a phrase", OR, -word (PostgreSQL's websearch_to_tsquery; Whoosh
    reads phrases)."""
    a = factories.make_challenge(session, title="Năng lượng mặt trời", problem="Điện mặt trời.")
    b = factories.make_challenge(session, title="Năng lượng gió", problem="Trời nhiều gió.")
    services.apply_pending(session)
    assert found('"mat troi"') == [f"challenge:{a.id}"]
    if index.transactional:
        assert set(found("gio OR dien")) == {f"challenge:{a.id}", f"challenge:{b.id}"}
        assert found("nang luong -gio") == [f"challenge:{a.id}"]


@pytest.fixture
def bounded(app, index):
    """The PostgreSQL engine counting, faceting and ranking at most 3 matches a search
    (`SEARCH_CANDIDATES`, 500 by default, in the product)."""
    if not index.transactional:
        pytest.skip("the PostgreSQL engine only: Whoosh counts every match")
    from marketplace.extensions import db
    from marketplace.search.postgres import PostgresBackend

    app.extensions["search_backend"] = PostgresBackend(lambda: db.session, limit=3)
    yield app.extensions["search_backend"]
    app.extensions["search_backend"] = index


def test_past_the_bound_the_count_says_more_and_title_matches_still_come_first(session,
                                                                               bounded):
    in_body = [factories.make_challenge(session, title=f"Giải pháp số {n}",
                                        problem="Cảnh báo sạt lở đất vùng núi.")
               for n in range(4)]
    in_title = factories.make_challenge(session, title="Cảnh báo sạt lở đất",
                                        problem="Vùng núi phía Bắc.")  # written last
    services.apply_pending(session)
    page = services.search(SearchRequest("sat lo dat"))
    assert page.hits[0].fields["doc_id"] == f"challenge:{in_title.id}"
    assert (page.total, page.total_exact, page.facets_exact, page.pages) == (3, False, False, 1)
    assert len(page.hits) == 3 and sum(page.facets["type"].values()) == 4  # the 4 read
    assert {h.fields["doc_id"] for h in page.hits[1:]} < {f"challenge:{c.id}" for c in in_body}


def test_up_to_the_bound_every_figure_is_exact(session, bounded):
    made = [factories.make_challenge(session, title=f"Xử lý rác thải {n}") for n in range(3)]
    services.apply_pending(session)
    page = services.search(SearchRequest("rac thai"))
    assert (page.total, page.total_exact, page.facets_exact) == (3, True, True)
    assert {h.fields["object_id"] for h in page.hits} == {c.id for c in made}
    assert services.search(SearchRequest("rac thai", per_page=2, page=2)).hits[0].fields[
        "object_id"] in {c.id for c in made}


def test_a_filter_finds_its_matches_past_the_first_ones(session, bounded):
    many, few = factories.make_agency(session), factories.make_agency(session)
    for n in range(4):
        factories.make_challenge(session, agency=many, title=f"Nước sạch nông thôn {n}")
    last = factories.make_challenge(session, agency=few, title="Nước sạch nông thôn")
    services.apply_pending(session)
    page = services.search(SearchRequest("nuoc sach", {"agency": str(few.id)}))
    assert [h.fields["object_id"] for h in page.hits] == [last.id]
    assert (page.total, page.total_exact, page.facets_exact) == (1, True, False)


def test_an_excluded_word_in_the_body_excludes_a_title_match(session, index):
    """`-word` is checked on the whole text, not only where the other words were found."""
    kept = factories.make_challenge(session, title="Năng lượng sạch", problem="Điện mặt trời.")
    factories.make_challenge(session, title="Năng lượng sạch", problem="Điện gió ven biển.")
    services.apply_pending(session)
    if index.transactional:
        assert found("nang luong -gio") == [f"challenge:{kept.id}"]


def test_a_deep_page_of_ranked_results_costs_what_the_first_does(app, session, index):
    """Issue 21: the PostgreSQL engine's pages are positions in the ranked candidates
    (at most 1,001 read), not an OFFSET: the first page and the last run the same one
    statement (counts, facets, the page's texts and highlights: one round trip), without
    OFFSET, and together with the pages between give the one ranking a single large page
    gives."""
    if not index.transactional:
        pytest.skip("the PostgreSQL engine only (Whoosh pages in its own searcher)")
    from sqlalchemy import event

    from marketplace.extensions import db

    agency = factories.make_agency(session)
    for n in range(11):
        factories.make_challenge(session, agency=agency, title=f"Điện mặt trời áp mái {n}",
                                 problem="Điện mặt trời cho trường học." * (n % 3 + 1))
    services.apply_pending(session)
    statements = []

    def capture(conn, cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    def page(number, per_page=2):
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            found = services.search(SearchRequest("dien mat troi", page=number,
                                                  per_page=per_page))
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
        return found, list(statements)

    whole, _ = page(1, per_page=50)
    first, at_first = page(1)
    last, at_last = page(6)
    assert (first.page, last.page, last.pages, len(last.hits)) == (1, 6, 6, 1)
    assert len(at_first) == len(at_last) == 1
    assert not [s for s in at_first + at_last if "OFFSET" in s.upper()]
    ranking = [h.fields["doc_id"] for h in whole.hits]
    pages = [h.fields["doc_id"] for n in range(1, 7) for h in page(n)[0].hits]
    assert len(ranking) == 11 and pages == ranking
    assert page(99)[0].hits[0].fields["doc_id"] == ranking[-1]  # past the end: the last


def test_the_search_statement_is_short_enough_for_psycopg_to_keep_its_conversion():
    """psycopg converts a statement's `%(name)s` parameters to `$n` on every run unless
    the statement is at most 4,096 bytes (psycopg._queries.MAX_CACHED_STATEMENT_LENGTH):
    0.3-0.45 ms a search at 7,000 bytes. The search without filters (with or without
    `-word`) stays under it."""
    from sqlalchemy.dialects import postgresql

    from marketplace.search.postgres import PostgresBackend

    engine = PostgresBackend(lambda: None)
    for negated in (False, True):
        compiled = engine._statement((), negated).compile(dialect=postgresql.psycopg.dialect())
        assert len(str(compiled).encode()) <= 4096
        assert len(compiled.params) <= 50  # psycopg's other bound for keeping it


def test_an_engine_served_for_a_while_leaves_the_app_as_it_found_it(app, tmp_path):
    """The app had made no engine yet: afterwards the next search makes one from the
    configuration, instead of finding the None a test put back (the XSS test's search
    pages failed whenever it ran first in its process)."""
    app.extensions.pop("search_backend", None)
    borrowed = WhooshBackend(str(tmp_path / "borrowed"))
    with app.app_context():
        with search_backend(app, borrowed), closing(borrowed):
            assert services.backend() is borrowed
        assert "search_backend" not in app.extensions
        made = services.backend()
        assert made is not None and made is not borrowed
        with search_backend(app, borrowed):
            pass
        assert services.backend() is made


def test_the_postgresql_engine_counts_as_many_candidates_as_configured(app):
    """`SEARCH_CANDIDATES` is the PostgreSQL engine's bound (issue 21); 500 by default."""
    from marketplace.search.backend import make_backend

    uri = "postgresql+psycopg://postgres@127.0.0.1:5432/unused"
    engine = make_backend({"SEARCH_BACKEND": "postgresql", "SQLALCHEMY_DATABASE_URI": uri,
                           "SEARCH_CANDIDATES": 120})
    assert engine.limit == 120
    assert make_backend({"SEARCH_BACKEND": "postgresql",
                         "SQLALCHEMY_DATABASE_URI": uri}).limit == 500
    assert app.config["SEARCH_CANDIDATES"] == 500
