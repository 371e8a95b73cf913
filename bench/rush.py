"""The deadline rush (issue 15): many solvers bid in the last minute before a deadline,
over HTTP, against gunicorn, and nothing is lost.

    python -m bench.rush --database sqlite                  # 200 solvers + 10 late, 4 workers
    python -m bench.rush --database postgresql              # database bench_rush on 127.0.0.1
    python -m bench.rush --solvers 50 --late 5 --window 20  # smaller
    python -m bench.rush --front none                       # gunicorn without nginx
    make bench-rush                                         # both databases

What happens, in order:

1. A fresh database (a SQLite file of the run, or `bench_rush` on the PostgreSQL server
   `--postgres-url`), migrated with the real migrations; one agency and its published
   challenge; `--solvers` + `--late` verified startups, each with its owner, bulk-inserted
   with one precomputed password hash.
2. gunicorn (`--workers` sync workers) on a free port of 127.0.0.1 (`bench.server`),
   started while the database is migrated, and in front of it, when nginx is installed
   (`--front`), nginx stamping X-Request-Start as `docs/deploy.md` deploys it
   (`bench.front`; the app then judges deadlines at the time nginx received a request,
   not after its wait in gunicorn's queue); the bare route `/_bench/hello` is timed
   first, alone, as in `make bench`.
3. Every solver logs in over HTTP (its own cookie jar). Then the agency's deadline is set
   to `--window` seconds (plus a small lead) from now, straight in the database.
4. The rush: each on-time solver picks the moment it will press "submit", in the last
   `--window` seconds, crowded towards the deadline (the square of a uniform draw) and at
   least `--margin` seconds before it. A few seconds before that moment it opens the form,
   saves a draft, uploads a small PDF of its own (unique bytes), opens its submission,
   then presses submit and reads the page it is sent to. The late solvers do the same
   preparation in time, but press submit 1–3 s after the deadline. The clock closes the
   challenge half a second after the deadline with the real command,
   `flask challenges close-expired`, as cron would.
5. The check, from the database and the storage: every receipt shown to a solver is a
   submitted (or, after the close, opened) row with that digest, and every such row was
   shown; every stored file's SHA-256, read back from storage, is the SHA-256 of the bytes
   sent; every late solver was refused and still has its draft, its text and its file
   (one whose draft or file reached the application after the deadline was refused that
   too, as it should be, and is listed apart; one whose draft and file were answered
   before the deadline and are gone is a defect, `late_drafts_lost`).

Reported: 5xx, timeouts, other failures, receipts shown vs submitted rows, lost bids,
files intact, the late ones, latency of each step (p50/p95/p99) with submit's ratio to the
bare route, and how long each submit waited between leaving the client and the
application reading the clock (the deadline is judged at that time).

Bounded: every request has `--timeout`, the whole rush a hard limit, the server is stopped
at the end (also on error or Ctrl-C), and only 127.0.0.1 is contacted."""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import hashlib
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.load import drive, percentile
from bench.server import (
    DEFAULT_REDIS_URL,
    ROOT,
    Server,
    app_settings,
    redis_reachable,
    server_env,
)

RESULTS = ROOT / "bench" / "results"
PASSWORD = "rush-password"  # noqa: S105 - throwaway accounts of a benchmark database
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RECEIPT = re.compile(r'id="receipt-digest">([0-9a-f]{64})<')
SUBMISSION_PATH = re.compile(r"/submissions/(\d+)$")
FORM = {"summary": "Cảm biến ngập lụt cho đô thị", "technical_approach": "IoT, LoRaWAN",
        "trl": "7", "proposed_price": "1.500.000.000 đ", "timeline": "5 tháng",
        "team": "6 kỹ sư"}
# behind the stamping nginx, a request sent this long (s) before the deadline was received
# by nginx before it, even on a busy machine (nginx stamps within milliseconds)
STAMP_SLACK = 0.5
STEPS = ("login_form", "login", "form", "draft", "show", "upload", "show_before_submit",
         "submit", "receipt_page")


@dataclass
class Options:
    solvers: int = 200
    late: int = 10
    workers: int = 4
    window: float = 60.0  # seconds before the deadline in which the on-time ones submit
    margin: float = 1.0  # the last submit is pressed this long before the deadline
    prepare: tuple[float, float] = (3.0, 10.0)  # seconds from opening the form to submit
    late_after: tuple[float, float] = (1.0, 3.0)  # seconds after the deadline
    close_after: float = 0.5  # the clock's close, seconds after the deadline
    timeout: float = 60.0  # per request
    bare_seconds: float = 5.0
    login_concurrency: int = 8
    pdf_kb: int = 48
    seed: int = 15
    redis_url: str | None = None  # production configuration when set
    front: str = "auto"  # nginx in front (bench.front): "auto" (when installed), "nginx", "none"


@dataclass
class Solver:
    n: int
    email: str
    org_id: int
    late: bool
    start_at: float = 0.0  # wall clock (time.time()), like the server's
    submit_at: float = 0.0
    pdf: bytes = b""
    submission_id: int | None = None
    failed: str | None = None  # the step that failed, and how
    sent_at: float | None = None  # when the submit left the client
    answered_at: float | None = None
    receipt: str | None = None
    refusal_shown: bool = False
    # step, status, ms, when it left the client (wall clock)
    requests: list[tuple[str, int, float, float]] = field(default_factory=list)


# ---- the database ---------------------------------------------------------------------
def pdf_bytes(size_kb: int, rng: random.Random) -> bytes:
    """A small real PDF (fpdf2, a page of text) of about `size_kb` kB."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_compression(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=8)
    lines = max(1, size_kb * 1024 // 90)
    for _ in range(lines):
        pdf.cell(0, 3, f"{rng.getrandbits(256):064x}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def prepare_database(url: str, count: int) -> tuple[int, list[tuple[str, int]]]:
    """Migrate the (empty) database at `url` and add one agency with a published challenge
    and `count` verified startups with their owners. Returns the challenge's id and
    (email, organization id) of each solver."""
    from argon2 import PasswordHasher
    from sqlalchemy import insert, select

    from bench.generate import migrate
    from marketplace import create_app
    from marketplace.accounts.models import (
        MemberRole,
        Membership,
        Organization,
        OrgKind,
        OrgStatus,
        User,
    )
    from marketplace.challenges.models import Challenge, ChallengeStatus, Criterion
    from marketplace.extensions import db
    from marketplace.taxonomy.models import TaxonomyVersion, TechnologyGroup
    from marketplace.types import utcnow

    migrate(url)
    password_hash = PasswordHasher().hash(PASSWORD)  # the product's own parameters
    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        session = db.session
        now = utcnow()
        officer = User(email="officer@rush.bench.example", full_name="Cán bộ",
                       password_hash=password_hash)
        agency = Organization(kind=OrgKind.AGENCY, name_vi="Sở Khoa học và Công nghệ (rush)",
                              registration_code="RUSH-AGENCY", province="Hà Nội",
                              status=OrgStatus.VERIFIED, verified_at=now)
        session.add_all([officer, agency,
                         Membership(user=officer, organization=agency,
                                    role=MemberRole.OFFICER)])
        group = session.scalar(select(TechnologyGroup).join(TaxonomyVersion).where(
            TaxonomyVersion.valid_to.is_(None)).order_by(TechnologyGroup.id).limit(1))
        challenge = Challenge(
            agency=agency, created_by=officer, title="Cảnh báo ngập lụt (hạn chót)",
            problem="Cần giải pháp cảnh báo ngập.", expected_outcomes="Cảnh báo sớm 30 phút.",
            technology_group_id=group.id, sector="Đô thị", pilot_site="Quận 1",
            province="Hà Nội", budget_ceiling=2_000_000_000, pilot_duration_months=6,
            eligible_kinds=["startup"], clarification_deadline=now - timedelta(hours=1),
            submission_deadline=now + timedelta(days=1), status=ChallengeStatus.PUBLISHED,
            published_at=now - timedelta(days=20))
        challenge.criteria.append(Criterion(position=0, name="Khả thi", weight=100,
                                            description="Khả thi kỹ thuật"))
        session.add(challenge)
        session.flush()
        session.execute(insert(User), [
            {"email": f"rush{n}@rush.bench.example", "full_name": f"Người nộp {n}",
             "password_hash": password_hash, "created_at": now} for n in range(count)])
        session.execute(insert(Organization), [
            {"kind": OrgKind.STARTUP, "name_vi": f"Khởi nghiệp {n}",
             "registration_code": f"RUSH-{n:06d}", "province": "Hà Nội",
             "status": OrgStatus.VERIFIED, "verified_at": now, "created_at": now}
            for n in range(count)])
        users = dict(session.execute(select(User.email, User.id).where(
            User.email.like("rush%@rush.bench.example"))).all())
        orgs = dict(session.execute(select(Organization.registration_code, Organization.id)
                                    .where(Organization.registration_code.like("RUSH-0%"))).all())
        plan = [(f"rush{n}@rush.bench.example", orgs[f"RUSH-{n:06d}"]) for n in range(count)]
        session.execute(insert(Membership), [
            {"user_id": users[email], "organization_id": org_id, "role": MemberRole.OWNER,
             "created_at": now} for email, org_id in plan])
        session.commit()
        challenge_id = challenge.id
        db.session.remove()
        db.engine.dispose()
    return challenge_id, plan


def set_deadline(url: str, challenge_id: int, deadline: datetime) -> None:
    """The agency's deadline, moved to `deadline` (straight in the database: the bench
    plays the calendar, not an amendment)."""
    from sqlalchemy import update

    from marketplace import create_app
    from marketplace.challenges.models import Challenge
    from marketplace.extensions import db

    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.session.execute(update(Challenge).where(Challenge.id == challenge_id).values(
            submission_deadline=deadline))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


# ---- the solvers ----------------------------------------------------------------------
class Client:
    """One solver's browser: its own cookies, one connection at a time, no redirects
    followed by itself; every request timed and recorded."""

    def __init__(self, base: str, solver: Solver, timeout: float, counters: dict):
        import aiohttp

        self.aiohttp = aiohttp
        self.solver = solver
        self.counters = counters
        # the production cookies are Secure: 127.0.0.1 is a secure origin, as in browsers
        jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[base])
        self.session = aiohttp.ClientSession(
            base_url=base, cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=timeout),
            connector=aiohttp.TCPConnector(limit=1, force_close=True))

    async def request(self, step: str, method: str, path: str, *, expect: int, **kwargs
                      ) -> tuple[int, str, str] | None:
        started, sent_at = time.perf_counter(), time.time()
        try:
            async with self.session.request(method, path, allow_redirects=False,
                                            **kwargs) as response:
                body = await response.text()
                status, location = response.status, response.headers.get("Location", "")
        except TimeoutError:
            self.counters["timeouts"] += 1
            self.solver.failed = f"{step}: timeout"
            return None
        except self.aiohttp.ClientError as error:
            self.counters["connection_errors"] += 1
            self.solver.failed = f"{step}: {type(error).__name__}"
            return None
        elapsed = (time.perf_counter() - started) * 1000
        self.solver.requests.append((step, status, elapsed, sent_at))
        if status >= 500:
            self.counters["5xx"] += 1
        if status != expect:
            self.counters["unexpected"] += 1
            self.solver.failed = f"{step}: {status}"
            return None
        return status, body, location

    async def close(self) -> None:
        await self.session.close()


def _token(body: str) -> str:
    match = CSRF.search(body)
    return match.group(1) if match else ""


async def _sleep_until(moment: float) -> None:
    delay = moment - time.time()
    if delay > 0:
        await asyncio.sleep(delay)


async def log_in(client: Client, solver: Solver) -> bool:
    got = await client.request("login_form", "GET", "/login", expect=200)
    if got is None:
        return False
    got = await client.request("login", "POST", "/login", expect=302, data={
        "email": solver.email, "password": PASSWORD, "csrf_token": _token(got[1])})
    return got is not None


async def bid(client: Client, solver: Solver, challenge_id: int) -> None:
    """Open the form, save the draft, upload the PDF, open the submission, then press
    submit at `solver.submit_at` (at once if the preparation took longer) and read the
    page the answer leads to."""
    await _sleep_until(solver.start_at)
    new = f"/submissions/new?challenge={challenge_id}"
    got = await client.request("form", "GET", new, expect=200)
    if got is None:
        return
    got = await client.request("draft", "POST", new, expect=302, data={
        **FORM, "organization_id": str(solver.org_id), "csrf_token": _token(got[1])})
    if got is None:
        return
    match = SUBMISSION_PATH.search(got[2])
    if not match:
        solver.failed = f"draft: redirected to {got[2]!r}"
        return
    solver.submission_id = int(match.group(1))
    path = f"/submissions/{solver.submission_id}"
    got = await client.request("show", "GET", path, expect=200)
    if got is None:
        return
    upload = client.aiohttp.FormData()
    upload.add_field("csrf_token", _token(got[1]))
    upload.add_field("attachments", solver.pdf, filename=f"ho-so-{solver.n}.pdf",
                     content_type="application/pdf")
    if await client.request("upload", "POST", f"{path}/attachments", expect=302,
                            data=upload) is None:
        return
    got = await client.request("show_before_submit", "GET", path, expect=200)
    if got is None:
        return
    token = _token(got[1])
    await _sleep_until(solver.submit_at)
    solver.sent_at = time.time()
    got = await client.request("submit", "POST", f"{path}/submit", expect=302,
                               data={"csrf_token": token})
    solver.answered_at = time.time()
    if got is None:
        return
    got = await client.request("receipt_page", "GET", path, expect=200)
    if got is None:
        return
    match = RECEIPT.search(got[1])
    solver.receipt = match.group(1) if match else None
    solver.refusal_shown = 'class="alert alert-danger"' in got[1]


def schedule(solvers: list[Solver], deadline: float, options: Options,
             rng: random.Random) -> None:
    """When each solver opens the form and presses submit (wall clock)."""
    low, high = options.prepare
    for solver in solvers:
        preparation = rng.uniform(low, high)
        if solver.late:
            solver.submit_at = deadline + rng.uniform(*options.late_after)
            solver.start_at = deadline - options.margin - rng.uniform(high, options.window)
        else:
            span = max(0.0, options.window - options.margin - high)
            solver.submit_at = deadline - options.margin - span * rng.random() ** 2
            solver.start_at = solver.submit_at - preparation


CLOSE_SCRIPT = """
import json, sys, time
from wsgi import app
moment = float(sys.argv[1])
time.sleep(max(0.0, moment - time.time()))
started = time.time()
result = app.test_cli_runner().invoke(args=["challenges", "close-expired"])
print("CLOSED " + json.dumps({"started": started, "seconds": time.time() - started,
                              "returncode": result.exit_code,
                              "output": result.output.strip()[-200:]}), flush=True)
"""


async def close_at(moment: float, env: dict) -> dict:
    """The clock: the real command, `flask challenges close-expired`, run at `moment` as
    cron would, in a process started beforehand (so its imports, seconds on a busy
    machine, are done by then)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CLOSE_SCRIPT, repr(moment), cwd=str(ROOT), env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(),
                                       timeout=max(0.0, moment - time.time()) + 120)
    text = output.decode(errors="replace")
    line = next((x for x in text.splitlines() if x.startswith("CLOSED ")), None)
    if line is None:
        return {"started": float("nan"), "seconds": float("nan"),
                "returncode": process.returncode, "output": text.strip()[-300:]}
    return json.loads(line.removeprefix("CLOSED "))


async def probe_bare(base: str, until: float, period: float = 0.25) -> list[float]:
    """The bare route's latency during the rush, a few times a second."""
    import aiohttp

    latencies = []
    async with aiohttp.ClientSession(base_url=base,
                                     timeout=aiohttp.ClientTimeout(total=30)) as session:
        while time.time() < until:
            started = time.perf_counter()
            try:
                async with session.get("/_bench/hello") as response:
                    await response.read()
                    if response.status == 200:
                        latencies.append((time.perf_counter() - started) * 1000)
            except (TimeoutError, aiohttp.ClientError):
                pass
            await asyncio.sleep(period)
    return latencies


async def rush(base: str, solvers: list[Solver], challenge_id: int, url: str, env: dict,
               options: Options, rng: random.Random, counters: dict) -> dict:
    clients = {s.n: Client(base, s, options.timeout, counters) for s in solvers}
    try:
        gate = asyncio.Semaphore(options.login_concurrency)

        async def one_login(solver: Solver) -> None:
            async with gate:
                await log_in(clients[solver.n], solver)

        started = time.time()
        await asyncio.wait_for(asyncio.gather(*(one_login(s) for s in solvers)),
                               timeout=options.timeout * 4 + len(solvers))
        logins = {"seconds": time.time() - started,
                  "failed": sum(1 for s in solvers if s.failed)}
        # the deadline: the whole window from now, and a little time to set it
        deadline = time.time() + options.window + 2.0
        set_deadline(url, challenge_id, datetime.fromtimestamp(deadline, UTC))
        schedule(solvers, deadline, options, rng)
        active = [s for s in solvers if not s.failed]
        last = max(s.submit_at for s in solvers)
        limit = last - time.time() + 8 * options.timeout
        tasks = [bid(clients[s.n], s, challenge_id) for s in active]
        results = await asyncio.wait_for(asyncio.gather(
            asyncio.gather(*tasks), close_at(deadline + options.close_after, env),
            probe_bare(base, last + 1.0)), timeout=limit)
        return {"deadline": deadline, "logins": logins, "close": results[1],
                "bare_during": results[2]}
    finally:
        await asyncio.gather(*(c.close() for c in clients.values()))


# ---- the check --------------------------------------------------------------------------
def verify(env: dict, challenge_id: int, solvers: list[Solver], deadline: float) -> dict:
    """What the database and the storage hold, against what each solver sent and saw."""
    from sqlalchemy import select

    from marketplace import create_app
    from marketplace.challenges.models import Challenge
    from marketplace.extensions import db
    from marketplace.files.models import Attachment
    from marketplace.files.storage import storage
    from marketplace.submissions.models import Submission, SubmissionStatus

    app = create_app(app_settings(env))
    bid_states = {SubmissionStatus.SUBMITTED, SubmissionStatus.OPENED}
    stamped = bool(env.get("REQUEST_START_HEADER"))  # judged when nginx received it
    with app.app_context():
        rows = {s.organization_id: s for s in db.session.scalars(
            select(Submission).where(Submission.challenge_id == challenge_id))}
        files: dict[int, list[Attachment]] = {}
        for attachment in db.session.scalars(select(Attachment).join(
                Submission, Attachment.submission_id == Submission.id).where(
                Submission.challenge_id == challenge_id)):
            files.setdefault(attachment.submission_id, []).append(attachment)
        challenge_status = db.session.get(Challenge, challenge_id).status.value

        def read_back(attachment: Attachment) -> str | None:
            try:
                with storage().open(attachment.stored_name) as handle:
                    return hashlib.sha256(handle.read()).hexdigest()
            except OSError:
                return None

        out = {"challenge_status": challenge_status, "rows": len(rows),
               "submitted_rows": sum(1 for r in rows.values() if r.status in bid_states),
               "opened_rows": sum(1 for r in rows.values()
                                  if r.status is SubmissionStatus.OPENED),
               "receipts_shown": sum(1 for s in solvers if s.receipt),
               "lost": [], "receipt_without_row": [], "row_without_receipt": [],
               "sent_on_time_refused": [], "files": 0, "files_intact": 0,
               "files_bad": [], "late": 0, "late_refused": 0, "late_refusal_shown": 0,
               "late_drafts_kept": 0, "late_drafts_missing": [], "late_drafts_lost": [],
               "late_accepted": [], "waits_ms": []}
        for solver in solvers:
            row = rows.get(solver.org_id)
            sent_sha = hashlib.sha256(solver.pdf).hexdigest()
            for attachment in files.get(row.id, []) if row is not None else []:
                out["files"] += 1
                stored = read_back(attachment)
                if stored == attachment.sha256 == sent_sha:
                    out["files_intact"] += 1
                else:
                    out["files_bad"].append({"solver": solver.n, "sent": sent_sha,
                                             "row": attachment.sha256, "stored": stored})
            if solver.late:
                out["late"] += 1
                if row is not None and row.status in bid_states:
                    out["late_accepted"].append(solver.n)
                    continue
                if solver.sent_at is not None and not solver.receipt:
                    out["late_refused"] += 1
                    out["late_refusal_shown"] += solver.refusal_shown
                kept = files.get(row.id, []) if row is not None else []
                if (row is not None and row.status is SubmissionStatus.DRAFT
                        and row.summary == FORM["summary"]
                        and [a.sha256 for a in kept] == [sent_sha]):
                    out["late_drafts_kept"] += 1
                    continue
                # why not: the draft or the file reached the application after the
                # deadline (refused, as it should be), or a defect: both were judged
                # before the deadline — answered before it, or, behind the stamping
                # nginx, sent at least STAMP_SLACK before it — and yet are gone
                timing = {step: (sent - deadline, sent + ms / 1000 - deadline)
                          for step, _status, ms, sent in solver.requests}

                def judged_before(step: str, timing=timing) -> bool:
                    sent, answered = timing.get(step, (None, None))
                    return sent is not None and (answered < 0 or (stamped and sent < -STAMP_SLACK))

                missing = {"solver": solver.n, "failed": solver.failed,
                           "row": row.status.value if row is not None else None,
                           "files": len(kept),
                           **{f"{step}_{what}_s": round(timing[step][i], 3)
                              for step in ("draft", "upload") if step in timing
                              for i, what in enumerate(("sent", "answered"))}}
                out["late_drafts_missing"].append(missing)
                if judged_before("draft") and judged_before("upload"):
                    out["late_drafts_lost"].append(missing)
                continue
            is_bid = row is not None and row.status in bid_states
            if solver.receipt and not (is_bid and row.receipt_digest == solver.receipt):
                out["receipt_without_row"].append(solver.n)
            if is_bid and not solver.receipt:
                out["row_without_receipt"].append(solver.n)
            if solver.sent_at is not None and solver.sent_at < deadline and not is_bid:
                out["lost"].append(solver.n)
                if solver.answered_at is not None and not solver.failed:
                    out["sent_on_time_refused"].append(solver.n)
            if is_bid and solver.sent_at is not None:
                # submitted_at is the time the application read the clock for it
                out["waits_ms"].append((row.submitted_at.timestamp() - solver.sent_at) * 1000)
        db.session.remove()
        db.engine.dispose()
    return out


def summarise(solvers: list[Solver], counters: dict, checked: dict, run: dict) -> dict:
    latencies: dict[str, list[float]] = {step: [] for step in STEPS}
    for solver in solvers:
        for step, _status, ms, _sent in solver.requests:
            latencies[step].append(ms)
    steps = {step: {"count": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95),
                    "p99": percentile(v, 99), "max": max(v) if v else float("nan")}
             for step, v in latencies.items()}
    bare = run["bare"]["p50"]
    during = run["bare_during"]
    on_time = [s for s in solvers if not s.late]
    waits = checked.pop("waits_ms")
    submit_sent = [s for s in on_time if s.sent_at is not None]
    return {
        "requests": sum(len(s.requests) for s in solvers),
        "5xx": counters["5xx"], "timeouts": counters["timeouts"],
        "connection_errors": counters["connection_errors"],
        "unexpected_status": counters["unexpected"],
        "failed_solvers": {s.n: s.failed for s in solvers if s.failed},
        "on_time": len(on_time), "on_time_submits_sent": len(submit_sent),
        "on_time_sent_after_deadline": sum(1 for s in submit_sent
                                           if s.sent_at >= run["deadline"]),
        "last_on_time_submit_before_deadline_s": (
            run["deadline"] - max(s.sent_at for s in submit_sent) if submit_sent else None),
        **checked,
        "wait_before_clock_ms": {"p50": percentile(waits, 50), "p99": percentile(waits, 99),
                                 "max": max(waits) if waits else float("nan")},
        "steps": steps,
        "bare_p50_ms": bare, "bare_during_rush_p50_ms": percentile(during, 50),
        "submit_over_bare_p50": steps["submit"]["p50"] / bare if bare else float("nan"),
    }


def passed(summary: dict) -> bool:
    """The target: no error and nothing lost."""
    return (summary["5xx"] == 0 and summary["timeouts"] == 0
            and summary["challenge_status"] == "closed" and summary["close"]["returncode"] == 0
            and summary["connection_errors"] == 0 and summary["unexpected_status"] == 0
            and not summary["lost"] and not summary["receipt_without_row"]
            and not summary["row_without_receipt"] and not summary["files_bad"]
            and summary["receipts_shown"] == summary["submitted_rows"] == summary["on_time"]
            and summary["files_intact"] == summary["files"] == summary["on_time"]
            + summary["late"]
            and not summary["late_drafts_lost"]
            and summary["late_refused"] == summary["late_drafts_kept"] == summary["late"])


# ---- one run ------------------------------------------------------------------------------
def run(database_url: str, workdir: Path, options: Options) -> dict:
    """The whole rush on the empty database at `database_url`; the summary (see
    `summarise`) with the run's settings. The server (and nginx) is always stopped.

    gunicorn starts first: its import of the application (seconds) overlaps the
    migration. With `options.front` nginx (`bench.front`) the solvers talk to it, as in
    `docs/deploy.md`, and the application judges deadlines at the time nginx received
    each request (`TRUSTED_PROXIES=1`, `REQUEST_START_HEADER=X-Request-Start`)."""
    from bench.front import FRONT_SETTINGS, Nginx, nginx_binary

    rng = random.Random(options.seed)
    count = options.solvers + options.late
    nginx = nginx_binary() if options.front in ("auto", "nginx") else None
    if options.front == "nginx" and nginx is None:
        raise RuntimeError("--front nginx: nginx is not installed (apt-get install nginx-light)")
    env = server_env(database_url, workdir, redis_url=options.redis_url)
    if nginx:
        env.update(FRONT_SETTINGS)
    started = time.time()
    # the app imported once, before the workers fork (seconds saved on a busy machine)
    server = Server(env, workers=options.workers, timeout=60, preload=True)
    front = None
    counters = {"5xx": 0, "timeouts": 0, "connection_errors": 0, "unexpected": 0}
    phases = {}
    try:
        challenge_id, plan = prepare_database(database_url, count)
        prepared = time.time() - started
        phases["prepare"] = prepared
        base_pdf = pdf_bytes(options.pdf_kb, rng)
        solvers = [Solver(n=n, email=email, org_id=org_id, late=n >= options.solvers,
                          # unique bytes per solver: a comment after the end of the file
                          pdf=base_pdf + f"% rush {n} {secrets.token_hex(16)}\n".encode())
                   for n, (email, org_id) in enumerate(plan)]
        mark = time.time()
        server.wait_ready()
        if nginx:
            front = Nginx(nginx, server.port, workdir)
            front.wait_ready()
        base = front.base if front else server.base
        phases["server_start_after_prepare"] = time.time() - mark
        load_before = os.getloadavg()
        bare = drive(base, ["/_bench/hello"], options.bare_seconds, 4)
        mark = time.time()
        # in a thread of its own: the caller may already run an event loop (Playwright's
        # sync API on the same pytest-xdist worker), and asyncio.run refuses to nest
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            outcome = pool.submit(asyncio.run, rush(base, solvers, challenge_id,
                                                    database_url, env, options, rng,
                                                    counters)).result()
        phases["logins_and_rush"] = time.time() - mark
        outcome["bare"] = bare
        rss = server.worker_rss()
        log_tail = server.log_tail(20000)
    finally:
        if front is not None:
            front.stop()
        server.stop()
    load_after = os.getloadavg()
    mark = time.time()
    checked = verify(env, challenge_id, solvers, outcome["deadline"])
    phases["verify"] = time.time() - mark
    summary = summarise(solvers, counters, checked, outcome)
    summary.update({
        "database": database_url.split(":", 1)[0].split("+")[0],
        "configuration": env["MARKETPLACE_ENV"], "workers": options.workers,
        "front": f"{front.version} (X-Request-Start)" if front else "none (gunicorn directly)",
        "options": {k: v for k, v in asdict(options).items() if k != "redis_url"},
        "prepare_s": prepared, "phases_s": phases, "logins": outcome["logins"],
        "close": outcome["close"],
        "load_before": load_before, "load_after": load_after, "rss": rss,
        "server_errors_logged": [line for line in log_tail.splitlines()
                                 if "Traceback" in line or "Error" in line][-20:],
    })
    summary["passed"] = passed(summary)
    return summary


# ---- the report -----------------------------------------------------------------------------
def render(summaries: list[dict], command: str) -> str:
    def ms(value) -> str:
        return "—" if value != value else f"{value:,.0f}"  # NaN

    lines = [f"Command: `{command}`", ""]
    head = ["", *(f"{s['database']} ({s['configuration']}, {s['workers']} workers)"
                  for s in summaries)]
    lines += ["| " + " | ".join(head) + " |", "|" + " --- |" + " ---: |" * len(summaries)]

    def row(label, fn):
        lines.append(f"| {label} | " + " | ".join(fn(s) for s in summaries) + " |")

    row("in front of gunicorn", lambda s: s["front"])
    row("solvers on time + late", lambda s: f"{s['on_time']} + {s['late']}")
    row("load average before → after", lambda s: f"{s['load_before'][0]:.1f} → "
                                                 f"{s['load_after'][0]:.1f}")
    row("requests", lambda s: f"{s['requests']:,}")
    row("5xx / timeouts / connection errors / other unexpected",
        lambda s: f"{s['5xx']} / {s['timeouts']} / {s['connection_errors']} / "
                  f"{s['unexpected_status']}")
    row("receipts shown / submitted rows (opened at the close)",
        lambda s: f"{s['receipts_shown']} / {s['submitted_rows']} ({s['opened_rows']})")
    row("lost (sent on time, no bid) / refused although sent on time",
        lambda s: f"{len(s['lost'])} / {len(s['sent_on_time_refused'])}")
    row("files intact (SHA-256 read back = sent = row)",
        lambda s: f"{s['files_intact']} / {s['files']}")
    row("late: refused / refusal shown / drafts kept",
        lambda s: f"{s['late_refused']} / {s['late_refusal_shown']} / "
                  f"{s['late_drafts_kept']} of {s['late']}")
    row("late drafts not kept: saved before the deadline (a defect) / reached it after",
        lambda s: f"{len(s['late_drafts_lost'])} / "
                  f"{len(s['late_drafts_missing']) - len(s['late_drafts_lost'])}")
    row("on-time solvers whose submit left after the deadline / never left",
        lambda s: f"{s['on_time_sent_after_deadline']} / "
                  f"{s['on_time'] - s['on_time_submits_sent']}")
    row("last on-time submit sent before the deadline",
        lambda s: "—" if s["last_on_time_submit_before_deadline_s"] is None
        else f"{s['last_on_time_submit_before_deadline_s']:.2f} s")
    row("submit p50 / p95 / p99 ms", lambda s: " / ".join(
        ms(s["steps"]["submit"][k]) for k in ("p50", "p95", "p99")))
    row("bare route p50 ms (alone; during the rush)",
        lambda s: f"{s['bare_p50_ms']:.1f}; {s['bare_during_rush_p50_ms']:.1f}")
    row("submit p50 ÷ bare p50", lambda s: f"{s['submit_over_bare_p50']:,.0f}×")
    row("draft / upload p50 / p99 ms", lambda s: (
        f"{ms(s['steps']['draft']['p50'])} / {ms(s['steps']['draft']['p99'])}; "
        f"{ms(s['steps']['upload']['p50'])} / {ms(s['steps']['upload']['p99'])}"))
    row("submit sent → time judged (nginx's stamp, or read by the app), p50 / p99 / max ms",
        lambda s: " / ".join(ms(s["wait_before_clock_ms"][k]) for k in ("p50", "p99", "max")))
    row("close-expired (s, output)",
        lambda s: f"{s['close']['seconds']:.1f} s, “{s['close']['output'][-40:]}”")
    row("target: 0 errors, 0 lost", lambda s: "✅ met" if s["passed"] else "❌ missed")
    return "\n".join(lines) + "\n"


def database_for(kind: str, postgres_url: str, workdir: Path, name: str = "rush") -> str:
    """A fresh empty database: `<name>.sqlite3` in `workdir`, or `bench_<name>` (dropped
    and created again) on the PostgreSQL server of `postgres_url`."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'{name}.sqlite3'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "bench_{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "bench_{name}"'))
    admin.dispose()
    return make_url(postgres_url).set(database=f"bench_{name}").render_as_string(
        hide_password=False)


def main(argv: list[str] | None = None) -> int:
    defaults = Options()
    parser = argparse.ArgumentParser(description="The deadline rush (issue 15).")
    parser.add_argument("--database", default=os.environ.get("BENCH_RUSH_DATABASES",
                                                             "sqlite,postgresql"),
                        help="sqlite, postgresql or both, comma-separated")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="a server URL; the database bench_rush is created on it")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL",
                                                              DEFAULT_REDIS_URL))
    parser.add_argument("--solvers", type=int, default=defaults.solvers)
    parser.add_argument("--late", type=int, default=defaults.late)
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--window", type=float, default=defaults.window)
    parser.add_argument("--margin", type=float, default=defaults.margin)
    parser.add_argument("--timeout", type=float, default=defaults.timeout)
    parser.add_argument("--pdf-kb", type=int, default=defaults.pdf_kb)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--front", choices=("auto", "nginx", "none"), default=defaults.front,
                        help="nginx in front of gunicorn, stamping X-Request-Start as "
                             "docs/deploy.md (auto: when installed)")
    args = parser.parse_args(argv)
    from bench.front import nginx_binary

    if args.front == "auto" and nginx_binary() is None:
        print("== no nginx installed (apt-get install nginx-light): the solvers talk to "
              "gunicorn directly, and a bid that waits in gunicorn's queue is judged when "
              "the application reads it, not when it arrived as behind docs/deploy.md's "
              "nginx", flush=True)
    redis_url = args.redis_url if redis_reachable(args.redis_url) else None
    if redis_url is None:
        print(f"== no Redis at {args.redis_url}: serving the development configuration",
              flush=True)
    options = Options(solvers=args.solvers, late=args.late, workers=args.workers,
                      window=args.window, margin=args.margin, timeout=args.timeout,
                      pdf_kb=args.pdf_kb, seed=args.seed, redis_url=redis_url,
                      front=args.front)
    command = "python -m bench.rush " + " ".join(argv if argv is not None else sys.argv[1:])
    summaries = []
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for kind in [k.strip() for k in args.database.split(",") if k.strip()]:
        with tempfile.TemporaryDirectory(prefix="rush-") as tmp:
            print(f"== deadline rush on {kind}: {options.solvers} solvers + {options.late} "
                  f"late, {options.workers} workers (load {os.getloadavg()[0]:.1f})",
                  flush=True)
            summary = run(database_for(kind, args.postgres_url, Path(tmp)), Path(tmp),
                          options)
            summary["started"] = stamp
            summaries.append(summary)
            print(render([summary], command), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"rush-{stamp}.json").write_text(json.dumps(summaries, indent=1, default=str))
    report = render(summaries, command)
    (RESULTS / "rush.md").write_text(report)
    print(report)
    print(f"== {RESULTS / 'rush.md'}, {RESULTS / f'rush-{stamp}.json'}")
    return 0 if all(s["passed"] for s in summaries) else 1


if __name__ == "__main__":
    sys.exit(main())
