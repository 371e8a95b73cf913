"""The array path for plain-word queries (`marketplace.search.matching`) must answer
exactly as Whoosh's own matcher does: the same totals, facet counts, ranking, pages and
highlights, on an index of several segments with replaced (deleted) documents."""

from __future__ import annotations

import random

import pytest
from whoosh.query import And, Or, Phrase, Term

from marketplace.search.backend import SearchRequest, WhooshBackend
from marketplace.search.matching import PostingCache, plain_words

WORDS = ["giao thông", "đô thị", "thông minh", "nước sạch", "Hà Nội", "Đà Nẵng", "y tế",
         "dữ liệu", "dữ liệu lớn", "cảm biến", "năng lượng", "điện mặt trời", "nông nghiệp", "rừng",
         "chuỗi khối", "bản đồ", "vệ tinh", "an ninh mạng", "trí tuệ nhân tạo", "cảng biển"]


def _document(rng: random.Random, n: int, version: int = 0) -> dict:
    def text(count):
        return " ".join(rng.choice(WORDS) for _ in range(count)) + "."

    return {"doc_id": f"challenge:{n}", "type": rng.choice(["challenge", "solution"]),
            "status": rng.choice(["published", "closed", "awarded"]),
            "group_id": str(rng.randint(1, 4)), "agency_id": str(rng.randint(1, 6)),
            "group": text(2), "agency": text(2), "title": f"{text(rng.randint(2, 5))} {n}",
            "body": text(rng.randint(3, 40)), "clarifications": text(rng.randint(0, 6)),
            "place": text(1), "solver": text(rng.randint(0, 2)), "object_id": n,
            "challenge_id": n, "extra": {"version": version}}


@pytest.fixture(scope="module")
def backends(tmp_path_factory):
    """One index written in three commits (three segments), a fifth of its documents
    replaced by the last (deleted in their old segment); read by both paths."""
    path = str(tmp_path_factory.mktemp("matching") / "index")
    rng = random.Random(20261123)
    writer = WhooshBackend(path)
    for start in (0, 150, 300):
        with writer.batch(timeout=5) as batch:
            for n in range(start, start + 150):
                batch.upsert(_document(rng, n))
    with writer.batch(timeout=5) as batch:
        for n in range(0, 450, 5):
            batch.upsert(_document(rng, n, version=1))
        batch.delete("challenge:7")
    arrays, whoosh = WhooshBackend(path), WhooshBackend(path, array_matching=False)
    yield arrays, whoosh
    for backend in (writer, arrays, whoosh):
        backend.close()


def _same(a, b):
    assert (a.total, a.page, a.pages) == (b.total, b.page, b.pages)
    assert a.facets == b.facets
    assert [h.fields["doc_id"] for h in a.hits] == [h.fields["doc_id"] for h in b.hits]
    assert [h.fields["extra"] for h in a.hits] == [h.fields["extra"] for h in b.hits]
    assert [h.score for h in a.hits] == pytest.approx([h.score for h in b.hits], rel=1e-6)
    assert [h.title_html for h in a.hits] == [h.title_html for h in b.hits]
    assert [h.snippet_html for h in a.hits] == [h.snippet_html for h in b.hits]


@pytest.mark.parametrize("text", ["rừng", "thong minh", "Hà Nội", "chuỗi khối", "du lieu lon",
                                  "DA NANG cảng", "điện mặt trời", "ve tinh y te", "khong co"])
@pytest.mark.parametrize("filters", [{}, {"status": "closed"}, {"type": "solution",
                                                                 "agency": "3"},
                                     {"group": "9"}])
@pytest.mark.parametrize("page", [1, 3, 99])
def test_the_array_path_answers_as_whoosh_does(backends, text, filters, page):
    arrays, whoosh = backends
    request = SearchRequest(text, filters, page=page, per_page=7)
    a, b = arrays.search(request), whoosh.search(request)
    _same(a, b)
    if text != "khong co" and not filters:
        assert a.total > 0


def test_the_index_has_several_segments_and_deletions(backends):
    arrays, _whoosh = backends
    searcher = arrays._current_searcher()
    leaves = [sub.reader() for sub, _offset in searcher.leaf_searchers()]
    assert len(leaves) >= 2 and any(reader.has_deletions() for reader in leaves)
    page = arrays.search(SearchRequest("giao thong", per_page=500))
    ids = [h.fields["doc_id"] for h in page.hits]
    assert len(ids) == len(set(ids)) and "challenge:7" not in ids  # replaced once, deleted
    assert all(h.fields["extra"] == {"version": 1} for h in page.hits
               if int(h.fields["doc_id"].split(":")[1]) % 5 == 0)


def test_only_plain_words_take_the_array_path():
    words = plain_words(And([Or([Term("title", "rung", boost=3.0), Term("body", "rung")]),
                             Term("body", "ven")]))
    assert words == [("rung", {"title": 3.0, "body": 1.0}), ("ven", {"body": 1.0})]
    assert plain_words(Or([Term("title", "a"), Term("body", "b")])) is None
    assert plain_words(Phrase("body", ["ha", "noi"])) is None
    assert plain_words(And([Or([Term("title", "a")]), Phrase("body", ["ha", "noi"])])) is None


def test_phrases_and_operators_still_work_through_whoosh(backends):
    arrays, whoosh = backends
    for text in ['"thong minh"', "rung OR bien", "giao NOT thong", "rừng AND (cang OR y)"]:
        _same(arrays.search(SearchRequest(text)), whoosh.search(SearchRequest(text)))


def test_the_posting_cache_holds_at_most_its_budget():
    import numpy as np

    cache = PostingCache(max_postings=10)
    for n in range(5):
        cache.put(("s", "title", f"w{n}"), (np.arange(4, dtype=np.int32),
                                            np.ones(4, dtype=np.float32)))
    assert cache.held <= 10 and cache.get(("s", "title", "w0")) is None
    assert cache.get(("s", "title", "w4")) is not None
    cache.put(("s", "body", "huge"), (np.arange(11, dtype=np.int32),
                                      np.ones(11, dtype=np.float32)))
    assert cache.get(("s", "body", "huge")) is None  # larger than the whole budget
    cache.forget_segments({"other"})
    assert cache.held == 0


def test_kept_scores_follow_the_index_when_it_changes(tmp_path):
    """Word scores are kept between queries; a commit (new segment, new idf, replaced
    documents) must give the answer a fresh Whoosh matcher gives."""
    path = str(tmp_path / "changing")
    rng = random.Random(7)
    writer, arrays = WhooshBackend(path), WhooshBackend(path)
    whoosh = WhooshBackend(path, array_matching=False)
    with writer.batch(timeout=5) as batch:
        for n in range(40):
            batch.upsert(_document(rng, n))
    request = SearchRequest("rừng thông minh", per_page=50)
    _same(arrays.search(request), whoosh.search(request))
    assert arrays._arrays.words.held > 0
    with writer.batch(timeout=5) as batch:
        for n in range(20, 70):
            batch.upsert(_document(rng, n, version=2))
    _same(arrays.search(request), whoosh.search(request))
    for backend in (writer, arrays, whoosh):
        backend.close()


@pytest.mark.parametrize("text", ["rừng", "thong minh", "Hà Nội", "du lieu lon", "khong co",
                                  '"thong minh"', '"du lieu" rừng'])
@pytest.mark.parametrize("doc_type", ["challenge", "solution"])
def test_matching_ids_are_the_object_ids_of_the_live_matches(backends, text, doc_type):
    """The list's ?q= (`matching_ids`): each live matching document's stored object id,
    on either path (`arrays` the array path, `whoosh` Whoosh's matcher), read from the
    doc_id terms (not the stored fields), replaced documents found once."""
    arrays, whoosh = backends
    searcher = whoosh._current_searcher()
    query = whoosh._parse(whoosh._open(), text)
    expected = sorted({searcher.stored_fields(docnum)["object_id"]
                       for docnum in searcher.docs_for_query(query)
                       if searcher.stored_fields(docnum)["type"] == doc_type})
    assert arrays.matching_ids(text, doc_type) == expected
    assert whoosh.matching_ids(text, doc_type) == expected
    if text != "khong co":
        assert expected


def test_object_ids_are_read_from_every_segment(backends):
    from marketplace.search.matching import read_object_ids

    arrays, _whoosh = backends
    searcher = arrays._current_searcher()
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        ids = read_object_ids(reader)
        assert len(ids) == reader.doc_count_all()
        assert ids.tolist() == [reader.stored_fields(d)["object_id"]
                                for d in range(reader.doc_count_all())]
