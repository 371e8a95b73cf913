"""The benchmark: generate (or reuse) the data sets, serve the app with gunicorn on
127.0.0.1, drive every public page, count its SQL queries, time search, write the report.

    python -m bench.run                       # sizes 1000 and 100000, 10 s per page
    python -m bench.run --sizes 1000 --duration 5
    make bench BENCH_SIZES=1000 BENCH_DURATION=5

Everything is bounded: each page gets `--duration` seconds, the server is killed at the
end (also on error or Ctrl-C), and only 127.0.0.1 is ever contacted."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, event, text

from bench import deep_pages, generate, load, mix, report, search_bench
from bench.server import DEFAULT_REDIS_URL, Server, app_settings, redis_reachable, server_env

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}
PER_PAGE_GUESS = 20  # for choosing a "deep" page; a page past the end is reported as such


# ---- data sets ------------------------------------------------------------------------
def data_key(seed: int) -> str:
    """Changes when a migration changes or `generate.GENERATOR_VERSION` is bumped (do it
    whenever the generated rows change), so a stale cache rebuilds."""
    digest = hashlib.sha256(f"v{generate.GENERATOR_VERSION} seed{seed}".encode())
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def generator_key(seed: int) -> str:
    """Changes only with `generate.GENERATOR_VERSION` and the seed: the rows themselves."""
    return hashlib.sha256(f"v{generate.GENERATOR_VERSION} seed{seed}".encode()).hexdigest()[:10]


def upgrade_cached(size: int, seed: int, path: Path) -> dict | None:
    """A cached data set of the same generator and seed made before a new migration:
    migrated to the head in place (as a deployment would be) and renamed to `path`,
    instead of generated again (the 100,000 set takes 40 minutes on a busy machine).
    Its metadata, or None when there is none to reuse."""
    for meta_path in sorted(DATA.glob(f"bench-{size}-*.json")):
        meta = json.loads(meta_path.read_text())
        old = meta_path.with_suffix(".sqlite3")
        if meta.get("generator") != generator_key(seed) or not old.exists() or old == path:
            continue
        print(f"== migrating the cached {old.name} to the current head", flush=True)
        generate.migrate(f"sqlite:///{old}")
        old.rename(path)
        meta_path.unlink()
        meta["migrated_from"] = old.name
        path.with_suffix(".json").write_text(json.dumps(meta))
        return meta
    return None


def ensure_sqlite(size: int, seed: int) -> tuple[str, dict]:
    DATA.mkdir(parents=True, exist_ok=True)
    key = data_key(seed)
    path = DATA / f"bench-{size}-{key}.sqlite3"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        meta["cached"] = True
        return f"sqlite:///{path}", meta
    meta = upgrade_cached(size, seed, path)
    if meta is not None:
        meta["cached"] = True
        return f"sqlite:///{path}", meta
    for stale in DATA.glob(f"bench-{size}-*"):
        if stale.is_file():
            stale.unlink()
    partial = DATA / f"partial-{size}-{key}.sqlite3"
    for leftover in DATA.glob(f"partial-{size}-{key}.sqlite3*"):
        leftover.unlink()
    print(f"== generating {size:,} challenges into {path.name}", flush=True)
    meta = generate.generate(f"sqlite:///{partial}", size, seed)
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    partial.rename(path)
    meta["generator"] = generator_key(seed)
    meta_path.write_text(json.dumps(meta))
    meta["cached"] = False
    return f"sqlite:///{path}", meta


def ensure_postgres(size: int, seed: int, server: str) -> tuple[str, dict]:
    from sqlalchemy.engine import make_url

    key = data_key(seed)
    name = f"bench_{size}"
    meta_path = DATA / f"pg-{name}.json"
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("key") == key:
            meta["cached"] = True
            return url, meta
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    print(f"== generating {size:,} challenges into PostgreSQL {name}", flush=True)
    meta = generate.generate(url, size, seed)
    meta["key"] = key
    DATA.mkdir(parents=True, exist_ok=True)
    meta_path.write_text(json.dumps(meta))
    meta["cached"] = False
    return url, meta


# ---- what to request ------------------------------------------------------------------
def pick_targets(url: str, seed: int) -> list[dict]:
    import random

    rng = random.Random(seed)
    engine = create_engine(url)
    with engine.connect() as conn:
        public = "('published', 'closed', 'evaluating', 'awarded', 'cancelled')"
        public_count = conn.execute(text(
            f"SELECT count(*) FROM challenges WHERE status IN {public}")).scalar()  # noqa: S608
        challenge_ids = list(conn.execute(text(
            f"SELECT id FROM challenges WHERE status IN {public} ORDER BY id")).scalars())  # noqa: S608
        order_ids = list(conn.execute(text(
            "SELECT id FROM pilot_orders WHERE status IN ('signed', 'active', 'completed', "
            "'terminated') ORDER BY id")).scalars())
        group_id, group_count = conn.execute(text(
            f"SELECT technology_group_id, count(*) FROM challenges WHERE status IN {public} "  # noqa: S608
            "GROUP BY technology_group_id ORDER BY count(*) DESC, 1 LIMIT 1")).one()
        group_code = conn.execute(text("SELECT code FROM technology_groups WHERE id = :g"),
                                  {"g": group_id}).scalar()
        deep = max(2, public_count // PER_PAGE_GUESS // 2)
        deep_filtered = max(2, group_count // PER_PAGE_GUESS // 2)
        # past page 10 a user reaches a page by its Next link's cursor (issue 21: keyset)
        deep_path = (deep_pages.deep_path(conn, deep) if deep > 10
                     else f"/challenges/?page={deep}")
        deep_filtered_path = (
            deep_pages.deep_path(conn, deep_filtered, group=(group_id, group_code))
            if deep_filtered > 10 else f"/challenges/?group={group_code}&page={deep_filtered}")
        # the feed's pages from the first to the last, by the cursors of its Link header
        # (numbered pages stop at 10: 400 past them)
        from marketplace.opendata.ocds import PAGE_SIZE as ocds_page_size

        ocds_pages, ocds_last = mix.ocds_paths(conn, ocds_page_size)
    engine.dispose()
    challenges = rng.sample(challenge_ids, min(200, len(challenge_ids)))
    orders = rng.sample(order_ids, min(200, len(order_ids)))
    return [
        {"name": "hello (bare route)", "key": "hello", "paths": ["/_bench/hello"]},
        {"name": "home", "key": "home", "paths": ["/"]},
        {"name": "challenges: first page", "key": "list_first", "paths": ["/challenges/"]},
        {"name": f"challenges: deep page ({deep})", "key": "list_deep",
         "paths": [deep_path]},
        {"name": "challenges: filtered, first page", "key": "list_filtered",
         "paths": [f"/challenges/?status=published&group={group_code}"]},
        {"name": f"challenges: filtered, deep page ({deep_filtered})",
         "key": "list_filtered_deep",
         "paths": [deep_filtered_path]},
        {"name": "challenge page", "key": "challenge",
         "paths": [f"/challenges/{i}" for i in challenges]},
        {"name": "order page", "key": "order", "paths": [f"/orders/{i}" for i in orders]},
        {"name": "dashboard", "key": "dashboard", "paths": ["/dashboard"]},
        *[{"name": f"search: {label}", "key": f"search_{n}",
           "paths": [f"/search?q={urllib.request.quote(q)}"]}
          for n, (label, q) in enumerate(search_bench.QUERIES.items(), start=1)],
        {"name": f"open data: OCDS, {len(ocds_pages)} pages across 1–{ocds_last:,}", "key": "ocds",
         "paths": ocds_pages},
        {"name": "open data: bulk releases file", "key": "ocds_bulk", "bulk": True,
         "paths": ["/opendata/bulk/releases.jsonl.gz"]},
        # issue 21: what visitors really cause, and the work pages behind a login
        mix.mix_target(url, seed, list_page_size()),
        *mix.logged_in_targets(url, seed),
        {"name": "hello (bare route, again at the end)", "key": "hello_end",
         "paths": ["/_bench/hello"]},
    ]


def list_page_size() -> int:
    from marketplace.challenges.queries import PAGE_SIZE

    return PAGE_SIZE


# ---- the server: bench/server.py ------------------------------------------------
def probe(base: str, paths: list) -> dict:
    """Status of a few of a target's paths (strings or (path, headers)), before loading
    it; redirects are not followed (a logged-in page sent to /login answers 302)."""
    statuses = []
    for path in paths[:5]:
        path, headers = path if isinstance(path, tuple) else (path, {})
        try:
            statuses.append(mix.http_get(base, path, headers)[0])
        except OSError:
            statuses.append(0)
    return {"statuses": statuses}


# ---- SQL queries per request ----------------------------------------------------------
def count_queries(app, targets: list[dict]) -> dict:
    """One warm-up and one measured request per page through the Flask test client,
    counting statements with a before_cursor_execute hook and timing each."""
    from marketplace.extensions import db

    state = {"on": False, "statements": [], "control": 0}
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        if state["on"]:
            elapsed = (time.perf_counter() - conn.info.pop("bench_started")) * 1000
            sql = " ".join(statement.split())
            if sql.split(" ", 1)[0].upper() in TRANSACTION_CONTROL:
                state["control"] += 1  # BEGIN (SQLite's explicit begin), SAVEPOINT, …
            else:
                state["statements"].append((elapsed, sql[:600]))

    host = "http://127.0.0.1"  # the trusted host of the production configuration
    anonymous = app.test_client()
    out = {}
    for target in targets:
        worst = None
        client = anonymous
        paths = target.get("paths", [])
        if target.get("logged_in"):
            client = app.test_client()
            email, paths = target["sessions"][0]
            form = client.get("/login", base_url=host).get_data(as_text=True)
            token = mix.CSRF.search(form)
            client.post("/login", base_url=host, data={
                "email": email, "password": generate.PASSWORD,
                "csrf_token": token.group(1) if token else ""})
        if target.get("bulk"):
            continue  # a file the worker writes (see load_all)
        if target["key"] in ("hello", "hello_end"):  # only the benchmark's wsgi module has it
            out[target["key"]] = {"path": target["paths"][0], "status": 200, "queries": 0,
                                  "request_ms": 0.0, "sql_ms": 0.0, "bytes": 5,
                                  "slowest": [], "statements": [], "transaction_control": 0}
            continue
        for path in paths[:3]:
            client.get(path, base_url=host)
            state["statements"] = []
            state["control"] = 0
            state["on"] = True
            started = time.perf_counter()
            response = client.get(path, base_url=host)
            elapsed = (time.perf_counter() - started) * 1000
            state["on"] = False
            statements = state["statements"]
            result = {"path": path, "status": response.status_code, "queries": len(statements),
                      "request_ms": elapsed, "sql_ms": sum(s[0] for s in statements),
                      "bytes": len(response.get_data()),
                      "slowest": sorted(statements, reverse=True)[:3],
                      "statements": [sql[:160] for _, sql in statements],
                      "transaction_control": state["control"]}
            cache = app.extensions.get("cache")
            if cache is not None and cache.enabled:
                # the same request once more on an empty cache: what a page costs right
                # after a change (the data version moved) or when its TTL ran out
                cache.clear()
                state["statements"] = []
                state["on"] = True
                started = time.perf_counter()
                client.get(path, base_url=host)
                result["cold_ms"] = (time.perf_counter() - started) * 1000
                state["on"] = False
                result["cold_queries"] = len(state["statements"])
                result["cold_sql_ms"] = sum(s[0] for s in state["statements"])
            if worst is None or result["queries"] > worst["queries"]:
                worst = result
        out[target["key"]] = worst
    event.remove(engine, "before_cursor_execute", _before)
    event.remove(engine, "after_cursor_execute", _after)
    return out


# ---- one size -------------------------------------------------------------------------
def needs_index(targets: list[dict]) -> bool:
    """Whether a page of `targets` asks the search index: the search pages, the mix (its
    text queries, in /search and in the list) and the list's text query."""
    return any(target["key"] == "mix" or target["key"].startswith("search_")
               for target in targets)


def prepare_size(size: int, args, workdir: Path) -> dict:
    """Data set, search index, FTS5 reference and SQL counts of one size."""
    if args.database == "postgresql":
        url, gen_meta = ensure_postgres(size, args.seed, args.postgres_url)
    else:
        url, gen_meta = ensure_sqlite(size, args.seed)
    targets = pick_targets(url, args.seed)
    if args.pages:
        wanted = {"hello", *(k.strip() for k in args.pages.split(",") if k.strip())}
        targets = [t for t in targets if t["key"] in wanted]
    index_dir = DATA / f"search-{args.database}-{size}-{generator_key(args.seed)}"
    env = server_env(url, workdir / f"server-{size}", redis_url=args.redis_url)
    env["SEARCH_INDEX_DIR"] = str(index_dir)  # the data set's own, rebuilt once
    env["OPENDATA_DIR"] = str(workdir / f"server-{size}" / "opendata")
    settings = app_settings(env)
    from marketplace import create_app

    app = create_app(settings)
    result = {"size": size, "database": url.split(":", 1)[0], "generation": gen_meta,
              "seed": args.seed, "bulk_max": args.bulk_max,
              "targets": targets, "pages": {}, "env": env,
              "settings": {k: v for k, v in settings.items() if k != "SECRET_KEY"}}

    # the clock, as the deployment's cron runs it (`flask challenges close-expired`):
    # challenges whose deadline passed since the data set was generated are closed before
    # the load, not by the first list requests of the run (a list request closes only
    # a few, `challenges.routes.CLOSE_PER_REQUEST`)
    result["clock"] = close_expired(app)
    # search: the product's full rebuild (timed once per data set; reused while cached)
    index_meta = index_dir / "bench-rebuild.json"
    # `--skip-search` skips timing the engines, not the index the pages query: the mix's
    # text queries and the search pages on an empty index would cost nothing
    if not args.skip_search or needs_index(targets):
        if index_meta.exists():
            result["index"] = {**json.loads(index_meta.read_text()), "cached": True}
        else:
            print(f"   {size:,}: rebuilding the search index …", flush=True)
            index_dir.mkdir(parents=True, exist_ok=True)
            result["index"] = search_bench.rebuild_product_index(app)
            if "error" not in result["index"] and result["index"].get("documents"):
                index_meta.write_text(json.dumps(result["index"]))
    if not args.skip_search:
        fts_path = workdir / f"fts-{size}.sqlite3"
        result["fts5_build"] = search_bench.build_fts5(create_engine(url), fts_path)
        result["fts5_queries"] = search_bench.time_fts5(fts_path)
        if result["index"].get("documents"):
            try:
                result["search_queries"] = search_bench.time_product_queries(app)
            except Exception as error:  # noqa: BLE001
                result["search_queries_error"] = f"{type(error).__name__}: {error}"[:300]

    print(f"   {size:,}: counting SQL queries …", flush=True)
    result["queries"] = count_queries(app, targets)
    return result


def close_expired(app) -> dict:
    """`flask challenges close-expired` on the data set: {"closed": n, "seconds": s}."""
    from marketplace.challenges import services
    from marketplace.extensions import db

    started = time.perf_counter()
    with app.app_context():
        closed = services.close_expired(db.session)
        db.session.commit()
    return {"closed": closed, "seconds": round(time.perf_counter() - started, 2)}


def target_paths(base: str, size: str, result: dict, target: dict, page: dict) -> list:
    """What to request for `target` on the server at `base`: its paths; for the mix, drawn
    again when the list turns out to paginate by cursor; for a logged-in page, each path
    with the `Cookie` of its user's session (logged in now, over HTTP); for the bulk file,
    written first (`records.write_bulk`, timed) unless `--bulk-max` is below the size."""
    if target["key"] == "mix":
        if mix.list_mode(base) == "page":  # a site whose list links carry page numbers
            target.update(mix.mix_target(result["settings"]["SQLALCHEMY_DATABASE_URI"],
                                         result["seed"], list_page_size(), base))
        page["mix"] = target["mix"]
        return target["paths"]
    if target.get("logged_in"):
        return mix.session_paths(base, target)
    if target["key"] == "ocds":
        with urllib.request.urlopen(base + target["paths"][0], timeout=300) as r:  # noqa: S310
            page["releases_per_request"] = len(json.loads(r.read())["releases"])
    if target.get("bulk"):
        if int(size) > result["bulk_max"]:
            raise RuntimeError(f"not written above --bulk-max {result['bulk_max']:,}")
        page.update(write_bulk_files(result))
    return target["paths"]


def write_bulk_files(result: dict) -> dict:
    """The worker's job (`records.write_bulk`) for the data set, into the server's
    OPENDATA_DIR; its time and the number of releases the file holds."""
    import gzip

    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.opendata import ocds, records

    app = create_app({**result["settings"], "SECRET_KEY": result["env"]["SECRET_KEY"]})
    directory = result["env"]["OPENDATA_DIR"]
    with app.test_request_context("/", base_url="http://127.0.0.1"):
        from marketplace.opendata.routes import PublicUrls

        started = time.perf_counter()
        written = records.write_bulk(db.session, directory,
                                     prefix=app.config["OCDS_PREFIX"], urls=PublicUrls(),
                                     license_url=app.config["OPENDATA_LICENSE"],
                                     page_size=ocds.PAGE_SIZE)
        seconds = time.perf_counter() - started
    with gzip.open(written["releases"].path, "rt", encoding="utf-8") as lines:
        count = sum(1 for _line in lines)
    return {"bulk_write_s": seconds, "releases_per_request": count,
            "bulk_bytes": written["releases"].size}


def load_all(sizes: list[str], results: dict, args) -> None:
    """One gunicorn per size, all up at once; each page is driven for every size in
    turn, so the sizes of one page are measured under the same machine load."""
    servers = {}
    try:
        for size in sizes:
            servers[size] = Server(results[size]["env"])
        for size in sizes:
            servers[size].wait_ready()
            results[size]["load_before"] = os.getloadavg()
        for n, target in enumerate(results[sizes[0]]["targets"]):
            for size in sizes:
                size_target = results[size]["targets"][n]
                base = servers[size].base
                page = {"load": os.getloadavg()[0]}
                try:
                    paths = target_paths(base, size, results[size], size_target, page)
                except (RuntimeError, OSError) as error:
                    page["skipped"] = f"{type(error).__name__}: {error}"[:200]
                    paths = []
                status = probe(base, paths) if paths else {"statuses": []}
                page["probe"] = status
                codes = status["statuses"]
                if page.get("skipped"):
                    pass
                elif all(code == 404 for code in codes):
                    page["skipped"] = "404 for every id: the page is not built (yet)"
                elif any(code >= 300 or code == 0 for code in codes):
                    page["skipped"] = f"refused or failed on probe: {codes}"
                else:
                    page.update(load.drive(
                        base, paths, args.duration, args.connections,
                        classify=mix.kind if size_target["key"] == "mix" else None))
                results[size]["pages"][target["key"]] = page
                shown = page.get("skipped") or (
                    f"{page['rps']:.1f} req/s, p50 {page['p50']:.1f} ms, "
                    f"errors {page['errors']}")
                print(f"   {int(size):>7,} {size_target['name']:<40} {shown}", flush=True)
        for size in sizes:
            results[size]["rss"] = servers[size].worker_rss()
            results[size]["load_after"] = os.getloadavg()
    finally:
        for server in servers.values():
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the public pages.")
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "1000,100000"))
    parser.add_argument("--duration", type=float,
                        default=float(os.environ.get("BENCH_DURATION", "10")))
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", choices=("sqlite", "postgresql"),
                        default=os.environ.get("BENCH_DATABASE", "sqlite"))
    parser.add_argument("--postgres-url", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="a server URL; databases bench_<size> are created on it")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--pages", default=os.environ.get("BENCH_PAGES", ""),
                        help="only these page keys (comma-separated; the bare route is always "
                             "run): home, list_first, list_deep, list_filtered, "
                             "list_filtered_deep, challenge, order, dashboard, search_1…4, ocds")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
                        help="the login limits' store: with it the server runs the production "
                             "configuration; without a Redis there, the development one")
    parser.add_argument("--bulk-max", type=int, default=10_000,
                        help="write the OCDS bulk files (as the worker does) only for data "
                             "sets up to this size (at 100,000 it takes many minutes)")
    parser.add_argument("--baseline", action="store_true",
                        help="also write bench/results/baseline.md")
    args = parser.parse_args(argv)
    if not redis_reachable(args.redis_url):
        print(f"== no Redis at {args.redis_url}: serving the development configuration "
              "(debugging off; login limits per worker)", flush=True)
        args.redis_url = None
    sizes = [str(int(s)) for s in args.sizes.split(",") if s.strip()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run = {"started": stamp, "args": vars(args), "load_tool": "wrk" if load.wrk_path()
           else "python", "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for size in sizes:
            print(f"== preparing {int(size):,} challenges", flush=True)
            run["sizes"][size] = prepare_size(int(size), args, Path(tmp))
        print("== load", flush=True)
        load_all(sizes, run["sizes"], args)
    for size in sizes:
        run["sizes"][size].pop("env", None)  # holds the secret key
    (RESULTS / f"run-{stamp}.json").write_text(json.dumps(run, indent=1, default=str))
    markdown = report.render(run)
    (RESULTS / "report.md").write_text(markdown)
    report.chart(run, RESULTS / "chart.png")
    if args.baseline:
        (RESULTS / "baseline.md").write_text(markdown)
    print(f"== report: {RESULTS / 'report.md'}, chart: {RESULTS / 'chart.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
