"""Search: the product's index rebuild and queries, and SQLite FTS5 over the same text.

The product's search (`marketplace.search`: Whoosh, Vietnamese diacritics folded, đ
included) is used as it is: `services.rebuild` builds the index, `services.search` runs
the query the /search page runs. When that module has no `rebuild` (an older tree), a
minimal Whoosh index with the same folding is built here instead, and the report says
so. The reference is an FTS5 table in a separate SQLite file, holding the same fields of
the same public objects, folded with the same function, queried for the same words.

Run alone (no server, no page load; the cached data set must exist):

    python -m bench.search_bench --size 100000              # queries on the cached index
    python -m bench.search_bench --size 100000 --rebuild    # also time a full rebuild
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import sqlite3
import statistics
import sys
import tempfile
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
    # the largest process the rebuild forked and waited for (none: it ran in this one)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"engine": "whoosh (product)", "documents": count, "seconds": seconds,
            "docs_per_s": count / seconds if seconds else 0,
            "builder_max_rss_mb": round(children) if children else None}


def time_product_queries(app, repeat: int = 30, budget: float = 20.0,
                         warmup: int = 1) -> dict:
    """At most `repeat` timed runs per query, fewer (at least 3) when they take longer
    than `budget` seconds in all, after `warmup` untimed ones (the first opens the index
    and reads its facet values)."""
    from marketplace.search import services
    from marketplace.search.backend import SearchRequest

    results = {}
    with app.app_context():
        for label, query in QUERIES.items():
            timings, total, first = [], None, None
            deadline = time.perf_counter() + budget
            for n in range(repeat + warmup):
                started = time.perf_counter()
                page = services.search(SearchRequest(text=query))
                elapsed = (time.perf_counter() - started) * 1000
                if n >= warmup:
                    timings.append(elapsed)
                elif not n:
                    first = elapsed
                total = getattr(page, "total", None)
                exact = getattr(page, "total_exact", True)  # False: "more than `total`"
                if len(timings) >= 3 and time.perf_counter() > deadline:
                    break
            results[label] = {"query": query, "p50": statistics.median(timings),
                              "p95": percentile(timings, 95), "hits": total,
                              "exact": exact, "runs": len(timings), "first": first}
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


def main(argv: list[str] | None = None) -> int:
    """The search part of the benchmark alone, on the cached data set of one size."""
    from sqlalchemy import create_engine

    from bench import run as bench_run

    parser = argparse.ArgumentParser(description="Benchmark search only.")
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--index-dir", help="default: the runner's cached index folder")
    parser.add_argument("--rebuild", action="store_true",
                        help="time a full rebuild into the index folder first")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    key = bench_run.data_key(args.seed)
    path = bench_run.DATA / f"bench-{args.size}-{key}.sqlite3"
    if not path.exists():
        print(f"no cached data set {path}: run `python -m bench.run` once", file=sys.stderr)
        return 1
    url = f"sqlite:///{path}"
    index_dir = Path(args.index_dir or bench_run.DATA / f"search-sqlite-{args.size}-{key}")
    from marketplace import create_app

    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        app = create_app({"ENV_NAME": "production", "SQLALCHEMY_DATABASE_URI": url,
                          "SEARCH_INDEX_DIR": str(index_dir), "UPLOAD_DIR": tmp,
                          "SECRET_KEY": secrets.token_hex(32)})
        out = {"size": args.size, "load_before": os.getloadavg()}
        if args.rebuild:
            index_dir.mkdir(parents=True, exist_ok=True)
            out["index"] = rebuild_product_index(app)
            if "error" not in out["index"]:
                (index_dir / "bench-rebuild.json").write_text(json.dumps(out["index"]))
            print(f"rebuild: {json.dumps(out['index'])}", flush=True)
        fts_path = Path(tmp) / "fts.sqlite3"
        out["fts5_build"] = build_fts5(create_engine(url), fts_path)
        out["fts5_queries"] = time_fts5(fts_path, repeat=args.repeat)
        out["search_queries"] = time_product_queries(app, repeat=args.repeat)
        out["load_after"] = os.getloadavg()
    print(f"\n{args.size:,} challenges; load {out['load_before'][0]:.2f} → "
          f"{out['load_after'][0]:.2f}; FTS5 build {out['fts5_build']['documents']:,} "
          f"documents in {out['fts5_build']['seconds']:.1f} s\n")
    print("| query | Whoosh p50 ms | Whoosh p95 ms | first ms | hits | FTS5 p50 ms "
          "| FTS5 p95 ms | hits | Whoosh ÷ FTS5 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, product in out["search_queries"].items():
        fts = out["fts5_queries"][label]
        print(f"| {label}: `{product['query']}` | {product['p50']:,.2f} | "
              f"{product['p95']:,.2f} | {product['first']:,.1f} | {product['hits']:,} | "
              f"{fts['p50']:,.2f} | {fts['p95']:,.2f} | {fts['hits']:,} | "
              f"{product['p50'] / fts['p50']:,.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
