"""Issue 15's closing figures, measured as an operator would, against gunicorn on
127.0.0.1: request times with a good, a dead and a silent mail server, and the files a
killed upload leaves behind.

    python -m bench.operator                                  # SQLite, N=30, M=12
    python -m bench.operator --database postgresql            # database bench_operator
    python -m bench.operator --requests 3 --uploads 2 --recovery jump   # tiny (the test's)

What happens, in order:

1. A fresh database (a SQLite file of the run, or `bench_operator` on the PostgreSQL
   server `--postgres-url`), migrated with the real migrations, with the rush's agency,
   challenge and a few verified startups (`bench.rush.prepare_database`); gunicorn with
   one sync worker (`bench.server`, `--preload`), `MAIL_BACKEND=smtp`, `MAIL_SERVER=
   127.0.0.1`, `MAIL_PORT` a free port, `MAIL_TIMEOUT` `--mail-timeout`; the job worker
   beside it, `flask --app wsgi worker`, as a deployment runs it.
2. Mail. On that port, in `--rounds` rounds of the three situations in turn: a server that
   accepts and delivers (aiosmtpd), none (dead: connection refused), one that accepts TCP
   and never says a word (silent). In each, `--requests`/`--rounds` times: `POST
   /password/forgot` for a known address, the same for an unknown one, and an invitation
   to a startup (`POST /organizations/<id>/members`, which queues a mail), one after the
   other, timed by the client (a logged-in browser for the invitation, an anonymous one
   for the reset). Then the job worker is stopped (SIGINT: it finishes what it runs),
   the good server comes back, and the worker's jobs are run (`jobs.drain`, what `flask
   worker --drain` does, then `send_mail` every 2 s) until the outbox is empty or
   `--recovery-timeout` passes — a mail that failed waits its backoff (a minute after the
   first failure) — or, with `--recovery jump`, once at the clock of the latest retry
   (as tests/test_mail_worker.py does). Every mail the server received is counted by
   recipient against what the requests asked for.
3. Crashes. A solver logs in, saves a draft, and uploads `--uploads` PDFs of
   `--upload-mb` MB each (`POST /submissions/<id>/attachments`); two are let through to
   time an upload, then each of the others is sent while the gunicorn worker (the
   master's only child, read from /proc) is sent SIGKILL after a delay drawn uniformly
   between 0 and that time; the master forks a new worker and the next one starts. Then
   the files under `UPLOAD_DIR` that no committed row names (`.part` files included,
   counted by walking the directory) before and after the real command, `flask --app wsgi
   files sweep --grace 0`, and every committed row's file read back (SHA-256 = the row's
   = bytes sent).

Targets (exit status 1 when one is missed): no 5xx; with a dead or a silent server, every
kind of request's p95 at most `--slack-ms` (100) above the good server's; a known and an
unknown address answered with the same status and redirect, and their p95 within
`--slack-ms` of each other; every mail asked for delivered once after the recovery; no
orphan left after the sweep; no committed row without its file intact.

Bounded: every request has `--timeout`, the recovery `--recovery-timeout`, the servers
(gunicorn, the job worker, the mail servers) are stopped at the end, also on error, and
only 127.0.0.1 is contacted."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

from bench.load import percentile
from bench.server import (
    DEFAULT_REDIS_URL,
    ROOT,
    Server,
    app_settings,
    free_port,
    redis_reachable,
    server_env,
)

RESULTS = ROOT / "bench" / "results"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBMISSION_PATH = re.compile(r"/submissions/(\d+)$")
SITUATIONS = ("good", "dead", "silent")
KINDS = ("forgot_known", "forgot_unknown", "invite")
UNKNOWN = "nobody-{situation}-{n}@operator.bench.example"
INVITEE = "invitee-{situation}-{n}@operator.bench.example"
# users of bench.rush.prepare_database: rush<n>@rush.bench.example, owner of startup n
KNOWN = {"good": 0, "dead": 1, "silent": 2}
INVITER, UPLOADER = 3, 4


@dataclass
class Options:
    requests: int = 30  # per situation and kind
    rounds: int = 3  # the situations take turns this many times (a busy machine drifts)
    uploads: int = 12  # killed uploads
    upload_mb: float = 3.0
    calibration: int = 2  # uploads let through first, to time one
    mail_timeout: int = 5
    timeout: float = 60.0  # per request
    recovery: str = "wait"  # "wait" (real time, the backoff) or "jump" (the retry's clock)
    recovery_timeout: float = 240.0
    slack_ms: float = 100.0
    seed: int = 15
    redis_url: str | None = None


# ---- a browser ------------------------------------------------------------------------
class Browser:
    """One visitor: its cookies (the production ones are Secure: 127.0.0.1 is a secure
    origin, as in browsers), a new connection per request, no redirect followed."""

    def __init__(self, port: int, timeout: float):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, str, str, float]:
        """(status, Location, body, ms from sending to the whole answer read)."""
        headers = {"Host": f"127.0.0.1:{self.port}", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            elapsed = (time.perf_counter() - started) * 1000
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    if morsel.value == "" or morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return response.status, response.headers.get("Location", ""), text, elapsed
        finally:
            connection.close()

    def form(self, path: str, data: dict) -> tuple[int, str, str, float]:
        return self.request("POST", path, urllib.parse.urlencode(data).encode(),
                            "application/x-www-form-urlencoded")

    def token(self, path: str) -> str:
        status, _location, text, _ms = self.request("GET", path)
        match = CSRF.search(text)
        if status != 200 or not match:
            raise RuntimeError(f"GET {path}: {status}, no form")
        return match.group(1)

    def log_in(self, email: str, password: str) -> None:
        status, location, _text, _ms = self.form("/login", {
            "email": email, "password": password, "csrf_token": self.token("/login")})
        if status != 302 or "/login" in location:
            raise RuntimeError(f"log in as {email}: {status} → {location!r}")


def multipart(fields: dict[str, str], name: str, filename: str, data: bytes
              ) -> tuple[bytes, str]:
    boundary = "operator" + hashlib.sha256(data[-64:]).hexdigest()[:24]
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             .encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                 f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
                 + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# ---- mail servers on 127.0.0.1 ----------------------------------------------------------
class Received:
    """aiosmtpd's handler: every message accepted, its recipients kept."""

    def __init__(self) -> None:
        self.recipients: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


@contextlib.contextmanager
def smtp_situation(situation: str, port: int, received: Received):
    """On 127.0.0.1:`port`: a server that delivers ("good"), nothing ("dead": connections
    refused) or a socket that accepts connections (the kernel's backlog) and never says a
    word ("silent")."""
    if situation == "good":
        from aiosmtpd.controller import Controller

        controller = Controller(received, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            yield
        finally:
            controller.stop()
    elif situation == "silent":
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        try:
            yield
        finally:
            listener.close()
    elif situation == "dead":
        yield
    else:
        raise ValueError(situation)


# ---- the figures --------------------------------------------------------------------------
def stats(values: list[float]) -> dict:
    return {"count": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "max": max(values) if values else float("nan")}


def mail_verdict(timings: dict, delivered: dict, slack_ms: float) -> dict:
    """The mail targets from `timings[situation][kind]` (a list of (status, Location, ms))
    and `delivered[situation]` ({"asked", "received", "duplicates"}): a list of what was
    missed, empty when every target is met."""
    missed = []
    for situation, kinds in timings.items():
        for kind, rows in kinds.items():
            if any(status >= 500 for status, _loc, _ms in rows):
                missed.append(f"{situation} {kind}: 5xx")
            if situation != "good":
                slower = (percentile([ms for *_r, ms in rows], 95)
                          - percentile([ms for *_r, ms in timings["good"][kind]], 95))
                if slower > slack_ms:
                    missed.append(f"{situation} {kind}: p95 {slower:.0f} ms above the good "
                                  f"server's")
        known = {(status, loc) for status, loc, _ms in kinds["forgot_known"]}
        unknown = {(status, loc) for status, loc, _ms in kinds["forgot_unknown"]}
        if known != unknown or len(known) != 1:
            missed.append(f"{situation}: known {sorted(known)} / unknown {sorted(unknown)}")
        gap = abs(percentile([ms for *_r, ms in kinds["forgot_known"]], 95)
                  - percentile([ms for *_r, ms in kinds["forgot_unknown"]], 95))
        if gap > slack_ms:
            missed.append(f"{situation}: known and unknown p95 {gap:.0f} ms apart")
    for situation, counts in delivered.items():
        if counts["received"] != counts["asked"] or counts["duplicates"]:
            missed.append(f"{situation}: {counts['received']} of {counts['asked']} mails "
                          f"delivered, {counts['duplicates']} duplicates")
    return {"missed": missed}


def count_delivered(recipients: list[str], requests: int) -> dict:
    """Per situation: the mails asked for (a reset for each known request, an invitation
    each), those received (distinct by recipient and order), and duplicates."""
    out = {}
    for situation in SITUATIONS:
        known = f"rush{KNOWN[situation]}@rush.bench.example"
        invitees = {INVITEE.format(situation=situation, n=n) for n in range(requests)}
        unknown = {UNKNOWN.format(situation=situation, n=n) for n in range(requests)}
        resets = sum(1 for r in recipients if r == known)
        invites = [r for r in recipients if r in invitees]
        out[situation] = {
            "asked": 2 * requests,
            "received": min(resets, requests) + len(set(invites)),
            "duplicates": max(0, resets - requests) + len(invites) - len(set(invites)),
            "to_unknown": sum(1 for r in recipients if r in unknown)}
    return out


def orphans(upload_dir: Path, referenced: set[str]) -> dict:
    """Files under `upload_dir` that no committed row names (`.part` files always),
    counted by walking the directory."""
    out = {"files": 0, "orphans": 0, "parts": 0}
    for _dir, _subdirs, names in os.walk(upload_dir):
        for name in names:
            out["files"] += 1
            if name.endswith(".part"):
                out["parts"] += 1
                out["orphans"] += 1
            elif name not in referenced:
                out["orphans"] += 1
    return out


def crash_verdict(crash: dict) -> dict:
    missed = []
    if crash["after"]["orphans"]:
        missed.append(f"{crash['after']['orphans']} orphans left after the sweep")
    if crash["rows_bad"] or crash["rows_bad_after_sweep"]:
        missed.append(f"rows without their file intact: {crash['rows_bad']} before the "
                      f"sweep, {crash['rows_bad_after_sweep']} after")
    if crash["answered_302_without_row"]:
        missed.append(f"{crash['answered_302_without_row']} uploads answered but not stored")
    if crash["sweep"]["returncode"] != 0:
        missed.append("flask files sweep failed")
    if crash["5xx"]:
        missed.append(f"{crash['5xx']} 5xx")
    return {"missed": missed}


# ---- the run --------------------------------------------------------------------------------
def flask_command(env: dict, *args: str, timeout: float = 300) -> dict:
    started = time.time()
    result = subprocess.run(  # noqa: S603 - our own interpreter and app
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=timeout, check=False)
    return {"returncode": result.returncode, "seconds": time.time() - started,
            "output": result.stdout.strip()[-400:], "errors": result.stderr.strip()[-2000:]}


def in_app(env: dict, **extra):
    from marketplace import create_app

    return create_app({**app_settings(env), "MAIL_BACKEND": "smtp",
                       "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": int(env["MAIL_PORT"]),
                       "MAIL_TIMEOUT": int(env["MAIL_TIMEOUT"]), "JOBS_IMMEDIATE": False,
                       **extra})


def stop_worker(process: subprocess.Popen, wait: float) -> int | None:
    """SIGINT: Huey's consumer finishes the jobs it runs, then exits (SIGTERM would stop
    them where they are, leaving their mail claimed for the lease's 10 minutes)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    return process.returncode


def wait_for_line(path: Path, text: str, process: subprocess.Popen, timeout: float) -> float:
    """Seconds until `text` appears in the log at `path` (the job worker started)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if text in path.read_text(errors="replace"):
            return time.monotonic() - started
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError("the job worker did not start:\n" + path.read_text(errors="replace")[-3000:])


def mail_phase(server: Server, env: dict, org_id: int, options: Options, port: int) -> dict:
    from bench.rush import PASSWORD

    received = Received()
    owner = Browser(server.port, options.timeout)
    owner.log_in(f"rush{INVITER}@rush.bench.example", PASSWORD)
    members = f"/organizations/{org_id}/members"
    invite_token = owner.token(members)
    visitor = Browser(server.port, options.timeout)
    forgot_token = visitor.token("/password/forgot")
    for _ in range(3):  # warm: the first requests of a process are slower
        visitor.request("GET", "/password/forgot")
        owner.request("GET", members)
    worker_log = tempfile.NamedTemporaryFile("w+", suffix=".worker.log", delete=False)  # noqa: SIM115
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and app
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "2"],
        cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT,
        start_new_session=True)
    worker_ready_s = wait_for_line(Path(worker_log.name), "consumer started", worker, 90)
    timings = {s: {k: [] for k in KINDS} for s in SITUATIONS}
    windows = {s: 0.0 for s in SITUATIONS}
    count = {s: 0 for s in SITUATIONS}
    per_round = [options.requests // options.rounds + (r < options.requests % options.rounds)
                 for r in range(options.rounds)]
    try:
        for size in per_round:
            for situation in SITUATIONS:
                with smtp_situation(situation, port, received):
                    started = time.time()
                    for _ in range(size):
                        n = count[situation]
                        count[situation] += 1
                        known = f"rush{KNOWN[situation]}@rush.bench.example"
                        for kind, email in (("forgot_known", known), (
                                "forgot_unknown", UNKNOWN.format(situation=situation, n=n))):
                            status, location, _text, ms = visitor.form(
                                "/password/forgot", {"email": email,
                                                     "csrf_token": forgot_token})
                            timings[situation][kind].append((status, location, ms))
                        status, location, _text, ms = owner.form(members, {
                            "email": INVITEE.format(situation=situation, n=n),
                            "role": "member", "csrf_token": invite_token})
                        timings[situation]["invite"].append((status, location, ms))
                    windows[situation] += time.time() - started
        stopped = time.time()
        worker_exit = stop_worker(worker, options.mail_timeout * 3 + 30)
        worker_stop_s = time.time() - stopped
        worker_text = Path(worker_log.name).read_text(errors="replace")
    finally:
        stop_worker(worker, 5)
        worker_log.close()
        Path(worker_log.name).unlink(missing_ok=True)
    during_outage = len(received.recipients)
    recovery = recover(env, port, received, options)
    delivered = count_delivered(received.recipients, options.requests)
    summary = {
        "timings": {s: {k: {**stats([ms for *_r, ms in rows]),
                            "statuses": sorted({st for st, _l, _m in rows}),
                            "locations": sorted({loc for _s, loc, _m in rows})}
                        for k, rows in kinds.items()} for s, kinds in timings.items()},
        "window_s": windows, "delivered": delivered,
        "received_before_recovery": during_outage, "recovery": recovery,
        "job_worker": {"ready_s": worker_ready_s, "exit": worker_exit,
                       "stop_s": worker_stop_s, "sent_logged": worker_text.count("outbox: sent"),
                       "failures_logged": worker_text.count("failed (attempt"),
                       "tracebacks": worker_text.count("Traceback")},
    }
    summary.update(mail_verdict(timings, delivered, options.slack_ms))
    return summary


def recover(env: dict, port: int, received: Received, options: Options) -> dict:
    """The good server back: the worker's queued jobs run (`jobs.drain`, as `flask worker
    --drain`), then `send_mail` every 2 s until nothing is left unsent (or, with `jump`,
    once at the clock of the latest retry)."""
    from sqlalchemy import func, select

    from marketplace import jobs
    from marketplace.accounts.models import PasswordResetRequest
    from marketplace.extensions import db
    from marketplace.notifications import outbox
    from marketplace.notifications.models import OutboxEmail

    app = in_app(env)
    started = time.time()
    out = {"mode": options.recovery}
    with smtp_situation("good", port, received), app.app_context():
        queue = jobs.jobs(app)
        out["drained_jobs"] = queue.drain()
        queue.enqueue("send_password_resets")  # requests the stopped worker left
        queue.drain()

        def read(statement):
            """One value, in a transaction ended at once (the jobs run in sessions of their
            own: on SQLite an open transaction here would lock them out)."""
            try:
                return db.session.scalar(statement)
            finally:
                db.session.rollback()

        def unsent() -> int:
            return (read(select(func.count()).select_from(OutboxEmail).where(
                OutboxEmail.sent_at.is_(None))) or 0) + (read(
                    select(func.count()).select_from(PasswordResetRequest)) or 0)

        out["unsent_at_start"] = unsent()
        out["attempts_max"] = read(select(func.max(OutboxEmail.attempts))) or 0
        if options.recovery == "jump":
            latest = read(select(func.max(OutboxEmail.next_attempt_at)))
            if latest is not None:
                outbox.send_due(db.session, now=latest + timedelta(seconds=1), limit=10_000)
        deadline = time.time() + options.recovery_timeout
        while (left := unsent()) and time.time() < deadline:
            queue.enqueue("send_mail")
            queue.drain()
            if unsent():
                time.sleep(2)
        out["unsent_at_end"] = left
        out["outbox_rows"] = read(select(func.count()).select_from(OutboxEmail))
        out["attempts_max"] = read(select(func.max(OutboxEmail.attempts))) or 0
        db.session.remove()
        db.engine.dispose()
    out["seconds"] = time.time() - started
    return out


def worker_pid(server: Server) -> int | None:
    try:
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
        pids = [int(p) for p in children.read_text().split()]
    except OSError:
        return None
    return pids[0] if len(pids) == 1 else None


def wait_new_worker(server: Server, old: int | None, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = worker_pid(server)
        if pid is not None and pid != old:
            server.wait_ready(max(1.0, deadline - time.monotonic()))
            return pid
        time.sleep(0.05)
    raise RuntimeError("gunicorn did not fork a new worker:\n" + server.log_tail())


def crash_phase(server: Server, env: dict, challenge_id: int, org_id: int, options: Options,
                rng: random.Random) -> dict:
    from bench.rush import FORM, PASSWORD

    solver = Browser(server.port, options.timeout)
    solver.log_in(f"rush{UPLOADER}@rush.bench.example", PASSWORD)
    new = f"/submissions/new?challenge={challenge_id}"
    status, location, _text, _ms = solver.form(new, {
        **FORM, "organization_id": str(org_id), "csrf_token": solver.token(new)})
    match = SUBMISSION_PATH.search(location)
    if status != 302 or not match:
        raise RuntimeError(f"draft: {status} → {location!r}")
    path = f"/submissions/{match.group(1)}"
    token = solver.token(path)
    size = int(options.upload_mb * 1024 * 1024)
    sent: dict[str, int] = {}  # sha256 → upload number
    uploads = []
    out = {"5xx": 0}

    def upload(n: int, record: dict) -> None:
        data = b"%PDF-1.7\n% operator " + str(n).encode() + b"\n" + rng.randbytes(size)
        sent[hashlib.sha256(data).hexdigest()] = n
        body, content_type = multipart({"csrf_token": token}, "attachments",
                                       f"ho-so-{n}.pdf", data)
        try:
            status, _loc, _text, ms = solver.request("POST", f"{path}/attachments", body,
                                                     content_type)
            record.update(status=status, ms=ms)
        except (OSError, http.client.HTTPException) as error:
            record.update(error=type(error).__name__)

    pid = wait_new_worker(server, None)
    for n in range(options.calibration):
        record = {"n": n, "killed": False}
        upload(n, record)
        uploads.append(record)
    times = [r["ms"] for r in uploads if r.get("status") == 302]
    span_ms = percentile(times, 50) if times else 500.0
    for n in range(options.calibration, options.calibration + options.uploads):
        record = {"n": n, "killed": True, "kill_after_ms": rng.uniform(0, span_ms)}
        thread = threading.Thread(target=upload, args=(n, record))
        thread.start()
        time.sleep(record["kill_after_ms"] / 1000)
        record["answered_before_kill"] = not thread.is_alive()
        os.kill(pid, signal.SIGKILL)
        thread.join(options.timeout + 5)
        uploads.append(record)
        pid = wait_new_worker(server, pid)
    out["5xx"] = sum(1 for r in uploads if r.get("status", 0) >= 500)
    out.update(calibration_ms=times, span_ms=span_ms, uploads=uploads)
    return out | {"sent": sent}


def check_files(env: dict, sent: dict[str, int]) -> dict:
    """The committed rows and the files on disk: orphans, and each row's file read back."""
    from sqlalchemy import select

    from marketplace.extensions import db
    from marketplace.files.models import Attachment
    from marketplace.files.services import stored_name_columns
    from marketplace.files.storage import storage

    app = in_app(env)
    with app.app_context():
        referenced = set()
        for column in stored_name_columns():
            referenced.update(db.session.scalars(select(column)))
        rows = db.session.execute(select(Attachment.stored_name, Attachment.sha256)).all()
        bad = 0
        for stored_name, sha256 in rows:
            try:
                with storage().open(stored_name) as stream:
                    actual = hashlib.sha256(stream.read()).hexdigest()
            except OSError:
                actual = None
            if actual != sha256 or sha256 not in sent:
                bad += 1
        committed = sorted(sent[sha] for _name, sha in rows if sha in sent)
        db.session.remove()
        db.engine.dispose()
    return {"rows": len(rows), "rows_bad": bad, "committed": committed,
            **orphans(Path(env["UPLOAD_DIR"]), referenced)}


def run(database_url: str, workdir: Path, options: Options) -> dict:
    from bench.rush import prepare_database

    rng = random.Random(options.seed)
    smtp_port = free_port()
    env = server_env(database_url, workdir, redis_url=options.redis_url)
    env.update({"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(smtp_port), "MAIL_TIMEOUT": str(options.mail_timeout)})
    load_before = os.getloadavg()
    started = time.time()
    server = Server(env, workers=1, timeout=60, preload=True)
    try:
        challenge_id, plan = prepare_database(database_url, UPLOADER + 1)
        server.wait_ready()
        prepared = time.time() - started
        mail = mail_phase(server, env, plan[INVITER][1], options, smtp_port)
        mark = time.time()
        crash = crash_phase(server, env, challenge_id, plan[UPLOADER][1], options, rng)
        crash["seconds"] = time.time() - mark
        log_tail = server.log_tail(20000)
    finally:
        server.stop()
    sent = crash.pop("sent")
    before = check_files(env, sent)
    sweep = flask_command(env, "files", "sweep", "--grace", "0")
    after = check_files(env, sent)
    answered = {r["n"] for r in crash["uploads"] if r.get("status") == 302}
    crash.update({
        "before": {k: before[k] for k in ("files", "orphans", "parts")},
        "after": {k: after[k] for k in ("files", "orphans", "parts")},
        "rows": before["rows"], "rows_bad": before["rows_bad"],
        "rows_bad_after_sweep": after["rows_bad"], "committed": before["committed"],
        "killed_committed": sum(1 for r in crash["uploads"]
                                if r["killed"] and r["n"] in before["committed"]),
        "answered_302_without_row": len(answered - set(before["committed"])),
        "sweep": sweep,
        "workers_killed_logged": log_tail.count("SIGKILL"),
    })
    crash.update(crash_verdict(crash))
    return {
        "database": database_url.split(":", 1)[0].split("+")[0],
        "configuration": env["MARKETPLACE_ENV"],
        "options": {k: v for k, v in asdict(options).items() if k != "redis_url"},
        "prepare_s": prepared, "load_before": load_before, "load_after": os.getloadavg(),
        "mail": mail, "crash": crash,
        "passed": not mail["missed"] and not crash["missed"],
    }


# ---- the report -----------------------------------------------------------------------------
def render(summaries: list[dict], command: str) -> str:
    def ms(value: float) -> str:
        return "—" if value != value else f"{value:,.0f}"  # NaN

    lines = [f"Command: `{command}`", ""]
    for s in summaries:
        mail, crash, opts = s["mail"], s["crash"], s["options"]
        lines += [f"### {s['database']} ({s['configuration']} configuration, gunicorn 1 "
                  f"worker, MAIL_TIMEOUT {opts['mail_timeout']} s; load "
                  f"{s['load_before'][0]:.1f} → {s['load_after'][0]:.1f})", "",
                  "| mail server | request | n | status | p50 ms | p95 ms | max ms "
                  "| p95 − good p95 |", "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |"]
        for situation in SITUATIONS:
            for kind in KINDS:
                t = mail["timings"][situation][kind]
                slower = ("—" if situation == "good"
                          else f"{t['p95'] - mail['timings']['good'][kind]['p95']:+,.0f}")
                lines.append(
                    f"| {situation} | {kind.replace('_', ' ')} | {t['count']} | "
                    f"{', '.join(map(str, t['statuses']))} | {ms(t['p50'])} | {ms(t['p95'])} "
                    f"| {ms(t['max'])} | {slower} |")
        rec = mail["recovery"]
        delivered = ", ".join(f"{k} {v['received']}/{v['asked']}"
                              + (f" (+{v['duplicates']} duplicates)" if v["duplicates"] else "")
                              for k, v in mail["delivered"].items())
        lines += ["", f"- mail delivered (received by the server / asked for): {delivered}; "
                  f"{mail['received_before_recovery']} received while the situations ran, "
                  f"the rest after the good server came back ({rec['mode']}: "
                  f"{rec['seconds']:.0f} s, {rec['unsent_at_start']} unsent at its start, "
                  f"{rec['unsent_at_end']} at its end, most attempts of one mail "
                  f"{rec['attempts_max']}); the job worker logged "
                  f"{mail['job_worker']['failures_logged']} failed sends",
                  f"- mail targets: {'met' if not mail['missed'] else '; '.join(mail['missed'])}",
                  ""]
        killed = [u for u in crash["uploads"] if u["killed"]]
        lines += [
            f"- uploads of {opts['upload_mb']:g} MB: {len(crash['calibration_ms'])} let through "
            f"({', '.join(ms(x) for x in crash['calibration_ms'])} ms), {len(killed)} with the "
            f"worker SIGKILLed 0–{crash['span_ms']:.0f} ms after sending; "
            f"{sum(1 for u in killed if u.get('answered_before_kill'))} answered before the "
            f"kill, {crash['killed_committed']} of the killed ones committed",
            f"- files on disk / orphans (of which .part) before the sweep: "
            f"{crash['before']['files']} / {crash['before']['orphans']} "
            f"({crash['before']['parts']}); `flask files sweep --grace 0`: "
            f"“{crash['sweep']['output'][-60:]}”; after: {crash['after']['files']} / "
            f"{crash['after']['orphans']} ({crash['after']['parts']})",
            f"- committed rows: {crash['rows']}, files intact (SHA-256 read back = row = sent): "
            f"{crash['rows'] - crash['rows_bad']} before the sweep, "
            f"{crash['rows'] - crash['rows_bad_after_sweep']} after",
            f"- crash targets: {'met' if not crash['missed'] else '; '.join(crash['missed'])}",
            f"- **{'✅ all targets met' if s['passed'] else '❌ target missed'}**", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    defaults = Options()
    parser = argparse.ArgumentParser(
        description="Issue 15's closing figures: request times with a good, dead and silent "
                    "mail server; orphan files after killed uploads and the sweep.")
    parser.add_argument("--database", default="sqlite",
                        help="sqlite, postgresql or both, comma-separated")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="a server URL; the database bench_operator is (re)created on it")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL",
                                                              DEFAULT_REDIS_URL))
    parser.add_argument("--requests", type=int, default=defaults.requests,
                        help="per mail situation and kind of request")
    parser.add_argument("--rounds", type=int, default=defaults.rounds)
    parser.add_argument("--uploads", type=int, default=defaults.uploads,
                        help="uploads whose worker is killed")
    parser.add_argument("--upload-mb", type=float, default=defaults.upload_mb)
    parser.add_argument("--mail-timeout", type=int, default=defaults.mail_timeout)
    parser.add_argument("--timeout", type=float, default=defaults.timeout)
    parser.add_argument("--recovery", choices=("wait", "jump"), default=defaults.recovery)
    parser.add_argument("--recovery-timeout", type=float, default=defaults.recovery_timeout)
    parser.add_argument("--slack-ms", type=float, default=defaults.slack_ms)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--no-write", action="store_true",
                        help="print the report only (nothing under bench/results)")
    args = parser.parse_args(argv)
    from bench.rush import database_for

    redis_url = args.redis_url if redis_reachable(args.redis_url) else None
    if redis_url is None:
        print(f"== no Redis at {args.redis_url}: serving the development configuration",
              flush=True)
    options = Options(requests=args.requests, rounds=max(1, min(args.rounds, args.requests)),
                      uploads=args.uploads, upload_mb=args.upload_mb,
                      mail_timeout=args.mail_timeout, timeout=args.timeout,
                      recovery=args.recovery, recovery_timeout=args.recovery_timeout,
                      slack_ms=args.slack_ms, seed=args.seed, redis_url=redis_url)
    command = "python -m bench.operator " + " ".join(
        argv if argv is not None else sys.argv[1:])
    summaries = []
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for kind in [k.strip() for k in args.database.split(",") if k.strip()]:
        with tempfile.TemporaryDirectory(prefix="operator-") as tmp:
            print(f"== operator figures on {kind} (load {os.getloadavg()[0]:.1f})", flush=True)
            summary = run(database_for(kind, args.postgres_url, Path(tmp), "operator"),
                          Path(tmp), options)
            summary["started"] = stamp
            summaries.append(summary)
            print(render([summary], command), flush=True)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"operator-{stamp}.json").write_text(
            json.dumps(summaries, indent=1, default=str))
        (RESULTS / "operator.md").write_text(render(summaries, command))
        print(f"== {RESULTS / 'operator.md'}, {RESULTS / f'operator-{stamp}.json'}")
    return 0 if all(s["passed"] for s in summaries) else 1


if __name__ == "__main__":
    sys.exit(main())
