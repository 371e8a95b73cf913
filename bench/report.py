"""The Markdown report and the PNG chart of one benchmark run."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

RATIO_TARGETS = {"list_first": 0.30, "list_deep": 0.30, "list_filtered": 0.30,
                 "list_filtered_deep": 0.30, "challenge": 0.30, "order": 0.30,
                 "dashboard": 0.20}
MAX_QUERIES = 6
MAX_GROWTH = 1.25


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("✅" if ok else "❌")


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
                              capture_output=True, text=True, check=False,
                              cwd=Path(__file__).parent).stdout.strip() or "?"
    except OSError:
        return "?"


def render(run: dict) -> str:
    sizes = list(run["sizes"])
    args = run["args"]
    lines = [
        "# Benchmark report",
        "",
        f"Run {run['started']} on commit {_commit()} (plus the working tree), "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores; database **{args['database']}**; gunicorn 2 sync workers "
        f"on 127.0.0.1; load: **{run['load_tool']}**, {args['connections']} connections, "
        f"{args['duration']:.0f} s per page. One server per size, all up together; each "
        "page is driven for every size in turn, so the sizes of a page share the machine's "
        "load of that moment (the machine is shared: see the load column).",
        "",
        f"Command: `python -m bench.run --sizes {args['sizes']} --duration "
        f"{args['duration']:.0f} --database {args['database']}` (or `make bench`).",
        "",
        "## Data sets",
        "",
        "| challenges | rows | generated in | rows/s | cached "
        "| server load (1 min) before → after |",
        "| ---: | ---: | ---: | ---: | :---: | --- |",
    ]
    for size in sizes:
        data = run["sizes"][size]
        gen = data["generation"]
        load = (f"{data.get('load_before', ['?'])[0]:.2f} → {data.get('load_after', ['?'])[0]:.2f}"
                if data.get("load_before") else "–")
        lines.append(f"| {int(size):,} | {gen['rows']:,} | {gen['insert_s']:.1f} s | "
                     f"{gen['rows_per_s']:,.0f} | {'yes' if gen.get('cached') else 'no'} | "
                     f"{load} |")
    lines += ["", "Rows per table (largest size): " + ", ".join(
        f"{name} {count:,}" for name, count in run["sizes"][sizes[-1]]["generation"]["counts"]
        .items()) + ".", ""]

    for size in sizes:
        data = run["sizes"][size]
        hello = data["pages"].get("hello", {}).get("rps")
        lines += [f"## {int(size):,} challenges", "",
                  "| page | req/s | p50 ms | p95 ms | p99 ms | × bare route | SQL queries "
                  "| SQL ms | errors |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for target in data["targets"]:
            key = target["key"]
            page = data["pages"].get(key, {})
            q = data["queries"].get(key) or {}
            if page.get("skipped"):
                lines.append(f"| {target['name']} | skipped: {page['skipped']} | | | | | "
                             f"{_fmt(q.get('queries'))} | | |")
                continue
            if not page.get("requests"):
                lines.append(f"| {target['name']} | no response within {args['duration']:.0f} s "
                             f"| | | | | {_fmt(q.get('queries'))} | {_fmt(q.get('sql_ms'))} | |")
                continue
            ratio = page["rps"] / hello if hello and page.get("rps") else None
            lines.append(
                f"| {target['name']} | {_fmt(page.get('rps'), 0)} | {_fmt(page.get('p50'))} | "
                f"{_fmt(page.get('p95'))} | {_fmt(page.get('p99'))} | {_fmt(ratio, 2)} | "
                f"{_fmt(q.get('queries'))} | {_fmt(q.get('sql_ms'))} | {page.get('errors', 0)} |")
        rss = data.get("rss") or []
        lines += ["", "Memory (RSS after the run): " + ", ".join(
            f"{r['role']} {r['rss_mb']:.0f} MB" for r in rss) + ".", ""]

    lines += _targets(run, sizes)
    lines += _flat(run, sizes)
    lines += _ocds(run, sizes)
    lines += _search(run, sizes)
    lines += _slowest(run, sizes)
    return "\n".join(lines) + "\n"


def _targets(run: dict, sizes: list[str]) -> list[str]:
    small, large = sizes[0], sizes[-1]
    lines = ["## Targets", "",
             f"| page | max SQL queries (≤ {MAX_QUERIES}) | p50 {int(small):,} → {int(large):,} "
             f"(≤ {MAX_GROWTH}×) | one request in-process, ms {int(small):,} → {int(large):,} "
             f"| × bare route at {int(large):,} (target) |",
             "| --- | ---: | ---: | ---: | ---: |"]
    first = run["sizes"][small]
    last = run["sizes"][large]
    hello = last["pages"].get("hello", {}).get("rps")
    for target in first["targets"]:
        key = target["key"]
        if key == "hello":
            continue
        counts = [run["sizes"][s]["queries"].get(key, {}).get("queries") for s in sizes]
        counts = [c for c in counts if c is not None]
        worst = max(counts) if counts else None
        colds = [run["sizes"][s]["queries"].get(key, {}).get("cold_queries") for s in sizes]
        colds = [c for c in colds if c is not None]
        cold = max(colds) if colds else None
        p_small = first["pages"].get(key, {}).get("p50") or None
        p_large = last["pages"].get(key, {}).get("p50") or None
        if first["pages"].get(key, {}).get("requests") and not last["pages"].get(
                key, {}).get("requests"):
            p_large = float("inf")  # nothing answered within the duration
        growth = p_large / p_small if p_small and p_large and small != large else None
        rps = last["pages"].get(key, {}).get("rps")
        ratio = rps / hello if rps and hello else None
        goal = RATIO_TARGETS.get(key)
        ratio_text = (f"{_fmt(ratio, 2)} (≥ {goal}) {_verdict(ratio >= goal)}"
                      if ratio is not None and goal else _fmt(ratio, 2))
        most = max(worst, cold) if worst is not None and cold is not None else worst
        queries_text = _fmt(worst) if cold is None else f"{_fmt(worst)} / {_fmt(cold)} cold"
        in_process = (f"{_fmt(first['queries'].get(key, {}).get('request_ms'), 0)} → "
                      f"{_fmt(last['queries'].get(key, {}).get('request_ms'), 0)}")
        if cold is not None:
            in_process += (f" (cold {_fmt(first['queries'].get(key, {}).get('cold_ms'), 0)} → "
                           f"{_fmt(last['queries'].get(key, {}).get('cold_ms'), 0)})")
        lines.append(
            f"| {target['name']} | {queries_text} "
            f"{_verdict(None if most is None else most <= MAX_QUERIES)} "
            f"| {_fmt(growth, 2)}× {_verdict(None if growth is None else growth <= MAX_GROWTH)} "
            f"| {in_process} "
            f"| {ratio_text} |")
    return lines + ["", "The in-process column is one request through the Flask test client "
                    "(no server, no concurrency): a steadier view of growth than the p50 under "
                    "load on a shared machine, where a page that does no database work at all "
                    "(home) moves by ±40 % between runs. With a cache (`CACHE_BACKEND`), the "
                    "queries and the in-process time are measured warm (after one request) and "
                    "cold (the cache emptied first: the first request after a change).", ""]


MIX_RATIO, MIX_TAIL, WORK_RATIO = 0.20, 10.0, 0.30
WORK_PAGES = ("li_mine", "li_panel", "li_scoring", "li_submission", "li_order")


def _bare(data: dict) -> dict:
    return data["pages"].get("hello") or {}


def _flat(run: dict, sizes: list[str]) -> list[str]:
    """Issue 21, "costs that stay flat": the mix and the work pages as ratios to the bare
    route of the same run and size (throughput: page / bare; latency: page / bare)."""
    small, large = sizes[0], sizes[-1]
    lines = ["## Costs that stay flat (issue 21)", "",
             "Ratios to the bare route of the same size in the same run: req/s page ÷ bare "
             "(higher is better), p50/p95/p99 page ÷ bare (lower is better). Targets: the mix "
             f"≥ {MIX_RATIO} of the bare route with p99 ≤ {MIX_TAIL:.0f}× its own p50; each "
             f"work page ≥ {WORK_RATIO} and p50 growth ≤ {MAX_GROWTH}× from "
             f"{int(small):,} to {int(large):,}.", "",
             "| page | challenges | req/s | × bare | p50 ms (× bare) | p95 ms (× bare) "
             "| p99 ms (× bare) | p99 ÷ p50 | SQL | errors | verdict |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for key in ("mix", *WORK_PAGES):
        for size in sizes:
            data = run["sizes"][size]
            page, bare = data["pages"].get(key) or {}, _bare(data)
            name = next((t["name"] for t in data["targets"] if t["key"] == key), key)
            if not page.get("requests"):
                lines.append(f"| {name} | {int(size):,} | {page.get('skipped', 'not run')} "
                             "| | | | | | | | |")
                continue
            ratio = page["rps"] / bare["rps"] if bare.get("rps") else None
            tail = page["p99"] / page["p50"] if page.get("p50") else None

            def rel(p, page=page, bare=bare):
                times = f" ({page[p] / bare[p]:.1f}×)" if bare.get(p) else ""
                return f"{page[p]:,.1f}{times}"

            if key == "mix":
                ok = ratio is not None and ratio >= MIX_RATIO and tail is not None \
                    and tail <= MIX_TAIL
            else:
                ok = ratio is not None and ratio >= WORK_RATIO
            q = data["queries"].get(key) or {}
            lines.append(f"| {name} | {int(size):,} | {page['rps']:,.1f} | {_fmt(ratio, 2)} | "
                         f"{rel('p50')} | {rel('p95')} | {rel('p99')} | {_fmt(tail, 1)} | "
                         f"{_fmt(q.get('queries'))} | {page.get('errors', 0)} | {_verdict(ok)} |")
    growth = []
    for key in WORK_PAGES:
        a = run["sizes"][small]["pages"].get(key, {}).get("p50")
        b = run["sizes"][large]["pages"].get(key, {}).get("p50")
        if a and b and small != large:
            growth.append(f"{key} {b / a:.2f}× {_verdict(b / a <= MAX_GROWTH)}")
    if growth:
        lines += ["", f"p50 growth {int(small):,} → {int(large):,}: " + ", ".join(growth) + "."]
    for size in sizes:
        page = run["sizes"][size]["pages"].get("mix") or {}
        if page.get("kinds"):
            lines += ["", f"The mix at {int(size):,} by kind ({page.get('mix', {})}): " + "; ".join(
                f"{kind} {v['requests']} req, p50 {v['p50']:.0f} / p99 {v['p99']:.0f} ms"
                for kind, v in page["kinds"].items()) + "."]
    return [*lines, ""]


def _ocds(run: dict, sizes: list[str]) -> list[str]:
    """The OCDS feed against the bulk file, per release served."""
    lines = ["## OCDS per release served", "",
             "| served as | challenges | req/s | releases a request | releases/s | "
             "ms per release (p50 ÷ releases) |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for size in sizes:
        for key in ("ocds", "ocds_bulk"):
            page = run["sizes"][size]["pages"].get(key) or {}
            n = page.get("releases_per_request")
            if not page.get("requests") or not n:
                lines.append(f"| {key} | {int(size):,} | {page.get('skipped', 'not run')} "
                             "| | | |")
                continue
            extra = (f" (written in {page['bulk_write_s']:.1f} s, {page['bulk_bytes']:,} "
                     "bytes)" if "bulk_write_s" in page else "")
            lines.append(f"| {key}{extra} | {int(size):,} | {page['rps']:,.1f} | {n:,} | "
                         f"{page['rps'] * n:,.0f} | {page['p50'] / n:.4f} |")
    return [*lines, ""]


def _search(run: dict, sizes: list[str]) -> list[str]:
    lines = ["## Search", ""]
    for size in sizes:
        data = run["sizes"][size]
        index = data.get("index")
        if not index:
            continue
        fts = data.get("fts5_build", {})
        if index.get("error"):
            built = (f"the product's rebuild **failed** after {index['seconds']:.1f} s: "
                     f"`{index['error']}`")
        elif index.get("documents"):
            built = (f"{index['engine']}: {index['documents']:,} documents in "
                     f"{index['seconds']:.1f} s = **{index['docs_per_s']:,.0f} documents/s**"
                     + (f", largest builder process {index['builder_max_rss_mb']:,} MB RSS"
                        if index.get("builder_max_rss_mb") else "")
                     + (" (timed when the index was built; reused)" if index.get("cached") else ""))
        else:
            built = index.get("note", "no index")
        lines += [f"**{int(size):,} challenges.** Full rebuild: {built}. SQLite FTS5 over the "
                  f"same fields: {fts.get('documents', 0):,} documents in "
                  f"{fts.get('seconds', 0):.1f} s.", "",
                  "In-process (no HTTP): the product's `services.search()` and the FTS5 "
                  "count + top-10 with snippets; up to 30 runs each after one warm-up.", "",
                  "| query | Whoosh p50 ms | Whoosh p95 ms | hits | FTS5 p50 ms | FTS5 p95 ms "
                  "| hits | Whoosh ÷ FTS5 |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        product = data.get("search_queries") or {}
        for label, ref in (data.get("fts5_queries") or {}).items():
            mine = product.get(label, {})
            ratio = mine["p50"] / ref["p50"] if mine.get("p50") and ref["p50"] else None
            lines.append(f"| {label}: `{ref['query']}` | {_fmt(mine.get('p50'), 2)} | "
                         f"{_fmt(mine.get('p95'), 2)} | {_fmt(mine.get('hits'))} | "
                         f"{ref['p50']:.2f} | {ref['p95']:.2f} | {ref['hits']:,} | "
                         f"{_fmt(ratio, 1)} |")
        if data.get("search_queries_error"):
            lines.append(f"\nProduct search failed: `{data['search_queries_error']}`")
        lines.append("")
    return lines


def _slowest(run: dict, sizes: list[str]) -> list[str]:
    large = sizes[-1]
    lines = [f"## Slowest statements per page at {int(large):,} challenges", "",
             "From the measured test-client request (milliseconds, statement truncated).", ""]
    for key, q in run["sizes"][large]["queries"].items():
        if not q or not q.get("slowest") or key == "hello":
            continue
        lines.append(f"- **{key}** `{q['path']}` → {q['status']}, {q['queries']} queries, "
                     f"{q['request_ms']:.0f} ms in all")
        for ms, statement in q["slowest"][:2]:
            lines.append(f"  - {ms:.1f} ms: `{statement[:300]}`")
        if q["queries"] > MAX_QUERIES and q.get("statements"):
            lines.append(f"  - all {q['queries']} statements (over the target of "
                         f"{MAX_QUERIES}):")
            lines += [f"    {n}. `{sql}`" for n, sql in enumerate(q["statements"], start=1)]
    return lines + ["", "Statement counts leave out transaction control (`BEGIN`, "
                    "`SAVEPOINT`, …); SQLite's explicit `BEGIN` is one per request.", ""]


def chart(run: dict, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'): no chart")
        return
    sizes = list(run["sizes"])
    keys = [t["key"] for t in run["sizes"][sizes[0]]["targets"]]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 8), sharex=True)
    width = 0.8 / len(sizes)
    for n, size in enumerate(sizes):
        pages = run["sizes"][size]["pages"]
        xs = [i + n * width for i in range(len(keys))]
        top.bar(xs, [pages.get(k, {}).get("rps") or 0 for k in keys], width,
                label=f"{int(size):,} challenges")
        bottom.bar(xs, [pages.get(k, {}).get("p50") or 0 for k in keys], width)
    top.set_ylabel("requests/s")
    top.set_yscale("log")
    top.legend()
    bottom.set_ylabel("p50 latency (ms)")
    bottom.set_yscale("log")
    bottom.set_xticks([i + width * (len(sizes) - 1) / 2 for i in range(len(keys))])
    bottom.set_xticklabels(keys, rotation=40, ha="right")
    fig.suptitle(f"First Customer Marketplace benchmark {run['started']} "
                 f"({run['args']['database']}, gunicorn 2 workers)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Re-render a report from a run's JSON: python -m bench.report RUN.json [OUT.md]."""
    import json
    import sys

    args = sys.argv[1:] if argv is None else argv
    run = json.loads(Path(args[0]).read_text())
    out = Path(args[1]) if len(args) > 1 else Path(args[0]).with_name("report.md")
    out.write_text(render(run))
    chart(run, out.with_name("chart.png"))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
