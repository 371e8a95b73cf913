"""The work that never runs inside a request, on a job queue (Huey) served by the worker
(`flask worker`, or `python -m marketplace.worker`).

- The queue is chosen by `JOBS_URL`: `sqlite:///<file>` (the embedded default, a file
  under `instance/`, no extra service), `redis://…` (production, several hosts), or
  `memory://` (one process). `JOBS_IMMEDIATE` runs each job in the caller the moment it
  is queued (the tests' setting, so that they stay deterministic).
- The web process only *queues* jobs, after its commit (`enqueue`); a queue that cannot
  be reached is logged and the request goes on — the periodic jobs catch up, since
  everything a job does is read from the database (the outbox, the pending search rows).
- Jobs: `send_mail` (the due outbox mail), `send_password_resets` (the reset requests:
  the account looked up and its mail queued, off the request), `send_alerts`
  (followers' news and daily or weekly digests, `alerts.services.send_alerts`, every
  minute), `apply_search` (pending search updates),
  `sweep_files` (stored files no row references, `files.services.sweep`) and
  `recompute_flags` (the red flags, every 15 minutes, `scorecards.flags`),
  `issue_receipts` (the receipt PDFs of new submissions, queued by each submit: rendering
  one took 0.3–1.5 s, too long for a bid's transaction); the first two and the last
  also run every minute, the sweep every hour, so retries with backoff and a queue lost
  with its host are covered.

Each job runs in an application context of the worker's own app, with its own database
session, removed at the end."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

log = logging.getLogger(__name__)

QUEUE_NAME = "marketplace"
MAIL_BATCH = 500
SEARCH_LOCK_TIMEOUT = 30.0  # the worker may wait for the index writer; a request may not


def make_huey(config) -> Huey:
    """The Huey instance for `JOBS_URL` (see the module's docstring); ValueError names the
    setting when the URL is not one of the three kinds."""
    url = config.get("JOBS_URL") or "memory://"
    immediate = bool(config.get("JOBS_IMMEDIATE"))
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(QUEUE_NAME, url=url, immediate=immediate, results=False)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not immediate:
            path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(QUEUE_NAME, filename=str(path), immediate=immediate,
                          results=False)
    if url == "memory://":
        return MemoryHuey(QUEUE_NAME, immediate=immediate, results=False)
    raise ValueError(f"JOBS_URL: {url!r} is not sqlite:///<file>, redis://… or memory://")


def _in_app(app: Flask, func):
    @functools.wraps(func)
    def job(*args, **kwargs):
        from marketplace.extensions import db

        with app.app_context():
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    return job


# --- the jobs ------------------------------------------------------------------------

def send_mail() -> int:
    """Send the due outbox mail; the number sent."""
    from marketplace.extensions import db
    from marketplace.notifications import outbox

    report = outbox.send_due(db.session, limit=MAIL_BATCH)
    if report.sent or report.failed:
        log.info("outbox: sent %s, failed %s", report.sent, report.failed)
    return report.sent


def send_password_resets() -> int:
    """Answer the waiting password reset requests (`accounts.services.send_password_resets`:
    the account looked up, the mail queued for a known one), then send the outbox; the
    number of reset mails queued."""
    from marketplace.accounts import services
    from marketplace.extensions import db
    from marketplace.notifications import outbox

    queued = services.send_password_resets(db.session)
    if queued:
        outbox.send_due(db.session, limit=MAIL_BATCH)
    return queued


def apply_search() -> int | None:
    """Apply the pending search updates (`search.services.apply_pending`)."""
    from marketplace.extensions import db
    from marketplace.search import services

    return services.apply_pending(db.session, timeout=SEARCH_LOCK_TIMEOUT)


def recompute_flags() -> int:
    """Recompute the red flags (`scorecards.flags.recompute`) with the app's `FLAG_*`
    thresholds; the number stored."""
    from marketplace.extensions import db
    from marketplace.scorecards import flags

    count = flags.recompute(db.session, flags.Thresholds.from_config(current_app.config))
    db.session.commit()
    return count


def send_alerts() -> int:
    """Mail the alerts that are due (immediate news, daily and weekly digests) into the
    outbox, then send the outbox; the number of alert mails written."""
    from marketplace.alerts import services
    from marketplace.extensions import db
    from marketplace.notifications import outbox

    apply_search()  # a saved search finds what the search index holds: bring it up to date
    report = services.send_alerts(db.session)
    db.session.commit()
    if report.mails:
        log.info("alerts: %s mails for %s follows", report.mails, report.follows)
        outbox.send_due(db.session, limit=MAIL_BATCH)
    return report.mails


def issue_receipts() -> int:
    """Render and archive the receipts of the solutions submitted since the last run
    (`documents.services.receipts_due`), one commit each; the number issued."""
    from marketplace.documents import services
    from marketplace.extensions import db
    from marketplace.submissions.models import Submission

    issued = 0
    for submission_id in services.receipts_due(db.session):
        services.submitted(db.session, None, db.session.get(Submission, submission_id))
        db.session.commit()
        issued += 1
    return issued


def sweep_files() -> int:
    """Remove stored files that no row references, past the grace period."""
    from marketplace.extensions import db
    from marketplace.files import services

    return services.sweep(db.session).removed


def write_opendata() -> dict:
    """Regenerate the OCDS bulk files (`opendata.records.write_bulk`) in `OPENDATA_DIR`,
    with the links built on `PUBLIC_BASE_URL`; {kind: size in bytes}."""
    from flask import current_app

    from marketplace.extensions import db
    from marketplace.opendata import records
    from marketplace.opendata.routes import PublicUrls

    config = current_app.config
    with current_app.test_request_context("/", base_url=config.get("PUBLIC_BASE_URL") or None):
        written = records.write_bulk(db.session, config["OPENDATA_DIR"],
                                     prefix=config["OCDS_PREFIX"], urls=PublicUrls(),
                                     license_url=config["OPENDATA_LICENSE"])
    log.info("open data: %s", {kind: f.size for kind, f in written.items()})
    return {kind: f.size for kind, f in written.items()}


JOBS = {"send_mail": send_mail, "send_password_resets": send_password_resets,
        "apply_search": apply_search,
        "sweep_files": sweep_files,
        "recompute_flags": recompute_flags, "write_opendata": write_opendata,
        "send_alerts": send_alerts, "issue_receipts": issue_receipts}
PERIODIC = {"send_mail": crontab(minute="*"), "send_password_resets": crontab(minute="*"),
            "apply_search": crontab(minute="*"),
            "recompute_flags": crontab(minute="*/15"), "send_alerts": crontab(minute="*"),
            "issue_receipts": crontab(minute="*"),
            "sweep_files": crontab(minute="17"), "write_opendata": crontab(minute="41")}


class Jobs:
    """The app's queue and its jobs, made on first use (so that an app that never queues
    anything creates no queue file)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._huey: Huey | None = None
        self.tasks: dict = {}

    @property
    def huey(self) -> Huey:
        if self._huey is None:
            huey = make_huey(self.app.config)
            for name, func in JOBS.items():
                self.tasks[name] = huey.task(name=name)(_in_app(self.app, func))
            for name, schedule in PERIODIC.items():
                huey.periodic_task(schedule, name=f"{name}.periodic")(
                    _in_app(self.app, JOBS[name]))
            self._huey = huey
        return self._huey

    def enqueue(self, name: str, *args) -> bool:
        """Queue job `name`; False (logged) when the queue cannot take it."""
        try:
            if self.huey.immediate:
                _end_callers_transaction()
            self.tasks[name](*args)
        except Exception:  # noqa: BLE001 - the periodic run catches up
            log.exception("job %s could not be queued", name)
            return False
        return True

    def drain(self) -> int:
        """Run every job waiting in the queue, in this process; the number run."""
        huey, count = self.huey, 0
        while (task := huey.dequeue()) is not None:
            huey.execute(task)
            count += 1
        return count


def _end_callers_transaction() -> None:
    """Jobs are queued after the caller's commit; a job run immediately, in the caller,
    uses a connection of its own, which must not wait for the caller's transaction begun
    since (on SQLite a writer's `BEGIN IMMEDIATE` holds the database's write lock: the
    job would wait for it until the busy timeout). End it when it has nothing unsaved."""
    from flask import has_app_context

    from marketplace.extensions import db

    if not has_app_context() or not db.session.registry.has():
        return
    session = db.session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()


def jobs(app: Flask | None = None) -> Jobs:
    return (app or current_app).extensions["jobs"]


def enqueue(name: str, *args) -> bool:
    """Queue job `name` of the current app (see `Jobs.enqueue`)."""
    return jobs().enqueue(name, *args)


def init_app(app: Flask) -> None:
    app.extensions["jobs"] = Jobs(app)
