"""The server every benchmark drives: gunicorn on a free port of 127.0.0.1, serving
`bench.wsgi_bench:app` (the product plus the bare route `/_bench/hello`), with the
environment a deployment has.

`server_env` gives that environment. With a Redis URL it is the production configuration
(`MARKETPLACE_ENV=production`: secure cookies, JSON logs, trusted hosts, the login limits
in Redis, as `docs/deploy.md` runs it); production refuses to start without a shared
limit store, so without Redis it is the development configuration with debugging off
(limits counted in each worker, text logs). Mail is never sent: no job worker runs, so
what the requests queue stays in the queue (`JOBS_URL`, a file of the run). The login
and API rate limits are lifted for the benchmark's own client (`BENCH_LIMITS`)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
# The bench's client is one address (127.0.0.1) sending thousands of requests and logins a
# minute: production's limits per address and per account (config.py: LOGIN_LIMIT_PER_*,
# API_RATE_LIMIT, 300 a minute on the open data) would measure the limiter's 429s, not
# the pages. The benchmark's server (and only it) runs with these instead; the product's
# defaults are not touched. BENCH_LOGIN_LIMIT / BENCH_API_LIMIT in the environment of
# `bench.run` or `bench.rush` change them (a `limits` string, e.g. "20 per 15 minutes"
# to measure with production's).
BENCH_LIMITS = {"LOGIN_LIMIT_PER_ACCOUNT": ("BENCH_LOGIN_LIMIT", "100000 per minute"),
                "LOGIN_LIMIT_PER_ADDRESS": ("BENCH_LOGIN_LIMIT", "100000 per minute"),
                "API_RATE_LIMIT": ("BENCH_API_LIMIT", "100000 per minute")}


def bench_limits(environ=None) -> dict[str, str]:
    """The limits the benchmark's server runs with: {setting: value}."""
    environ = os.environ if environ is None else environ
    return {setting: environ.get(variable) or default
            for setting, (variable, default) in BENCH_LIMITS.items()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_reachable(url: str | None) -> bool:
    """True when a Redis answers PING at `url` (only 127.0.0.1 is ever used here)."""
    if not url:
        return False
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means "not usable"
        return False


def server_env(database_url: str, workdir: Path, *, redis_url: str | None = None,
               secret_key: str | None = None) -> dict[str, str]:
    """The process environment of the benchmark's gunicorn (and of the commands run
    beside it, such as `flask challenges close-expired`): production settings when
    `redis_url` is given, development settings with debugging off otherwise. `workdir`
    holds the uploads, the search index and the job queue of the run."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MARKETPLACE_BENCH": "1", "DATABASE_URL": database_url,
           "UPLOAD_DIR": str(workdir / "uploads"),
           "SEARCH_INDEX_DIR": str(workdir / "search-index"),
           "JOBS_URL": f"sqlite:///{workdir / 'jobs.sqlite3'}",
           "SECRET_KEY": secret_key or secrets.token_hex(32), "FLASK_DEBUG": "0",
           **bench_limits()}
    if redis_url:
        env.update({
            "MARKETPLACE_ENV": "production", "RATELIMIT_STORAGE_URI": redis_url,
            # what production requires; nothing is ever sent (no worker runs)
            "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": "9",
            "OCDS_PREFIX": "ocds-bench0", "PUBLIC_BASE_URL": "http://127.0.0.1",
            "TRUSTED_HOSTS": "127.0.0.1"})
    else:
        env.update({"MARKETPLACE_ENV": "development", "RATELIMIT_STORAGE_URI": "memory://"})
    return env


def app_settings(env: dict[str, str]) -> dict:
    """The same configuration as a `create_app` dict, for work done in this process
    (counting SQL statements, reading stored files back)."""
    settings = {"ENV_NAME": env["MARKETPLACE_ENV"],
                "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
                "UPLOAD_DIR": env["UPLOAD_DIR"], "SEARCH_INDEX_DIR": env["SEARCH_INDEX_DIR"],
                "JOBS_URL": env["JOBS_URL"], "SECRET_KEY": env["SECRET_KEY"],
                "RATELIMIT_STORAGE_URI": env["RATELIMIT_STORAGE_URI"],
                **{setting: env[setting] for setting in BENCH_LIMITS}}
    if env["MARKETPLACE_ENV"] == "production":
        settings.update({"MAIL_BACKEND": "smtp", "MAIL_SERVER": env["MAIL_SERVER"],
                         "OCDS_PREFIX": env["OCDS_PREFIX"],
                         "PUBLIC_BASE_URL": env["PUBLIC_BASE_URL"],
                         "TRUSTED_HOSTS": [env["TRUSTED_HOSTS"]]})
    return settings


class Server:
    """gunicorn with `workers` sync workers on 127.0.0.1; stopped in `stop()`, always."""

    def __init__(self, env: dict, workers: int = 2, timeout: int = 120,
                 preload: bool = False):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".gunicorn.log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 - our own server, local only
            [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b",
             f"127.0.0.1:{self.port}", "--timeout", str(timeout), "--chdir", str(ROOT),
             *(["--preload"] if preload else []), "bench.wsgi_bench:app"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.log_tail())
            try:
                with urllib.request.urlopen(self.base + "/_bench/hello", timeout=5) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer in time:\n" + self.log_tail())

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return Path(self.log.name).read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def worker_rss(self) -> list[dict]:
        pids = []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            pids = [int(p) for p in children.read_text().split()]
        except OSError:
            pass
        out = []
        for pid in [self.process.pid, *pids]:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            rss = next(int(line.split()[1]) for line in status.splitlines()
                       if line.startswith("VmRSS:"))
            out.append({"pid": pid, "role": "master" if pid == self.process.pid else "worker",
                        "rss_mb": rss / 1024})
        return out

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
