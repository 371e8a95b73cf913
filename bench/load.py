"""Load generators: `wrk` (Debian's package) when present, else a bounded Python client.

Both return the same dict: requests, seconds, rps, p50/p95/p99 (ms), errors. Both stop
by themselves after `duration` seconds and only ever talk to the URL they are given."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

WRK_SCRIPT = """
local paths = {%(paths)s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCHJSON {"requests": %%d, "duration_us": %%d, "p50": %%d, "p95": %%d, "p99": %%d, ' ..
    '"status_errors": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
end
"""


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _lua_string(path: str) -> str:
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_wrk(base: str, paths: list[str], duration: float, connections: int,
            threads: int = 2) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"paths": ", ".join(_lua_string(p) for p in paths)})
    try:
        out = subprocess.run(  # noqa: S603 - a fixed program on 127.0.0.1
            [wrk_path(), "-t", str(min(threads, connections)), "-c", str(connections),
             "-d", f"{int(duration)}s", "--timeout", "30s", "-s", script.name, base],
            capture_output=True, text=True, timeout=duration + 60, check=False)
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    data = json.loads(line.removeprefix("BENCHJSON "))
    seconds = data["duration_us"] / 1e6
    return {"tool": "wrk", "requests": data["requests"], "seconds": seconds,
            "rps": data["requests"] / seconds, "p50": data["p50"] / 1000,
            "p95": data["p95"] / 1000, "p99": data["p99"] / 1000,
            "errors": data["status_errors"] + data["socket_errors"]}


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run_python(base: str, paths: list, duration: float, connections: int,
               classify=None) -> dict:
    """Threads with keep-alive connections; each stops at the deadline. A path is a string
    or (path, headers) — e.g. the `Cookie` of a logged-in session. Each thread starts at
    its own place in the list and walks it in order."""
    parts = urlsplit(base)
    deadline = time.perf_counter() + duration
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {}
    errors = [0]
    lock = threading.Lock()

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        kinds: dict[str, list[float]] = {}
        mine, bad, i = [], 0, offset * max(1, len(paths) // connections)
        while time.perf_counter() < deadline:
            path, headers = paths[i % len(paths)], {}
            if isinstance(path, tuple):
                path, headers = path
            i += 1
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    bad += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            mine.append((time.perf_counter() - start) * 1000)
            if classify is not None:
                kinds.setdefault(classify(path), []).append(mine[-1])
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad
            for kind, values in kinds.items():
                by_kind.setdefault(kind, []).extend(values)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 60)
    seconds = time.perf_counter() - started
    out = {"tool": "python", "requests": len(latencies), "seconds": seconds,
           "rps": len(latencies) / seconds, "p50": percentile(latencies, 50),
           "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
           "errors": errors[0]}
    if classify is not None:
        out["kinds"] = {kind: {"requests": len(values), "p50": percentile(values, 50),
                               "p95": percentile(values, 95), "p99": percentile(values, 99)}
                        for kind, values in sorted(by_kind.items())}
    return out


def drive(base: str, paths: list, duration: float, connections: int,
          python: bool = False, classify=None) -> dict:
    """`python`: the Python client even when wrk is there (so that pages driven with
    headers and their bare route are measured by the same client); `classify(path)`
    names a path's kind, for latencies per kind (Python client only)."""
    if wrk_path() and not python and classify is None and all(
            isinstance(p, str) for p in paths):
        return run_wrk(base, paths, duration, connections)
    return run_python(base, paths, duration, connections, classify)
