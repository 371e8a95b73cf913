"""The search engine behind one small interface, so that another engine (one that many
hosts can share) can replace Whoosh by configuration, not by a rewrite.

A document is a plain dict (see `documents.py`); the engine knows nothing of the
database. `batch()` holds the engine's single writer: everything done inside it is
committed together, and `IndexBusy` says the writer could not be had in time."""

from __future__ import annotations

import html
import math
import os
import re
import threading
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import numpy as np
from whoosh import highlight, index
from whoosh.collectors import TopCollector
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.qparser import (
    BoostPlugin,
    EveryPlugin,
    FieldsPlugin,
    MultifieldParser,
    RangePlugin,
    SingleQuotePlugin,
    WildcardPlugin,
)
from whoosh.query import And, NullQuery, Or, Query, Term

from marketplace.search.analysis import fold, nfc, vietnamese_analyzer
from marketplace.search.building import Committer, Rebuild
from marketplace.search.matching import ArrayMatcher, plain_words, read_object_ids

FACETS = ("type", "group", "status", "agency")  # the filters, each counted
TEXT_FIELDS = ("title", "body", "clarifications", "agency", "group", "place", "solver")
BOOSTS = {"title": 3.0, "agency": 1.5, "group": 1.5, "solver": 1.5}
MAX_QUERY_LENGTH = 200
OPEN_ATTEMPTS = 5  # reading the newest index generation while other processes commit


class IndexBusy(Exception):
    """Another process holds the index writer; try again later."""


class QueryError(Exception):
    """The query has nothing to search for."""


@dataclass
class SearchRequest:
    text: str
    filters: dict[str, str] = field(default_factory=dict)  # facet name → value
    page: int = 1
    per_page: int = 10


@dataclass
class Hit:
    fields: dict
    title_html: str  # escaped; only <mark> added
    snippet_html: str
    score: float


@dataclass
class SearchPage:
    hits: list[Hit]
    total: int  # the matches; when not `total_exact`, a lower bound: "more than `total`"
    page: int
    pages: int
    facets: dict[str, dict[str, int]]  # facet → value → count (other filters applied)
    # False when the engine stopped counting at a bound (PostgreSQL: `CANDIDATES`): more
    # than `total` documents match, and only the first `total` can be paged through
    total_exact: bool = True
    # False when the facets were counted among the first `limit` matches only
    facets_exact: bool = True
    limit: int | None = None  # the matches an engine counts at most (None: all)


class IndexBatch(ABC):
    @abstractmethod
    def upsert(self, doc: dict) -> None: ...

    @abstractmethod
    def delete(self, doc_id: str) -> None: ...


class SearchBackend(ABC):
    # True: the engine writes in the database transaction of the change itself
    # (`events.py` applies pending rows before each commit); False: after it, by a worker
    transactional = False

    @abstractmethod
    @contextmanager
    def batch(self, *, timeout: float, clear: bool = False) -> Iterator[IndexBatch]:
        """The writer: changes inside are committed at exit; `clear` drops everything
        first (a rebuild). Raises `IndexBusy` when the writer is not free in time."""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchPage: ...

    @abstractmethod
    def document_ids(self) -> set[str]: ...

    @abstractmethod
    def matching_ids(self, text: str, doc_type: str):
        """The `object_id`s of the documents of `doc_type` ("challenge", "solution") that
        `text` matches, as `search` reads it: something `column.in_()` takes (a list, or
        a subquery of the engine's table). Raises `QueryError` when `text` has no word."""

    def check(self) -> None:
        """Raise when the index cannot be read (`/readyz`); cheap. By default, a search."""
        self.search(SearchRequest(text=""))

    def more_like(self, text: str, *, doc_type: str = "challenge", top: int = 8) -> list[dict]:
        """The stored fields of the `top` documents of `doc_type` most like `text` (a
        draft's words), best first (issue 17: not buying the same experiment twice). By
        default a search for any of the text's key words (`key_words`), which every
        engine's query language reads as OR; Whoosh overrides it with "more like this"."""
        words = key_words(text)
        if not words:
            return []
        page = self.search(SearchRequest(text=" OR ".join(words),
                                         filters={"type": doc_type}, per_page=top))
        return [hit.fields for hit in page.hits]

    def similar_ids(self, text: str, *, doc_type: str = "challenge", top: int = 8):
        """The `object_id`s of `more_like(text)`: something `column.in_()` takes (a list,
        best first; or a subquery of the engine's table, which costs the caller no
        statement of its own). By default the ids of `more_like`."""
        return [int(fields["object_id"]) for fields in
                self.more_like(text, doc_type=doc_type, top=top)]


# Folded Vietnamese function words of three letters or more: they say nothing of a topic.
FUNCTION_WORDS = frozenset((
    "cac", "cho", "cua", "tai", "bang", "voi", "nhung", "duoc", "trong", "theo", "khi", "mot",
    "nay", "den", "tren", "can", "cung", "nhu", "sau", "truoc", "hay", "hoac", "neu", "thi",
    "rat", "nhieu", "moi", "tung", "qua", "vao", "lai", "con", "hon", "nhat"))


def key_words(text: str, limit: int = 12) -> list[str]:
    """The most frequent folded words of `text` of three letters or more ("đường" →
    "duong"), without function words, most frequent first, at most `limit`: what a
    similarity search looks for."""
    counts = Counter(word for word in re.findall(r"\w+", fold(text or ""))
                     if len(word) >= 3 and not word.isdigit() and word not in FUNCTION_WORDS)
    return [word for word, _n in counts.most_common(limit)]


# --- Whoosh ------------------------------------------------------------------------

def _schema() -> Schema:
    analyzer = vietnamese_analyzer()
    return Schema(
        doc_id=ID(stored=True, unique=True),
        type=ID(stored=True, sortable=True),
        group=TEXT(analyzer=analyzer, stored=True),
        status=ID(stored=True, sortable=True),
        agency=TEXT(analyzer=analyzer, stored=True),
        group_id=ID(stored=True, sortable=True),
        agency_id=ID(stored=True, sortable=True),
        object_id=NUMERIC(stored=True),
        challenge_id=NUMERIC(stored=True),
        title=TEXT(analyzer=analyzer, stored=True),
        body=TEXT(analyzer=analyzer, stored=True),
        clarifications=TEXT(analyzer=analyzer, stored=True),
        place=TEXT(analyzer=analyzer, stored=True),
        solver=TEXT(analyzer=analyzer, stored=True),
        extra=STORED(),
    )


# The facet's name in requests → the index field that holds its value.
FACET_FIELDS = {"type": "type", "group": "group_id", "status": "status", "agency": "agency_id"}


class MarkFormatter(highlight.Formatter):
    """Escapes everything; the only markup added is <mark>."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text)

    def format_token(self, text, token, replace=False):
        return "<mark>" + html.escape(highlight.get_text(text, token, replace)) + "</mark>"


def _fields(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if v is not None}


class _WhooshBatch(IndexBatch):
    def __init__(self, writer) -> None:
        self.writer = writer

    def upsert(self, doc: dict) -> None:
        self.writer.update_document(**_fields(doc))

    def delete(self, doc_id: str) -> None:
        self.writer.delete_by_term("doc_id", doc_id)


class _RebuildBatch(IndexBatch):
    def __init__(self, rebuild: Rebuild) -> None:
        self.rebuild = rebuild

    def upsert(self, doc: dict) -> None:
        self.rebuild.add(_fields(doc))

    def delete(self, doc_id: str) -> None:
        pass  # the index is being replaced: it holds nothing to delete


def _segment_id(reader) -> str:
    segment = reader.segment()
    return segment.segment_id() if segment is not None else ""  # "": an empty index


class _PageCollector(TopCollector):
    """One pass over every match: remembers all matching documents (for the facet
    counts) and keeps the best `limit` of those that pass the filters (the page).
    Every match has to be seen, so none of the top-N pruning may happen: no block-
    quality skipping, and the minimum score stays 0 (with a higher one, the matcher's
    `replace()` drops the parts of the query that cannot reach it, and their matches)."""

    def __init__(self, limit: int, accept) -> None:
        super().__init__(limit=limit, usequality=False)
        self.accept = accept

    def _collect(self, global_docnum, score):
        self.docset.add(global_docnum)
        if self.accept is None or self.accept(global_docnum):
            result = super()._collect(global_docnum, score)
            self.minscore = 0
            return result
        return 0


class WhooshBackend(SearchBackend):
    """Opens the index once and keeps one searcher per process, refreshed only when the
    index has changed; the facet values of every document are read once per segment
    (segments never change once written) and kept with it."""

    def __init__(self, path: str, *, rebuild_procs: int = 1, array_matching: bool = True,
                 max_cached_postings: int = 2_000_000, rebuild_memory_mb: int = 256) -> None:
        self.path = path
        self.rebuild_procs = max(1, rebuild_procs)
        # The postings a rebuild's process keeps before it writes them out as a segment
        # (and starts the next): fewer, larger segments with more.
        self.rebuild_memory_mb = max(32, rebuild_memory_mb)
        # Plain-word queries: numpy over cached posting lists (see `matching`).
        self._arrays = (ArrayMatcher(TEXT_FIELDS, FACET_FIELDS, max_cached_postings)
                        if array_matching else None)
        self._ix = None
        self._searcher = None
        self._lock = threading.Lock()  # one searcher, used by one request at a time
        self._segment_values: dict[str, dict[str, list[str]]] = {}
        self._values_key: tuple | None = None
        self._values: dict[str, list[str]] = {}
        self._segment_objects: dict[str, np.ndarray] = {}
        self._objects_key: tuple | None = None
        self._objects = np.zeros(0, dtype=np.int64)

    def _open(self):
        if self._ix is not None:
            return self._ix
        for attempt in range(OPEN_ATTEMPTS):
            try:
                if index.exists_in(self.path):
                    self._ix = index.open_dir(self.path)
                    return self._ix
                break
            except FileNotFoundError:
                # Another process committed between Whoosh listing the generations and
                # reading the newest one, whose file it then deleted: read again.
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        os.makedirs(self.path, exist_ok=True)
        # create_in wipes an index: only one process may create it, and only once.
        guard = FileStorage(self.path).lock("CREATE_LOCK")
        guard.acquire(blocking=True)
        try:
            if index.exists_in(self.path):
                self._ix = index.open_dir(self.path)
            else:
                self._ix = index.create_in(self.path, _schema())
        finally:
            guard.release()
        return self._ix

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None

    def __del__(self) -> None:
        # The kept searcher holds one open file per column of each segment: close them
        # with the backend rather than leave them to the garbage collector.
        with suppress(Exception):  # nothing more to do at teardown
            self.close()

    @contextmanager
    def batch(self, *, timeout: float, clear: bool = False) -> Iterator[IndexBatch]:
        ix = self._open()
        if clear:
            with self._rebuild(ix, timeout) as batch:
                yield batch
            return
        # Segments stay separate files, read through the file system's cache: a compound
        # segment would be copied into every process's own memory once opened (Whoosh
        # reads its parts as in-memory buffers), about 1 GB per worker at 100k challenges.
        try:
            writer = ix.writer(timeout=timeout, delay=0.02, compound=False)
        except LockError as error:
            raise IndexBusy(str(error)) from error
        try:
            yield _WhooshBatch(writer)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    @contextmanager
    def _rebuild(self, ix, timeout: float) -> Iterator[IndexBatch]:
        """Everything afresh: documents are analysed by `rebuild_procs` processes (see
        `building`) while this one reads the database."""
        try:
            committer = Committer(ix, timeout=timeout, delay=0.02)
        except LockError as error:
            raise IndexBusy(str(error)) from error
        rebuild = None
        try:
            rebuild = Rebuild(ix, committer, procs=self.rebuild_procs,
                              memory_mb=self.rebuild_memory_mb)
            yield _RebuildBatch(rebuild)
            rebuild.commit()
        except BaseException:
            if rebuild is not None:
                rebuild.cancel()
            elif not committer.is_closed:
                committer.cancel()
            raise

    def check(self) -> None:
        with self._open().reader() as reader:
            reader.doc_count()

    def document_ids(self) -> set[str]:
        with self._open().searcher() as searcher:
            return {fields["doc_id"] for fields in searcher.all_stored_fields()}

    def matching_ids(self, text: str, doc_type: str) -> list[int]:
        """Plain words through the arrays (`ArrayMatcher.matching`), anything else through
        Whoosh's matcher; each document's object id from `_object_ids`, not its stored
        fields (a common word matches thousands)."""
        ix = self._open()
        query = self._parse(ix, text)
        words = plain_words(query) if self._arrays is not None else None
        with self._lock:
            searcher = self._current_searcher()
            leaves = [(_segment_id(sub.reader()), sub.reader(), offset)
                      for sub, offset in searcher.leaf_searchers()]
            if words is not None:
                docs = self._arrays.matching(searcher, leaves, words, {"type": doc_type})
            else:
                types = self._facet_values(searcher)["type"]
                docs = np.fromiter((docnum for docnum in searcher.docs_for_query(query)
                                    if types[docnum] == doc_type), dtype=np.int64)
            found = self._object_ids(leaves)[docs]
            unread = found < 0
            if unread.any():  # a document whose doc_id does not say its object id
                found[unread] = [searcher.stored_fields(int(docnum))["object_id"]
                                 for docnum in docs[unread]]
            return np.unique(found).tolist()

    def _object_ids(self, leaves) -> np.ndarray:
        """The object id of every document of the index by global document number (-1:
        unknown), read once per segment (`matching.read_object_ids`): segments never
        change once written."""
        key = tuple((segment_id, offset) for segment_id, _reader, offset in leaves)
        if key != self._objects_key:
            kept = {segment_id: self._segment_objects.get(segment_id)
                    for segment_id, _reader, _offset in leaves}
            for segment_id, reader, _offset in leaves:
                if kept[segment_id] is None:
                    kept[segment_id] = read_object_ids(reader)
            self._segment_objects = kept  # segments merged away are forgotten
            parts = [kept[segment_id] for segment_id, _reader, _offset in leaves]
            self._objects = (np.concatenate(parts) if parts
                             else np.zeros(0, dtype=np.int64))
            self._objects_key = key
        return self._objects

    def more_like(self, text: str, *, doc_type: str = "challenge", top: int = 8) -> list[dict]:
        """Whoosh's "more like this": the key terms of `text` (Bo1 model, in the body
        field's Vietnamese analysis) searched among the documents of `doc_type`."""
        text = nfc(text).strip()
        if not key_words(text):
            return []
        with self._open().searcher() as searcher:
            results = searcher.more_like(None, "body", text=text, top=top, numterms=12,
                                         filter=Term("type", doc_type))
            return [dict(hit.fields()) for hit in results]

    # -- querying ---------------------------------------------------------------------

    def _parse(self, ix, text: str) -> Query:
        text = nfc(text).strip()[:MAX_QUERY_LENGTH]
        if not text:
            raise QueryError("empty")
        parser = MultifieldParser(list(TEXT_FIELDS), ix.schema, fieldboosts=BOOSTS)
        for plugin in (FieldsPlugin, WildcardPlugin, RangePlugin, BoostPlugin, EveryPlugin,
                       SingleQuotePlugin):
            parser.remove_plugin_class(plugin)
        try:
            query = parser.parse(text)
        except Exception:  # noqa: BLE001 - a query the parser chokes on is read as words
            query = NullQuery
        if query is NullQuery or not list(query.terms()):
            query = self._plain_words(ix, text)
        return query

    def _plain_words(self, ix, text: str) -> Query:
        analyzer = ix.schema["title"].analyzer
        words = [token.text for token in analyzer(text)]
        if not words:
            raise QueryError("no words")
        return And([Or([Term(name, word, boost=BOOSTS.get(name, 1.0)) for name in TEXT_FIELDS])
                    for word in words])

    def _current_searcher(self):
        """The kept searcher, replaced when another writer has committed. Not with
        `Searcher.refresh()`: whoosh-reloaded 2.7.5 reuses the reader of a segment whose
        deletions have changed since, and would still find replaced documents."""
        if self._searcher is not None and not self._searcher.up_to_date():
            self._searcher.close()
            self._searcher = None
        if self._searcher is None:
            self._searcher = self._open().searcher()
        return self._searcher

    def _facet_values(self, searcher) -> dict[str, list[str]]:
        """Facet → the value of every document (by document number), "" for none."""
        leaves = searcher.leaf_searchers()
        key = tuple((_segment_id(sub.reader()), offset) for sub, offset in leaves)
        if key == self._values_key:
            return self._values
        segment_values = {}
        for sub, _offset in leaves:
            reader = sub.reader()
            segment_id = _segment_id(reader)
            values = self._segment_values.get(segment_id)
            if values is None:
                values = {}
                for name in FACETS:
                    field = FACET_FIELDS[name]
                    same: dict[str, str] = {}  # one string object per distinct value
                    column = reader.column_reader(field) if reader.has_column(field) else None
                    values[name] = ([same.setdefault(v or "", v or "") for v in column]
                                    if column is not None else [""] * reader.doc_count_all())
            segment_values[segment_id] = values
        self._segment_values = segment_values  # segments merged away are forgotten
        combined = {name: [] for name in FACETS}
        for sub, _offset in leaves:  # leaf_searchers() come in document number order
            for name in FACETS:
                combined[name].extend(segment_values[_segment_id(sub.reader())][name])
        self._values_key, self._values = key, combined
        return combined

    @staticmethod
    def _facet_counts(docs: set[int], values: dict[str, list[str]],
                      filters: dict[str, str]) -> dict[str, dict[str, int]]:
        """Each facet's counts over the matches that pass every *other* filter."""
        passing = {name: {d for d in docs if values[name][d] == value}
                   for name, value in filters.items()}
        facets = {}
        for name in FACETS:
            counted = docs
            for other, kept in passing.items():
                if other != name:
                    counted = counted & kept
            lookup = values[name].__getitem__
            facets[name] = {k: v for k, v in Counter(map(lookup, counted)).items() if k}
        return facets

    def search(self, request: SearchRequest) -> SearchPage:
        ix = self._open()
        query = self._parse(ix, request.text)
        filters = {name: value for name, value in request.filters.items()
                   if name in FACET_FIELDS and value}
        per_page = max(request.per_page, 1)
        wanted = max(request.page, 1)
        words = plain_words(query) if self._arrays is not None else None
        with self._lock:
            searcher = self._current_searcher()
            if words is not None:
                return self._search_words(searcher, words, filters, wanted, per_page)
            values = self._facet_values(searcher)
            accept = None
            if filters:
                checks = [(values[name], value) for name, value in filters.items()]

                def accept(docnum):
                    return all(column[docnum] == value for column, value in checks)

            collector = _PageCollector(wanted * per_page, accept)
            searcher.search_with_collector(query, collector)
            results = collector.results()
            total = collector.total
            facets = self._facet_counts(collector.docset, values, filters)
            pages = max(1, math.ceil(total / per_page))
            page = min(wanted, pages)
            hits = [self._hit(results[n]) for n in range((page - 1) * per_page,
                                                          min(page * per_page, total))]
            return SearchPage(hits, total, page, pages, facets)

    def _search_words(self, searcher, words, filters, wanted: int, per_page: int) -> SearchPage:
        leaves = [(_segment_id(sub.reader()), sub.reader(), offset)
                  for sub, offset in searcher.leaf_searchers()]
        matches = self._arrays.run(searcher, leaves, words, filters, wanted * per_page)
        pages = max(1, math.ceil(matches.total / per_page))
        page = min(wanted, pages)
        terms = frozenset(word for word, _boosts in words)
        analyzer = searcher.schema["title"].analyzer
        hits = []
        for docnum, score in matches.top[(page - 1) * per_page:page * per_page]:
            stored = searcher.stored_fields(docnum)
            title = highlight.highlight(stored["title"], terms, analyzer,
                                        highlight.WholeFragmenter(), MarkFormatter())
            snippet = ""
            for name in ("body", "clarifications", "solver", "place"):
                if stored.get(name):
                    snippet = highlight.highlight(stored[name], terms, analyzer,
                                                  self._snippets.fragmenter, MarkFormatter(),
                                                  top=2)
                if snippet:
                    break
            hits.append(self._finish_hit(stored, title, snippet, score))
        return SearchPage(hits, matches.total, page, pages, matches.facets)

    @staticmethod
    def _finish_hit(stored: dict, title: str, snippet: str, score: float) -> Hit:
        if not snippet:
            body = stored.get("body", "")
            snippet = html.escape(body[:240]) + ("…" if len(body) > 240 else "")
        return Hit(stored, title or html.escape(stored["title"]), snippet, score)

    _snippets = highlight.Highlighter(
        fragmenter=highlight.ContextFragmenter(maxchars=240, surround=80),
        formatter=MarkFormatter())
    _titles = highlight.Highlighter(fragmenter=highlight.WholeFragmenter(),
                                    formatter=MarkFormatter())

    def _hit(self, hit) -> Hit:
        """Stored fields and highlights: read only for the hits on the page."""
        stored = dict(hit.fields())
        title = self._titles.highlight_hit(hit, "title")
        snippet = ""
        for name in ("body", "clarifications", "solver", "place"):
            snippet = self._snippets.highlight_hit(hit, name, top=2) if name in stored else ""
            if snippet:
                break
        return self._finish_hit(stored, title, snippet, hit.score or 0.0)


def make_backend(config) -> SearchBackend:
    """The engine `SEARCH_BACKEND` names: "whoosh" (the default, a folder of this host) or
    "postgresql" (tables of the shared database; needs a PostgreSQL `DATABASE_URL`;
    `SEARCH_CANDIDATES` bounds the matches it counts, facets and ranks per search).
    Raises RuntimeError for any other name, or for "postgresql" over another database."""
    name = config.get("SEARCH_BACKEND", "whoosh")
    if name == "postgresql":
        if not str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
            raise RuntimeError("SEARCH_BACKEND=postgresql needs a PostgreSQL DATABASE_URL")
        from marketplace.extensions import db
        from marketplace.search.postgres import CANDIDATES, PostgresBackend

        return PostgresBackend(lambda: db.session,
                               limit=int(config.get("SEARCH_CANDIDATES", CANDIDATES)))
    if name != "whoosh":
        raise RuntimeError(f"unknown SEARCH_BACKEND {name!r}")
    procs = config.get("SEARCH_REBUILD_PROCS") or min(2, os.cpu_count() or 1)
    return WhooshBackend(config["SEARCH_INDEX_DIR"], rebuild_procs=int(procs),
                         rebuild_memory_mb=int(config.get("SEARCH_REBUILD_MEMORY_MB", 256)),
                         max_cached_postings=int(config.get("SEARCH_POSTINGS_CACHE",
                                                            2_000_000)))


def rebuild_into(backend: SearchBackend, docs: Iterable[dict], *, timeout: float) -> int:
    count = 0
    with backend.batch(timeout=timeout, clear=True) as batch:
        for doc in docs:
            batch.upsert(doc)
            count += 1
    return count
