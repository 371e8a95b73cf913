"""Search: the product's index rebuild and queries, and SQLite FTS5 over the same text.

The product's search (`marketplace.search`: Whoosh, Vietnamese diacritics folded, đ
included) is used as it is: `services.rebuild` builds the index, `services.search` runs
the query the /search page runs. When that module has no `rebuild` (an older tree), a
minimal Whoosh index with the same folding is built here instead, and the report says
so. The reference is an FTS5 table in a separate SQLite file, holding the same fields of
the same public objects, folded with the same function, queried for the same words."""

from __future__ import annotations

import sqlite3
import statistics
import time
import unicodedata
from pathlib import Path

from sqlalchemy import text

from bench.load import percentile

QUERIES = {
    "1 term": "rừng",
    "2 terms": "chuỗi khối",
    "3 terms": "dữ liệu lớn",
    "folded": "ha noi",
}


def fold(value: str) -> str:
    try:
        from marketplace.search.analysis import fold as product_fold
    except ImportError:  # the search domain not there yet: the same rule, here
        decomposed = unicodedata.normalize("NFD", (value or "").replace("đ", "d")
                                           .replace("Đ", "d"))
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        return unicodedata.normalize("NFC", stripped).lower()
    return product_fold(value)


def rebuild_product_index(app) -> dict:
    """Times the product's own full rebuild (`flask search rebuild`)."""
    from marketplace.extensions import db

    try:
        from marketplace.search import services
    except ImportError:
        services = None
    if services is None or not hasattr(services, "rebuild"):
        return {"engine": "none", "note": "marketplace.search has no rebuild()"}
    with app.app_context():
        started = time.perf_counter()
        try:
            count = services.rebuild(db.session, timeout=600)
        except Exception as error:  # noqa: BLE001 - reported, not hidden
            db.session.rollback()
            return {"engine": "whoosh (product)", "error": f"{type(error).__name__}: "
                    f"{str(error).splitlines()[0][:300]}",
                    "seconds": time.perf_counter() - started}
        seconds = time.perf_counter() - started
    return {"engine": "whoosh (product)", "documents": count, "seconds": seconds,
            "docs_per_s": count / seconds if seconds else 0}


def time_product_queries(app, repeat: int = 30, budget: float = 20.0) -> dict:
    """At most `repeat` timed runs per query, fewer (at least 3) when they take longer
    than `budget` seconds in all."""
    from marketplace.search import services
    from marketplace.search.backend import SearchRequest

    results = {}
    with app.app_context():
        for label, query in QUERIES.items():
            timings, total = [], None
            deadline = time.perf_counter() + budget
            for n in range(repeat + 1):
                started = time.perf_counter()
                page = services.search(SearchRequest(text=query))
                elapsed = (time.perf_counter() - started) * 1000
                if n:  # the first one opens the index
                    timings.append(elapsed)
                total = getattr(page, "total", None)
                if len(timings) >= 3 and time.perf_counter() > deadline:
                    break
            results[label] = {"query": query, "p50": statistics.median(timings),
                              "p95": percentile(timings, 95), "hits": total,
                              "runs": len(timings)}
    return results


def _documents(engine):
    """The public challenges and awarded solutions, with the fields the product indexes."""
    with engine.connect() as conn:
        answered: dict[int, list[str]] = {}
        for challenge_id, question, answer in conn.execute(text(
                "SELECT challenge_id, question, answer FROM clarifications "
                "WHERE answered_at IS NOT NULL")):
            answered.setdefault(challenge_id, []).append(f"{question} — {answer}")
        for row in conn.execute(text(
                "SELECT c.id, c.title, c.problem, c.expected_outcomes, c.pilot_site, c.province,"
                " c.sector, o.name_vi, g.name_vi, g.name_en FROM challenges c"
                " JOIN organizations o ON o.id = c.agency_id"
                " LEFT JOIN technology_groups g ON g.id = c.technology_group_id"
                " WHERE c.status <> 'draft'")):
            yield (f"challenge:{row[0]}", row[1], f"{row[2]}\n\n{row[3]}",
                   "\n\n".join(answered.get(row[0], ())), f"{row[4]} · {row[5]} · {row[6]}",
                   row[7], f"{row[8]} · {row[9]}", "")
        for row in conn.execute(text(
                "SELECT s.id, c.title, s.summary, c.pilot_site, c.province, a.name_vi,"
                " o.name_vi, g.name_vi FROM submissions s"
                " JOIN challenges c ON c.id = s.challenge_id"
                " JOIN organizations a ON a.id = c.agency_id"
                " JOIN organizations o ON o.id = s.organization_id"
                " LEFT JOIN technology_groups g ON g.id = c.technology_group_id"
                " WHERE s.status = 'awarded' AND c.status <> 'draft'")):
            yield (f"solution:{row[0]}", row[1], row[2], "", f"{row[3]} · {row[4]}", row[5],
                   row[7] or "", row[6])


def build_fts5(engine, path: Path) -> dict:
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    conn.execute("CREATE VIRTUAL TABLE docs USING fts5(doc_id UNINDEXED, title, body, "
                 "clarifications, place, agency, grp, solver, "
                 "tokenize = 'unicode61 remove_diacritics 2')")
    count = 0
    batch = []
    for doc in _documents(engine):
        batch.append((doc[0], *(fold(value or "") for value in doc[1:])))
        if len(batch) == 5000:
            conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
            count += len(batch)
            batch = []
    conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
    count += len(batch)
    conn.commit()
    conn.close()
    seconds = time.perf_counter() - started
    return {"engine": "sqlite fts5", "documents": count, "seconds": seconds,
            "docs_per_s": count / seconds if seconds else 0}


def time_fts5(path: Path, repeat: int = 30) -> dict:
    conn = sqlite3.connect(path)
    results = {}
    for label, query in QUERIES.items():
        match = " ".join(f'"{word}"' for word in fold(query).split())
        timings, total = [], 0
        for n in range(repeat + 1):
            started = time.perf_counter()
            total = conn.execute("SELECT count(*) FROM docs WHERE docs MATCH ?",
                                 (match,)).fetchone()[0]
            conn.execute(
                "SELECT doc_id, title, snippet(docs, 2, '<mark>', '</mark>', '…', 12) "
                "FROM docs WHERE docs MATCH ? "
                "ORDER BY bm25(docs, 0, 3.0, 1.0, 1.0, 1.0, 1.5, 1.5, 1.5) LIMIT 10",
                (match,)).fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            if n:
                timings.append(elapsed)
        results[label] = {"query": query, "p50": statistics.median(timings),
                          "p95": percentile(timings, 95), "hits": total}
    conn.close()
    return results
