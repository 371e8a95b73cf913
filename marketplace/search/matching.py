"""Plain-word queries answered with arrays instead of Whoosh's matcher.

What most visitors type is a few words. Whoosh answers such a query by stepping its
matcher through every matching document in Python, because the page needs exact totals
and facet counts: tens of milliseconds once a word is common. Here the same query — every
word in at least one field, each (word, field) scored by Whoosh's own BM25F with the
field's boost — runs as numpy operations over the segment's posting lists:

- a posting list (document numbers and term frequencies) is read from the segment once
  and kept in a bounded cache: segments never change once written, so an entry is never
  stale; deleted documents are removed with the segment's current deletions per query;
- field lengths and the facet values of every document are read once per segment;
- matching, scoring, filtering, facet counts and the top of the ranking are array
  operations, whatever the number of matches.

The ranking is Whoosh's (same idf, average field length, B and K1, ties broken by
document number); tests compare both on the same index. Anything else the query parser
understands (phrases, operators, field names) stays with Whoosh's matcher."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.query import And, Or, Query, Term
from whoosh.scoring import BM25F
from whoosh.util.numeric import _length_byte_cache

LENGTHS = np.asarray(_length_byte_cache, dtype=np.float64)  # Whoosh's byte → length table
EMPTY_IDS = np.zeros(0, dtype=np.int32)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)


def plain_words(query: Query) -> list[tuple[str, dict[str, float]]] | None:
    """[(word, {field: boost})] when `query` is only "every word, in any field": an And of
    Ors of Terms (or one such Or) whose Terms in each Or share one word. None otherwise."""
    groups = query.subqueries if type(query) is And else [query]
    words = []
    for group in groups:
        terms = group.subqueries if type(group) is Or else [group]
        if not terms or any(type(t) is not Term for t in terms):
            return None
        if type(group) is Or and (group.boost != 1.0 or group.minmatch or group.scale):
            return None
        texts = {t.text for t in terms}
        if len(texts) != 1:
            return None
        words.append((texts.pop(), {t.fieldname: t.boost for t in terms}))
    if type(query) is And and query.boost != 1.0:
        return None
    return words


class PostingCache:
    """key → (document numbers, values): least recently used first out, bounded by the
    number of documents held. Posting lists: (segment, field, word) → (int32 numbers,
    float32 term frequencies), 8 bytes a posting; word scores: 16 bytes a document."""

    def __init__(self, max_postings: int) -> None:
        self.max_postings = max_postings
        self.held = 0
        self._data: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: tuple, value: tuple[np.ndarray, np.ndarray]) -> None:
        size = len(value[0])
        if size > self.max_postings:
            return
        with self._lock:
            if key in self._data:
                return
            self._data[key] = value
            self.held += size
            while self.held > self.max_postings:
                _key, (ids, _weights) = self._data.popitem(last=False)
                self.held -= len(ids)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.held = 0

    def forget_segments(self, alive: set[str]) -> None:
        with self._lock:
            for key in [k for k in self._data if k[0] not in alive]:
                self.held -= len(self._data.pop(key)[0])


def read_postings(reader, field: str, word: str) -> tuple[np.ndarray, np.ndarray]:
    """Every posting of `word` in `field` of one segment, deleted documents included."""
    if (field, word) not in reader:
        return EMPTY_IDS, EMPTY_WEIGHTS
    matcher = reader.postings(field, word)
    ids: list[int] = []
    weights: list[float] = []
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_lastblock"):
        # Whoosh 3 block postings: a block at a time, not a posting at a time.
        while True:
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            if matcher._lastblock:
                break
            matcher._next_block()
    else:  # inlined postings (a word in a single document)
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32)


def read_object_ids(reader) -> np.ndarray:
    """The object id of every document of one segment by document number (-1: not read),
    from the terms of its `doc_id` field, "<type>:<object id>" (`documents.challenge_doc_id`,
    `solution_doc_id`). The terms are read in order with their term info, which names the
    document of a term held by one (nearly every term: a replaced document's old copy in
    another segment is only marked deleted); about 10 µs a document, where reading its
    stored fields (to find `object_id`) decompresses the whole document (~100 µs)."""
    ids = np.full(reader.doc_count_all(), -1, dtype=np.int64)
    if "doc_id" not in reader.indexed_field_names():
        return ids
    for term, info in reader.iter_field("doc_id"):
        _type, _colon, number = term.rpartition(b":")
        if not number.isdigit():
            continue
        if info.doc_frequency() == 1:
            ids[info.min_id()] = int(number)
        else:
            ids[list(reader.postings("doc_id", term).all_ids())] = int(number)
    return ids


@dataclass
class Segment:
    """What is read once from one segment: field lengths and facet value codes."""

    lengths: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]  # facet → value code per document (0: none)
    values: dict[str, list[str]]  # facet → code → value


def _length_bytes(reader, field: str, count: int) -> np.ndarray:
    """The field's length byte of every document: Whoosh 3 keeps them as a column of one
    byte per document, read here at once (one call per document otherwise)."""
    name = f"_{field}_len"
    perdoc = getattr(reader, "_perdoc", None)
    raw = np.zeros(count, dtype=np.uint8)
    try:
        if perdoc is None or not perdoc.has_column(name):
            raise LookupError(name)
        column = perdoc.column_reader(name, LENGTHS_COLUMN)
        stored = np.frombuffer(column._dbfile.get(column._basepos, column._count),
                               dtype=np.uint8)
        raw[:min(len(stored), count)] = stored[:count]
    except (AttributeError, LookupError):  # another codec: the public way, slower
        for docnum in range(count):
            length = reader.doc_field_length(docnum, field) or 0
            raw[docnum] = np.searchsorted(LENGTHS, length)
    return raw


def _deleted(reader) -> np.ndarray:
    """The segment's deleted document numbers, as they are now (they change as documents
    are replaced; the segment's postings do not)."""
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is not None and hasattr(perdoc, "deleted_docs"):
        return np.fromiter(perdoc.deleted_docs(), dtype=np.int64)
    return np.fromiter((d for d in range(reader.doc_count_all()) if reader.is_deleted(d)),
                       dtype=np.int64)


def read_segment(reader, text_fields, facet_fields: dict[str, str]) -> Segment:
    count = reader.doc_count_all()
    lengths = {field: LENGTHS[_length_bytes(reader, field, count)] for field in text_fields}
    codes, values = {}, {}
    for name, field in facet_fields.items():
        column = reader.column_reader(field) if reader.has_column(field) else None
        seen: dict[str, int] = {"": 0}
        if column is None:
            codes[name] = np.zeros(count, dtype=np.int32)
        else:
            codes[name] = np.fromiter((seen.setdefault(v or "", len(seen)) for v in column),
                                      dtype=np.int32, count=count)
        values[name] = list(seen)
    return Segment(lengths, codes, values)


@dataclass
class Matches:
    """The outcome of one query over the whole index (global document numbers)."""

    total: int
    top: list[tuple[int, float]]  # (document number, score), best first
    facets: dict[str, dict[str, int]]


class ArrayMatcher:
    """Answers plain-word queries over a Whoosh searcher; kept per backend, per process."""

    def __init__(self, text_fields, facet_fields: dict[str, str],
                 max_postings: int = 2_000_000) -> None:
        self.text_fields = tuple(text_fields)
        self.facet_fields = dict(facet_fields)
        self.postings = PostingCache(max_postings)
        self.words = PostingCache(max_postings)  # word → (documents, scores), see `_word`
        self._words_key: tuple | None = None
        self._segments: dict[str, Segment] = {}
        self._combined_key: tuple | None = None
        self._combined: tuple[dict, dict] = ({}, {})

    def _segment(self, segment_id: str, reader) -> Segment:
        segment = self._segments.get(segment_id)
        if segment is None:
            segment = read_segment(reader, self.text_fields, self.facet_fields)
            self._segments[segment_id] = segment
        return segment

    def _postings(self, segment_id: str, reader, field: str, word: str):
        key = (segment_id, field, word)
        value = self.postings.get(key)
        if value is None:
            value = read_postings(reader, field, word)
            self.postings.put(key, value)
        return value

    def _word(self, searcher, leaves, word: str, boosts: dict[str, float], b: float,
              k1: float) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding `word` in any of the fields, and the word's score in each
        (the sum over fields of boost × BM25F, in field order as Whoosh sums them); kept
        until the index's segments change (they fix idf and average lengths)."""
        key = (word, tuple(boosts.items()))
        entry = self.words.get(key)
        if entry is not None:
            return entry
        all_ids, all_scores = [], []
        for field, boost in boosts.items():
            found = [(segment_id, reader, offset, *self._postings(segment_id, reader,
                                                                    field, word))
                     for segment_id, reader, offset in leaves]
            if not any(len(ids) for *_where, ids, _tf in found):
                continue  # (and no idf: the index may be empty)
            idf = searcher.idf(field, word)
            average = searcher.avg_field_length(field) or 1
            for segment_id, reader, offset, ids, tf in found:
                if len(ids):
                    lengths = self._segment(segment_id, reader).lengths[field][ids]
                    all_ids.append(ids.astype(np.int64) + offset)
                    all_scores.append(boost * idf * (tf * (k1 + 1)) / (
                        tf + k1 * ((1 - b) + b * lengths / average)))
        if all_ids:
            docs, where = np.unique(np.concatenate(all_ids), return_inverse=True)
            entry = (docs, np.bincount(where, weights=np.concatenate(all_scores)))
        else:
            entry = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
        self.words.put(key, entry)
        return entry

    def _forget(self, leaves) -> None:
        """Lets go of what was read from segments that are no longer the index's."""
        alive_ids = {segment_id for segment_id, _reader, _offset in leaves}
        if set(self._segments) - alive_ids:
            self._segments = {k: v for k, v in self._segments.items() if k in alive_ids}
            self.postings.forget_segments(alive_ids)

    def run(self, searcher, leaves, words, filters: dict[str, str], limit: int) -> Matches:
        """`leaves`: [(segment id, reader, offset)] in document number order."""
        self._forget(leaves)
        size = searcher.doc_count_all()
        weighting = searcher.weighting
        b = weighting.B if isinstance(weighting, BM25F) else 0.75
        k1 = weighting.K1 if isinstance(weighting, BM25F) else 1.2
        leaf_key = tuple((segment_id, offset) for segment_id, _reader, offset in leaves)
        if leaf_key != self._words_key:  # other segments: other idf, other numbering
            self.words.clear()
            self._words_key = leaf_key
        score = np.zeros(size, dtype=np.float64)
        found = np.zeros(size, dtype=np.uint8)  # how many of the words each document has
        for word, boosts in words:
            ids, scores = self._word(searcher, leaves, word, boosts, b, k1)
            score[ids] += scores
            found[ids] += 1
        matched = found == len(words)
        for _segment_id, reader, offset in leaves:
            if reader.has_deletions():
                matched[_deleted(reader) + offset] = False

        codes, values = self._facet_codes(leaves, size)
        passing = self._passing(codes, values, filters, size)
        facets = {}
        for name in codes:
            counted = matched
            for other, mask in passing.items():
                if other != name:
                    counted = counted & mask
            counts = np.bincount(codes[name][counted], minlength=len(values[name]))
            facets[name] = {values[name][code]: int(n)
                            for code, n in enumerate(counts) if n and code}
        accepted = matched
        for mask in passing.values():
            accepted = accepted & mask
        docs = np.flatnonzero(accepted)
        top = self._best(docs, score[docs], limit)
        return Matches(len(docs), top, facets)

    def matching(self, searcher, leaves, words, filters: dict[str, str]) -> np.ndarray:
        """The global numbers of the live documents holding every word (in any of its
        fields) that pass `filters`, ascending: what `run` counts, without scores, facet
        counts or ranking."""
        self._forget(leaves)
        size = searcher.doc_count_all()
        found = np.zeros(size, dtype=np.uint8)
        for word, boosts in words:
            found[self._documents(leaves, word, boosts)] += 1
        accepted = found == len(words)
        for _segment_id, reader, offset in leaves:
            if reader.has_deletions():
                accepted[_deleted(reader) + offset] = False
        codes, values = self._facet_codes(leaves, size)
        for mask in self._passing(codes, values, filters, size).values():
            accepted &= mask
        return np.flatnonzero(accepted)

    def _documents(self, leaves, word: str, boosts: dict[str, float]) -> np.ndarray:
        """The global numbers of the documents holding `word` in any of the fields of
        `boosts` (deleted ones included), from the cached posting lists."""
        parts = [ids.astype(np.int64) + offset
                 for field in boosts for segment_id, reader, offset in leaves
                 for ids in (self._postings(segment_id, reader, field, word)[0],) if len(ids)]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    @staticmethod
    def _passing(codes, values, filters: dict[str, str], size: int) -> dict[str, np.ndarray]:
        """Facet → which documents have the filter's value (none, for a value no document
        has)."""
        passing = {}
        for name, value in filters.items():
            try:
                code = values[name].index(value)
            except ValueError:
                passing[name] = np.zeros(size, dtype=bool)
            else:
                passing[name] = codes[name] == code
        return passing

    def _facet_codes(self, leaves, size):
        """Facet → global code per document, and code → value, over every segment;
        made again only when the segments change."""
        key = tuple((segment_id, offset) for segment_id, _reader, offset in leaves)
        if key != self._combined_key:
            self._combined = self._combine(leaves, size)
            self._combined_key = key
        return self._combined

    def _combine(self, leaves, size):
        names = list(self.facet_fields)
        values = {name: [""] for name in names}
        index = {name: {"": 0} for name in names}
        parts = {name: [] for name in names}
        for segment_id, reader, _offset in leaves:
            segment = self._segment(segment_id, reader)
            for name in names:
                local = segment.values[name]
                mapping = np.fromiter(
                    (index[name].setdefault(v, len(index[name])) for v in local),
                    dtype=np.int32, count=len(local))
                parts[name].append(mapping[segment.codes[name]])
        for name in names:
            values[name] = list(index[name])
        codes = {name: (np.concatenate(parts[name]) if parts[name]
                        else np.zeros(size, dtype=np.int32)) for name in names}
        return codes, values

    @staticmethod
    def _best(docs: np.ndarray, scores: np.ndarray, limit: int) -> list[tuple[int, float]]:
        """The `limit` best by score, ties by document number (Whoosh's order)."""
        if limit <= 0 or not len(docs):
            return []
        if len(docs) > limit:
            cut = np.partition(scores, len(scores) - limit)[len(scores) - limit]
            keep = scores >= cut
            docs, scores = docs[keep], scores[keep]
        order = np.lexsort((docs, -scores))[:limit]
        return [(int(docs[i]), float(scores[i])) for i in order]
