"""A rebuild's own writer (`marketplace.search.building`) must write what Whoosh's
writer writes for the same documents: the same terms, postings (numbers, weights,
positions), term statistics, field lengths and stored fields; spread over processes
and segments, the same documents and the same scores. A failed rebuild leaves the index
as it was."""

from __future__ import annotations

import random

import pytest
from whoosh import index

from marketplace.search.backend import IndexBusy, SearchRequest, WhooshBackend, _schema
from marketplace.search.building import RebuildFailed
from tests.test_search_matching import _document


def _documents(count: int = 300) -> list[dict]:
    rng = random.Random(7)
    docs = [_document(rng, n) for n in range(count)]
    docs[3]["body"] = ""  # an empty field: no length, no posting
    docs[4]["clarifications"] = None  # a missing field
    docs[5]["body"] = "Đường " * 300 + "cuối"  # a long field: its length in one byte
    return docs


def _reference(path, docs: list[dict]) -> None:
    """Whoosh's own writer, one segment."""
    path.mkdir()
    ix = index.create_in(str(path), _schema())
    writer = ix.writer()
    for doc in docs:
        writer.add_document(**{k: v for k, v in doc.items() if v is not None})
    writer.commit()


def _rebuilt(path, docs: list[dict], **options) -> WhooshBackend:
    backend = WhooshBackend(str(path), **options)
    with backend.batch(timeout=5, clear=True) as batch:
        for doc in docs:
            batch.upsert(doc)
    return backend


def _postings(reader, fieldname, text):
    matcher = reader.postings(fieldname, text)
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return found


def _segment_contents(reader) -> dict:
    """Everything a segment holds that a search reads."""
    terms = {}
    for fieldname, text in reader.all_terms():
        info = reader.term_info(fieldname, text)
        terms[(fieldname, text)] = (
            info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
            info.max_weight(), _postings(reader, fieldname, text))
    fields = [name for name in reader.schema.names() if reader.schema[name].scorable]
    return {
        "terms": terms,
        "lengths": [[reader.doc_field_length(n, name) for name in fields]
                    for n in range(reader.doc_count_all())],
        "totals": {name: reader.field_length(name) for name in fields},
        "stored": list(reader.all_stored_fields()),
    }


def test_one_segment_is_what_whoosh_writes(tmp_path):
    docs = _documents()
    _reference(tmp_path / "whoosh", docs)
    backend = _rebuilt(tmp_path / "built", docs, rebuild_procs=1)
    with index.open_dir(str(tmp_path / "whoosh")).reader() as expected, \
            index.open_dir(str(tmp_path / "built")).reader() as built:
        assert built.segment() is not None  # one segment, as the reference
        assert _segment_contents(built) == _segment_contents(expected)
    backend.close()


def _by_document(path) -> dict:
    """doc_id → its terms with weights and positions, over every segment."""
    found = {}
    with index.open_dir(str(path)).reader() as reader:
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            while matcher.is_active():
                doc_id = reader.stored_fields(matcher.id())["doc_id"]
                found.setdefault(doc_id, set()).add(
                    (fieldname, text, matcher.weight(), matcher.value()))
                matcher.next()
        segments = len(reader.leaf_readers())
    return found, segments


def _answers(backend) -> list:
    return [sorted((round(hit.score, 9), hit.fields["doc_id"]) for hit in
                   backend.search(SearchRequest(query, per_page=500)).hits)
            for query in ("giao thong", "du lieu lon", "ha noi", '"do thi"', "rung", "y te")]


@pytest.mark.parametrize("procs", [1, 2])
def test_several_segments_hold_the_same_documents_and_scores(tmp_path, monkeypatch, procs):
    from marketplace.search import building

    # batches of 20 documents; a segment is full after a few dozen documents
    monkeypatch.setattr(building, "BATCH", 20)
    monkeypatch.setattr(building, "POSTING_BYTES", 20_000)
    docs = _documents()
    _reference(tmp_path / "whoosh", docs)
    backend = _rebuilt(tmp_path / "built", docs, rebuild_procs=procs, rebuild_memory_mb=32)
    expected, _ = _by_document(tmp_path / "whoosh")
    built, segments = _by_document(tmp_path / "built")
    assert built == expected
    assert segments >= 4
    reference = WhooshBackend(str(tmp_path / "whoosh"))
    assert _answers(backend) == _answers(reference)
    reference.close()
    backend.close()


def test_a_segment_ends_at_the_memory_budget(tmp_path, monkeypatch):
    from marketplace.search import building

    monkeypatch.setattr(building, "POSTING_BYTES", 10_000_000)  # one document fills 256 MB
    backend = _rebuilt(tmp_path / "built", _documents(12), rebuild_procs=1)
    _, segments = _by_document(tmp_path / "built")
    assert segments == 12
    assert backend.search(SearchRequest("rung")).total == 9
    backend.close()


@pytest.mark.parametrize("procs", [1, 2])
def test_a_failed_rebuild_leaves_the_index_as_it_was(tmp_path, procs):
    backend = _rebuilt(tmp_path / "index", _documents(40), rebuild_procs=procs)
    before = backend.document_ids()
    broken = _documents(900)
    broken[700]["no_such_field"] = "x"  # Whoosh refuses the document
    expected_error = RebuildFailed if procs > 1 else Exception
    with pytest.raises(expected_error, match="no_such_field"), \
            backend.batch(timeout=5, clear=True) as batch:
        for doc in broken:
            batch.upsert(doc)
    assert backend.document_ids() == before
    # the lock is free again: the next rebuild goes through
    with backend.batch(timeout=1, clear=True) as batch:
        batch.upsert(_documents(10)[0])
    assert backend.document_ids() == {"challenge:0"}
    backend.close()


@pytest.mark.parametrize("procs", [1, 2])
def test_a_rebuild_waits_for_the_writer_and_says_when_it_is_busy(tmp_path, procs):
    backend = _rebuilt(tmp_path / "index", _documents(10), rebuild_procs=procs)
    before = backend.document_ids()
    holder = backend._open().writer()  # another process's incremental update, say
    try:
        with pytest.raises(IndexBusy), backend.batch(timeout=0.05, clear=True) as batch:
            batch.upsert(_documents(20)[15])
    finally:
        holder.cancel()
    assert backend.document_ids() == before
    backend.close()
