"""Search engines side by side on one corpus (issue 21): the product's PostgreSQL
full-text backend (`SEARCH_BACKEND=postgresql`), its Whoosh backend, and SQLite FTS5 as
the yardstick, over the public challenges and awarded solutions of one generated data set
in PostgreSQL (`bench.generate`). Each engine answers the same queries as the /search
page asks them (a page of 10 with counts, facets and highlights; FTS5: count + top 10
with a snippet).

    python -m bench.generate --size 100000 --database-url postgresql+psycopg://…/bench
    python -m bench.pg_search_bench --database-url postgresql+psycopg://…/bench [--whoosh]

Without a generated data set (generating 100,000 challenges takes long on a busy
machine), `--synthetic 100000` indexes that many challenges (and half as many awarded
solutions) made here from the same vocabulary and the same sentence templates
(`bench/vocab.py`) straight into each engine, in a migrated (possibly empty) database:

    python -m bench.pg_search_bench --database-url postgresql+psycopg://…/db \
        --synthetic 100000 --whoosh
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.search_bench import QUERIES, build_fts5, time_fts5, time_product_queries


def _app(url: str, backend: str, tmp: str):
    from marketplace import create_app

    return create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": url,
                       "SEARCH_BACKEND": backend, "SEARCH_INDEX_DIR": str(Path(tmp) / "ix"),
                       "UPLOAD_DIR": tmp, "SECRET_KEY": secrets.token_hex(32)})


def _rebuild(app) -> dict:
    from marketplace.extensions import db
    from marketplace.search import services

    with app.app_context():
        started = time.perf_counter()
        count = services.rebuild(db.session, timeout=600)
        seconds = time.perf_counter() - started
        if app.config["SEARCH_BACKEND"] == "postgresql":
            db.session.execute(text("ANALYZE search_documents"))
            db.session.commit()
    return {"documents": count, "seconds": round(seconds, 1)}


def synthetic_documents(size: int, seed: int = 7):
    """`size` public challenges and `size // 2` awarded solutions as the index's documents
    (`marketplace/search/documents.py` shapes), from the generator's vocabulary."""
    import random

    from bench import vocab

    rng = random.Random(seed)

    def fill(template: str) -> str:
        return template.format(
            obj=rng.choice(vocab.OBJECTS), place=rng.choice(vocab.PROVINCES_63),
            tech=rng.choice(vocab.TECHNOLOGIES), months=rng.choice((6, 9, 12, 18)),
            pct=rng.choice((20, 30, 40, 85, 90, 95)), scope="tỉnh", days=5, n=50, trl=6)

    problems = [" ".join(fill(t) for t in rng.sample(vocab.SENTENCES, rng.randint(3, 5)))
                for _ in range(3000)]
    outcomes = ["\n".join(fill(t) for t in rng.sample(vocab.OUTCOMES, 3)) for _ in range(500)]
    summaries = [" ".join(fill(t) for t in rng.sample(vocab.SOLVER_SENTENCES, 3))
                 for _ in range(3000)]
    statuses = ("published", "closed", "evaluating", "awarded", "cancelled")
    groups = list(enumerate(vocab.TECHNOLOGIES, start=1))
    for n in range(1, size + 1):
        province = rng.choice(vocab.PROVINCES_63)
        site = f"{rng.choice(vocab.SITES)} {province}"
        obj = rng.choice(vocab.OBJECTS)
        group_id, group = rng.choice(groups)
        common = {"challenge_id": n, "status": rng.choice(statuses),
                  "agency": vocab.province_agency_name(province),
                  "agency_id": str(vocab.PROVINCES_63.index(province) + 1),
                  "group": group, "group_id": str(group_id)}
        title = (f"{rng.choice(vocab.ACTIONS)} {rng.choice(vocab.TECHNOLOGIES)} "
                 f"trong {obj} tại {site}")
        yield {**common, "doc_id": f"challenge:{n}", "type": "challenge", "object_id": n,
               "title": title, "clarifications": "", "solver": "",
               "body": f"Bài toán về {obj} tại {site}.\n\n{rng.choice(problems)}\n\n"
                       f"{rng.choice(outcomes)}",
               "place": f"{site} · {province} · {rng.choice(vocab.SECTORS)}"}
        if n % 2 == 0:
            yield {**common, "status": "awarded", "doc_id": f"solution:{n}", "type": "solution",
                   "object_id": n, "title": title, "clarifications": "",
                   "body": rng.choice(summaries), "place": f"{site} · {province}",
                   "solver": f"Công ty {rng.choice(vocab.COMPANY_STEMS)}"}


def _fts5_from(docs, path: Path) -> dict:
    import sqlite3

    from bench.search_bench import fold

    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE docs USING fts5(doc_id UNINDEXED, title, body, "
                 "clarifications, place, agency, grp, solver, "
                 "tokenize = 'unicode61 remove_diacritics 2')")
    rows = [(d["doc_id"], *(fold(d[k]) for k in ("title", "body", "clarifications", "place",
                                                  "agency", "group", "solver")))
            for d in docs]
    conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return {"documents": len(rows), "seconds": time.perf_counter() - started}


def _load(app, docs) -> dict:
    """Every document into the app's engine, as a rebuild writes them."""
    from marketplace.extensions import db
    from marketplace.search import services
    from marketplace.search.backend import rebuild_into

    with app.app_context():
        started = time.perf_counter()
        count = rebuild_into(services.backend(), docs, timeout=600)
        if app.config["SEARCH_BACKEND"] == "postgresql":
            db.session.commit()
            db.session.execute(text("ANALYZE search_documents"))
            db.session.commit()
    return {"documents": count, "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--whoosh", action="store_true", help="also build and time Whoosh")
    parser.add_argument("--skip-rebuild", action="store_true",
                        help="the PostgreSQL table is filled already")
    parser.add_argument("--synthetic", type=int, default=0,
                        help="index this many made-up challenges instead of the database's")
    args = parser.parse_args(argv)
    out: dict = {"load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="pg-search-bench-") as tmp:
        engines = {"postgresql": _app(args.database_url, "postgresql", tmp)}
        if args.whoosh:
            engines["whoosh"] = _app(args.database_url, "whoosh", tmp)
        docs = list(synthetic_documents(args.synthetic)) if args.synthetic else None
        for name, app in engines.items():
            if name == "postgresql" and args.skip_rebuild:
                continue
            out[f"{name}_build"] = _load(app, docs) if docs else _rebuild(app)
            print(f"{name} build: {out[f'{name}_build']}", flush=True)
        fts_path = Path(tmp) / "fts.sqlite3"
        out["fts5_build"] = (_fts5_from(docs, fts_path) if docs else
                             build_fts5(create_engine(args.database_url), fts_path))
        # the corpus (150,000 dicts at 100,000) is not kept alive while timing: the
        # collector's passes over it would be timed with the queries
        docs = None
        gc.collect()
        out["fts5"] = time_fts5(fts_path, repeat=args.repeat)
        for name, app in engines.items():
            # ten untimed searches first, as a worker has served before it is timed: the
            # search statements are the same for every query (its text is a parameter),
            # and psycopg prepares a statement on its 5th run, PostgreSQL plans it anew
            # for 5 more, then keeps one plan (2-3 ms of planning a search until then)
            out[name] = time_product_queries(app, repeat=args.repeat, warmup=10)
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, default=str, indent=1), file=sys.stderr)
    names = [n for n in ("postgresql", "whoosh") if n in out]
    print(f"\nload {out['load_before'][0]:.2f} → {out['load_after'][0]:.2f}; FTS5 build "
          f"{out['fts5_build']['documents']:,} documents in {out['fts5_build']['seconds']:.1f} s")
    print("| query | " + " | ".join(f"{n} p50 ms | {n} p95 ms | hits" for n in names)
          + " | FTS5 p50 ms | FTS5 p95 ms | hits |")
    print("| --- |" + " ---: | ---: | ---: |" * (len(names) + 1))
    for label in QUERIES:
        cells = []
        for name in names:
            r = out[name][label]
            more = "" if r.get("exact", True) else "+"  # counted up to a bound, more match
            cells.append(f"{r['p50']:,.2f} | {r['p95']:,.2f} | {r['hits']:,}{more}")
        f = out["fts5"][label]
        cells.append(f"{f['p50']:,.2f} | {f['p95']:,.2f} | {f['hits']:,}")
        print(f"| {label}: `{QUERIES[label]}` | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
