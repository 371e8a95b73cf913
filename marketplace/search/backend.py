"""The search engine behind one small interface, so that another engine (one that many
hosts can share) can replace Whoosh by configuration, not by a rewrite.

A document is a plain dict (see `documents.py`); the engine knows nothing of the
database. `batch()` holds the engine's single writer: everything done inside it is
committed together, and `IndexBusy` says the writer could not be had in time."""

from __future__ import annotations

import html
import math
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from whoosh import highlight, index, sorting
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
from whoosh.writing import CLEAR

from marketplace.search.analysis import nfc, vietnamese_analyzer

FACETS = ("type", "group", "status", "agency")  # the filters, each counted
TEXT_FIELDS = ("title", "body", "clarifications", "agency", "group", "place", "solver")
BOOSTS = {"title": 3.0, "agency": 1.5, "group": 1.5, "solver": 1.5}
MAX_QUERY_LENGTH = 200


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
    total: int
    page: int
    pages: int
    facets: dict[str, dict[str, int]]  # facet → value → count (other filters applied)


class IndexBatch(ABC):
    @abstractmethod
    def upsert(self, doc: dict) -> None: ...

    @abstractmethod
    def delete(self, doc_id: str) -> None: ...


class SearchBackend(ABC):
    @abstractmethod
    @contextmanager
    def batch(self, *, timeout: float, clear: bool = False) -> Iterator[IndexBatch]:
        """The writer: changes inside are committed at exit; `clear` drops everything
        first (a rebuild). Raises `IndexBusy` when the writer is not free in time."""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchPage: ...

    @abstractmethod
    def document_ids(self) -> set[str]: ...


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


class _WhooshBatch(IndexBatch):
    def __init__(self, writer) -> None:
        self.writer = writer

    def upsert(self, doc: dict) -> None:
        self.writer.update_document(**{k: v for k, v in doc.items() if v is not None})

    def delete(self, doc_id: str) -> None:
        self.writer.delete_by_term("doc_id", doc_id)


class WhooshBackend(SearchBackend):
    def __init__(self, path: str) -> None:
        self.path = path

    def _open(self):
        if index.exists_in(self.path):
            return index.open_dir(self.path)
        os.makedirs(self.path, exist_ok=True)
        # create_in wipes an index: only one process may create it, and only once.
        guard = FileStorage(self.path).lock("CREATE_LOCK")
        guard.acquire(blocking=True)
        try:
            if index.exists_in(self.path):
                return index.open_dir(self.path)
            return index.create_in(self.path, _schema())
        finally:
            guard.release()

    @contextmanager
    def batch(self, *, timeout: float, clear: bool = False) -> Iterator[IndexBatch]:
        ix = self._open()
        try:
            writer = ix.writer(timeout=timeout, delay=0.02)
        except LockError as error:
            raise IndexBusy(str(error)) from error
        try:
            yield _WhooshBatch(writer)
        except BaseException:
            writer.cancel()
            raise
        if clear:
            writer.commit(mergetype=CLEAR)
        else:
            writer.commit()

    def document_ids(self) -> set[str]:
        with self._open().searcher() as searcher:
            return {fields["doc_id"] for fields in searcher.all_stored_fields()}

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

    @staticmethod
    def _filter(filters: dict[str, str], skip: str | None = None) -> Query | None:
        terms = [Term(FACET_FIELDS[name], value) for name, value in filters.items()
                 if name in FACET_FIELDS and value and name != skip]
        return And(terms) if terms else None

    def search(self, request: SearchRequest) -> SearchPage:
        ix = self._open()
        query = self._parse(ix, request.text)
        with ix.searcher() as searcher:
            facets = {}
            for name in FACETS:
                counted = searcher.search(
                    query, limit=None, filter=self._filter(request.filters, skip=name),
                    groupedby={name: sorting.FieldFacet(FACET_FIELDS[name],
                                                        maptype=sorting.Count)})
                facets[name] = {str(k): v for k, v in counted.groups(name).items()
                                if k not in (None, "")}
            results = searcher.search_page(query, max(request.page, 1),
                                           pagelen=request.per_page,
                                           filter=self._filter(request.filters))
            total = len(results)
            snippets = highlight.Highlighter(
                fragmenter=highlight.ContextFragmenter(maxchars=240, surround=80),
                formatter=MarkFormatter())
            titles = highlight.Highlighter(fragmenter=highlight.WholeFragmenter(),
                                           formatter=MarkFormatter())
            hits = []
            for hit in results:
                stored = dict(hit.fields())
                title = titles.highlight_hit(hit, "title") or html.escape(stored["title"])
                snippet = ""
                for name in ("body", "clarifications", "solver", "place"):
                    snippet = snippets.highlight_hit(hit, name, top=2)
                    if snippet:
                        break
                if not snippet:
                    body = stored.get("body", "")
                    snippet = html.escape(body[:240]) + ("…" if len(body) > 240 else "")
                hits.append(Hit(stored, title, snippet, hit.score or 0.0))
            pages = max(1, math.ceil(total / request.per_page))
            return SearchPage(hits, total, min(max(results.pagenum, 1), pages), pages, facets)


def make_backend(config) -> SearchBackend:
    name = config.get("SEARCH_BACKEND", "whoosh")
    if name != "whoosh":
        raise RuntimeError(f"unknown SEARCH_BACKEND {name!r}")
    return WhooshBackend(config["SEARCH_INDEX_DIR"])


def rebuild_into(backend: SearchBackend, docs: Iterable[dict], *, timeout: float) -> int:
    count = 0
    with backend.batch(timeout=timeout, clear=True) as batch:
        for doc in docs:
            batch.upsert(doc)
            count += 1
    return count
