"""Cold time of the public list's pages by position (issue 21: "no page whose cold time
grows with its position"): page 1, the last numbered page (10) and deep pages reached by
their cursor (`?after=`), each requested through the Flask test client with no page
cache (`CACHE_BACKEND=null`: every request computes the page, count included), on a data
set of `bench.generate`:

    .venv/bin/python -m bench.generate --size 100000 --database-url sqlite:////tmp/b.sqlite3
    .venv/bin/python -m bench.deep_pages --database-url sqlite:////tmp/b.sqlite3
    .venv/bin/python -m bench.deep_pages --database-url … --filter group=AI --filter status=closed
    .venv/bin/python -m bench.deep_pages --database-url postgresql+psycopg://…/bench_100000

`--numbered` requests `?page=N` instead of cursors, for the code before keyset pages (run
it from a checkout of that code: `PYTHONPATH=<checkout> python <this file> --numbered`).
Prints a Markdown table: per page, the median and p95 of `--repeat` requests (after one
unmeasured), the median time spent in SQL (what the position can change; the rest is
rendering, and noise on a shared machine), the statements and the most rows a statement
skips with OFFSET."""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, text

PAGE_SIZE = 20
PUBLIC = "('published', 'closed', 'evaluating', 'awarded', 'cancelled')"


def _app(url: str, workdir: Path):
    from marketplace import create_app

    return create_app({
        "ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": url, "CACHE_BACKEND": "null",
        "UPLOAD_DIR": str(workdir / "uploads"), "SEARCH_INDEX_DIR": str(workdir / "index"),
        "JOBS_URL": f"sqlite:///{workdir / 'jobs.sqlite3'}", "SECRET_KEY": secrets.token_hex(32)})


def deep_path(conn, number: int, *, group: tuple[int, str] | None = None) -> str:
    """The list's page `number` (> 10) as a user reaches it, by the cursor of its Next
    link: the key of the last row of the page before it (found here with OFFSET, outside
    anything timed). `group`: (id, code) of a technology group filter."""
    from datetime import UTC, datetime

    from marketplace import keyset

    where, params, query = "", {"n": (number - 1) * PAGE_SIZE - 1}, ""
    if group is not None:
        where, params["g"], query = " AND technology_group_id = :g", group[0], \
            f"group={group[1]}&"
    at, row_id = conn.execute(text(
        f"SELECT published_at, id FROM challenges WHERE status IN {PUBLIC} "  # noqa: S608
        f"AND published_at IS NOT NULL{where} ORDER BY published_at DESC, id DESC "
        "LIMIT 1 OFFSET :n"), params).one()
    if isinstance(at, str):  # SQLite's text, naive UTC
        at = datetime.fromisoformat(at)
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return f"/challenges/?{query}after={keyset.encode(at, row_id, number)}"


def _targets(conn, numbers: list[int], numbered: bool) -> list[tuple[str, str]]:
    """(label, path) of each page."""
    out = [("1", "/challenges/"), ("10 (numbered)", "/challenges/?page=10")]
    for number in numbers:
        out.append((str(number), f"/challenges/?page={number}" if numbered
                    else deep_path(conn, number)))
    return out


def _filtered_targets(conn, wanted: list[str], numbered: bool
                      ) -> tuple[int, int, list[tuple[str, str]]]:
    """(rows, pages, [(label, path)]) of the list under the filter `wanted` ("name=value"
    pairs of `bench.mix.list_keys`: status, province, agency, group, or group and status):
    page 1, the numbered page 10, then pages by the cursor of the site's Next link."""
    from bench import mix

    pairs = sorted(tuple(item.split("=", 1)) for item in wanted)
    by_filter = mix.list_keys(conn)
    found = [(args, keys) for args, keys in by_filter.items()
             if sorted((name, str(value)) for name, value in args) == pairs]
    if not found:
        raise SystemExit(f"no public challenge under the filter {wanted}")
    args, keys = found[0]
    last = -(-len(keys) // PAGE_SIZE)
    numbers = sorted({50, 500, last // 2, last - 1, last})
    out = [("1", mix.cursor_path(args, keys, 1, PAGE_SIZE))]
    if last >= 10:
        out.append(("10 (numbered)", mix._list_path(dict(args), 10)))  # noqa: SLF001
    for number in (n for n in numbers if 10 < n <= last):
        out.append((str(number), mix._list_path(dict(args), number) if numbered  # noqa: SLF001
                    else mix.cursor_path(args, keys, number, PAGE_SIZE)))
    return len(keys), last, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--numbered", action="store_true",
                        help="request ?page=N (the code before keyset pages)")
    parser.add_argument("--filter", action="append", default=[], metavar="NAME=VALUE",
                        help="the list under a filter (status, province, agency, group; "
                             "group and status together), e.g. --filter province=79")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="deep-pages-"))
    app = _app(args.database_url, workdir)
    with app.app_context():
        from marketplace.extensions import db

        engine = db.engine
        with engine.connect() as conn:
            if args.filter:
                public, last, targets = _filtered_targets(conn, args.filter, args.numbered)
            else:
                public = conn.execute(text(
                    f"SELECT count(*) FROM challenges WHERE status IN {PUBLIC} "  # noqa: S608
                    "AND published_at IS NOT NULL")).scalar()
                last = -(-public // PAGE_SIZE)
                numbers = sorted({50, 500, last // 2, last - 1, last})
                targets = _targets(conn, [n for n in numbers if 10 < n <= last],
                                   args.numbered)
    statements: list[tuple[str, object]] = []
    sql_ms: list[float] = []

    def record(conn, cursor, statement, parameters, *_args):
        statements.append((statement, parameters))
        conn.info["deep_pages_started"] = time.perf_counter()

    def done(conn, *_args):
        sql_ms.append((time.perf_counter() - conn.info.pop("deep_pages_started")) * 1000)

    client = app.test_client()
    print(f"{args.database_url.split(':', 1)[0]}, {public:,} public challenges"
          f"{' under ' + ', '.join(args.filter) if args.filter else ''}, "
          f"{last:,} pages; {'?page=N' if args.numbered else 'cursors'}; "
          f"{args.repeat} cold requests each (no page cache)\n")
    print("| page | median ms | p95 ms | SQL ms (median) | statements | "
          "rows skipped by OFFSET |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, path in targets:
        assert client.get(path).status_code == 200, path
        times, sql_times = [], []
        for _n in range(args.repeat):
            statements.clear()
            sql_ms.clear()
            event.listen(engine, "before_cursor_execute", record)
            event.listen(engine, "after_cursor_execute", done)
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            event.remove(engine, "before_cursor_execute", record)
            event.remove(engine, "after_cursor_execute", done)
            sql_times.append(sum(sql_ms))
            assert response.status_code == 200, path
        from marketplace.keyset import skipped_rows

        skipped = [n for s, p in statements for n in skipped_rows(s, p)]
        times.sort()
        print(f"| {label} | {statistics.median(times):.1f} | "
              f"{times[max(0, round(0.95 * len(times)) - 1)]:.1f} | "
              f"{statistics.median(sql_times):.1f} | {len(statements)} | "
              f"{max(skipped, default=0):,} |")


if __name__ == "__main__":
    main()
