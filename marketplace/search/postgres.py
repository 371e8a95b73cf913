"""The search engine on PostgreSQL full-text search (`SEARCH_BACKEND=postgresql`): the
index is a table of the database every application host shares, written in the same
transaction as the change it follows, so no host ever sees another's stale index and no
writer lock exists.

- `search_documents` holds one row per document (the dict of `documents.py`): the facet
  values, the stored fields (JSON), the texts, and `tsv`, their `tsvector` weighted as
  Whoosh boosts them (title A; agency, group, solver B; body, clarifications, place D),
  under a GIN index. The table, the `unaccent` extension and the text search
  configuration `vietnamese_unaccent` are made by the migration
  `20261201_0355_pg_search` on PostgreSQL only (SQLite keeps Whoosh).
- `vietnamese_unaccent` is `simple` (no stemming, no stop words: Vietnamese has neither)
  with `unaccent` before it for words, so "duong" finds "Đường" (đ → d included) and
  text typed decomposed (NFD) finds the same.
- What users type is read by `websearch_to_tsquery`: "a phrase", `OR`, `-word`.
- Ranking `ts_rank` with the weights 1, 1.5 and 3 of Whoosh's boosts; snippets by
  `ts_headline`, escaped here with only `<mark>` added.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR, insert

from marketplace.search.analysis import nfc
from marketplace.search.backend import (
    FACET_FIELDS,
    FACETS,
    MAX_QUERY_LENGTH,
    Hit,
    IndexBatch,
    QueryError,
    SearchBackend,
    SearchPage,
    SearchRequest,
    key_words,
)

TABLE = "search_documents"
TS_CONFIG = "vietnamese_unaccent"
OWN_TABLES = frozenset({TABLE})  # made by raw SQL on PostgreSQL only: not in the models
# ts_rank's weights of D, C, B, A: Whoosh's boosts (body 1, agency 1.5, title 3) / 10
RANK_WEIGHTS = "{0.1, 0.1, 0.15, 0.3}"
TEXTS = ("title", "body", "clarifications", "place", "solver")
SNIPPET_FIELDS = ("body", "clarifications", "solver", "place")  # Whoosh's order
FLUSH_EVERY = 500  # documents written per statement
# marks put by ts_headline around matched words; removed from every stored text first
START, STOP = "\ue000", "\ue001"
_NO_MARKS = str.maketrans("", "", START + STOP)
_HEADLINE = f'StartSel="{START}", StopSel="{STOP}"'
_SNIPPET = _HEADLINE + ', MaxFragments=2, MaxWords=35, MinWords=15, FragmentDelimiter=" … "'
_TITLE = _HEADLINE + ", HighlightAll=true"

_META = MetaData()  # not the models' metadata: the table exists on PostgreSQL only
DOCUMENTS = Table(
    TABLE, _META,
    Column("doc_id", String(40), primary_key=True),
    *(Column(name, String(20), nullable=False)
      for name in ("type", "status", "group_id", "agency_id")),
    Column("fields", JSONB, nullable=False),
    *(Column(name, Text, nullable=False) for name in TEXTS),
    Column("tsv", TSVECTOR, nullable=False),
)
CONFIG = literal_column(f"'{TS_CONFIG}'::regconfig")
WEIGHTS = (("title", "A"), ("agency", "B"), ("group", "B"), ("solver", "B"),
           ("body", "D"), ("clarifications", "D"), ("place", "D"))


def _vector():
    parts = [func.setweight(func.to_tsvector(CONFIG, bindparam(f"t_{name}", type_=Text)),
                            literal_column(f"'{weight}'::\"char\""))
             for name, weight in WEIGHTS]
    vector = parts[0]
    for part in parts[1:]:
        vector = vector.op("||")(part)
    return vector


def _upsert():
    columns = ("type", "status", "group_id", "agency_id", "fields", *TEXTS, "tsv")
    values = {name: bindparam(name) for name in ("doc_id", *columns[:-1])}
    values["fields"] = cast(bindparam("fields"), JSONB)
    values["tsv"] = _vector()
    statement = insert(DOCUMENTS).values(values)
    return statement.on_conflict_do_update(
        index_elements=["doc_id"],
        set_={name: getattr(statement.excluded, name) for name in columns})


_UPSERT = _upsert()


def _tsquery(query_text: str):
    return func.websearch_to_tsquery(CONFIG, bindparam("q", query_text, type_=Text))


def _params(doc: dict) -> dict:
    """A document as the upsert's parameters: texts NFC and without the headline marks;
    the rest of its fields as JSON."""
    texts = {name: nfc(str(doc.get(name) or "")).translate(_NO_MARKS)
             for name in (*TEXTS, "agency", "group")}
    stored = {k: v for k, v in doc.items() if v is not None and k not in TEXTS}
    return {"doc_id": doc["doc_id"], "type": doc.get("type") or "",
            "status": doc.get("status") or "", "group_id": doc.get("group_id") or "",
            "agency_id": doc.get("agency_id") or "", "fields": json.dumps(stored),
            **{name: texts[name] for name in TEXTS},
            **{f"t_{name}": value for name, value in texts.items()}}


class _PostgresBatch(IndexBatch):
    """Writes through the caller's session: committed (or rolled back) with its
    transaction."""

    def __init__(self, session) -> None:
        self.session = session
        self.rows: list[dict] = []

    def upsert(self, doc: dict) -> None:
        self.rows.append(_params(doc))
        if len(self.rows) >= FLUSH_EVERY:
            self.flush()

    def delete(self, doc_id: str) -> None:
        self.flush()
        self.session.execute(delete(DOCUMENTS).where(DOCUMENTS.c.doc_id == doc_id))

    def flush(self) -> None:
        if self.rows:
            self.session.execute(_UPSERT, self.rows)
            self.rows = []


def _marked(headline: str | None) -> str:
    """ts_headline's output escaped, its marks made <mark>: the only markup."""
    escaped = html.escape(headline or "")
    return escaped.replace(START, "<mark>").replace(STOP, "</mark>")


class PostgresBackend(SearchBackend):
    """Reads and writes the `search_documents` table through the session that
    `session_for()` returns (the application's `db.session`)."""

    transactional = True  # the index is written in the change's own transaction

    def __init__(self, session_for: Callable[[], object]) -> None:
        self.session_for = session_for

    def writer(self, session) -> _PostgresBatch:
        """A batch writing in `session`'s transaction (call `flush()` at the end)."""
        return _PostgresBatch(session)

    @contextmanager
    def batch(self, *, timeout: float, clear: bool = False) -> Iterator[IndexBatch]:
        """No lock to wait for (`timeout` is unused): the rows are written in the current
        transaction and seen by others when the caller commits. `clear` deletes every
        document first, in the same transaction: searches see the old index until then."""
        session = self.session_for()
        if clear:
            session.execute(delete(DOCUMENTS))
        batch = self.writer(session)
        yield batch
        batch.flush()

    def document_ids(self) -> set[str]:
        return set(self.session_for().scalars(select(DOCUMENTS.c.doc_id)))

    def check(self) -> None:
        self.session_for().execute(select(DOCUMENTS.c.doc_id).limit(1))

    def matching_ids(self, text: str, doc_type: str):
        """A subquery (no round trip): `object_id` of the matching rows of `doc_type`."""
        query_text = nfc(text).strip()[:MAX_QUERY_LENGTH]
        if not query_text:
            raise QueryError("empty")
        d = DOCUMENTS.c
        return select(cast(d.fields["object_id"].astext, Integer)).where(
            d.type == doc_type, d.tsv.op("@@")(_tsquery(query_text)))

    def similar_ids(self, text: str, *, doc_type: str = "challenge", top: int = 8):
        """A subquery (no round trip): `object_id` of the `top` documents of `doc_type`
        that hold any of `text`'s key words (`key_words`, read as `OR`), best ranked
        first — the documents `more_like` returns, for a caller that needs only their
        ids (the draft page's similar challenges: issue 21's budget). [] when `text`
        has no key word."""
        words = key_words(text)
        if not words:
            return []
        d = DOCUMENTS.c
        tsquery = _tsquery(nfc(" OR ".join(words))[:MAX_QUERY_LENGTH])
        score = func.ts_rank(literal_column(f"'{RANK_WEIGHTS}'::float4[]"), d.tsv, tsquery)
        return (select(cast(d.fields["object_id"].astext, Integer))
                .where(d.type == doc_type, d.tsv.op("@@")(tsquery))
                .order_by(score.desc(), d.doc_id).limit(top))

    @staticmethod
    def _where(columns, filters: dict[str, str], skip: str | None = None) -> list:
        return [columns[FACET_FIELDS[name]] == value for name, value in filters.items()
                if name != skip]

    def search(self, request: SearchRequest) -> SearchPage:
        """Two statements. The first reads every match once (its facets and its rank) and
        returns the total, each facet's counts, whether the query has any word, and the
        ids and scores of the page's documents (a page past the end: the last page); the
        second reads those documents' texts with their highlights. Raises `QueryError`
        for a query with no word."""
        query_text = nfc(request.text).strip()[:MAX_QUERY_LENGTH]
        if not query_text:
            raise QueryError("empty")
        filters = {name: value for name, value in request.filters.items()
                   if name in FACET_FIELDS and value}
        per_page = max(request.per_page, 1)
        session = self.session_for()
        tsquery = _tsquery(query_text)
        d = DOCUMENTS.c
        score = func.ts_rank(literal_column(f"'{RANK_WEIGHTS}'::float4[]"), d.tsv, tsquery)
        matches = (select(d.doc_id, d.type, d.status, d.group_id, d.agency_id,
                          score.label("score"))
                   .where(d.tsv.op("@@")(tsquery)).cte("matches"))
        m = matches.c
        no_score = cast(None, Float).label("score")
        total = (select(func.count()).select_from(matches)
                 .where(*self._where(m, filters)).scalar_subquery())
        last = func.greatest(cast(func.ceil(cast(total, Numeric) / per_page), Integer) - 1, 0)
        offset = func.least(max(request.page, 1) - 1, last) * per_page
        hits = (select(m.doc_id, m.score).where(*self._where(m, filters))
                .order_by(m.score.desc(), m.doc_id).limit(per_page).offset(offset)
                .subquery("hits"))
        parts = [select(literal("nodes").label("facet"), literal("").label("value"),
                        func.numnode(tsquery).label("n"), no_score),
                 select(literal("total"), literal(""), total, no_score),
                 select(literal("hit"), hits.c.doc_id, literal(0), hits.c.score)]
        for name in FACETS:
            column = m[FACET_FIELDS[name]]
            parts.append(select(literal(name), column, func.count(), no_score)
                         .select_from(matches)
                         .where(*self._where(m, filters, skip=name)).group_by(column))
        facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        count = nodes = 0
        scores: dict[str, float] = {}
        for facet, value, n, rank in session.execute(union_all(*parts)).all():
            if facet == "nodes":
                nodes = n
            elif facet == "total":
                count = n
            elif facet == "hit":
                scores[value] = float(rank or 0.0)
            elif value:
                facets[facet][value] = n
        if not nodes:
            raise QueryError("no words")
        pages = max(1, math.ceil(count / per_page))
        page = min(max(request.page, 1), pages)
        if not scores:
            return SearchPage([], count, page, pages, facets)
        headlines = [func.ts_headline(CONFIG, d[name], tsquery, _SNIPPET)
                     .label(f"{name}_html") for name in SNIPPET_FIELDS]
        rows = session.execute(
            select(d.doc_id, d.fields, *(d[name] for name in TEXTS),
                   func.ts_headline(CONFIG, d.title, tsquery, _TITLE).label("title_html"),
                   *headlines)
            .where(d.doc_id.in_(list(scores)))).mappings().all()
        rows = sorted(rows, key=lambda row: (-scores[row["doc_id"]], row["doc_id"]))
        return SearchPage([self._hit(row, scores[row["doc_id"]]) for row in rows], count,
                          page, pages, facets)

    @staticmethod
    def _hit(row, score: float) -> Hit:
        stored = {**row["fields"], **{name: row[name] for name in TEXTS}}
        snippet = ""
        for name in SNIPPET_FIELDS:
            if row[name] and START in (row[f"{name}_html"] or ""):
                snippet = _marked(row[f"{name}_html"])
                break
        if not snippet:
            body = stored.get("body") or ""
            snippet = html.escape(body[:240]) + ("…" if len(body) > 240 else "")
        return Hit(stored, _marked(row["title_html"]) or html.escape(stored["title"]),
                   snippet, score)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic's comparison of models and database: the search table of this backend
    is no model (PostgreSQL only, made by raw SQL), so it is left out."""
    return not (type_ == "table" and reflected and compare_to is None and name in OWN_TABLES)
