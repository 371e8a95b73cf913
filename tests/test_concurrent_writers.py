"""Concurrent writers on one database are served one after another, never refused.

Real processes (not threads: each has its own connections, as gunicorn's workers do),
started together on one database file, each logging in, saving a draft, uploading files
and submitting through the application's own views. On SQLite every writing transaction
begins with `BEGIN IMMEDIATE` (`marketplace.database`) and waits for the lock; with a
plain `BEGIN` the same run answers "database is locked" (the login's
`UPDATE users SET last_login_at` after its read, for one)."""

from __future__ import annotations

import io
import multiprocessing
import threading
import traceback

import pytest
from sqlalchemy import func, select

from marketplace import create_app
from marketplace.extensions import db
from marketplace.files.models import Attachment
from marketplace.submissions.models import Submission, SubmissionStatus
from tests.conftest import IsolatedClient
from tests.factories import PASSWORD, make_challenge
from tests.submissions_factories import PDF, make_solver

PROCESSES = 4
ROUNDS = 2
FORM = {"summary": "Cảm biến ngập", "technical_approach": "IoT", "trl": "7",
        "proposed_price": "1.000.000.000 đ", "timeline": "5 tháng", "team": "6 kỹ sư"}


def _app(url: str, uploads: str):
    return create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url,
                       "UPLOAD_DIR": uploads, "SEARCH_INDEX_DIR": uploads + "-index"})


def _solver(app, email: str, org_id: int, challenge_id: int, barrier, results) -> None:
    """One process: every request's status, or the exception a request raised."""
    outcomes: list[str] = []
    try:
        with app.app_context():
            db.engine.dispose(close=False)  # the parent's connections are not ours
        app.test_client_class = IsolatedClient
        client = app.test_client()
        client.get("/login")  # imports and first queries done before the start
        barrier.wait()

        def post(path, data, expect=302, **kwargs):
            response = client.post_form(path, data, **kwargs)
            outcomes.append(f"{response.status_code}" if response.status_code == expect
                            else f"unexpected {response.status_code} on {path}")
            return response

        for _ in range(ROUNDS):
            post("/login", {"email": email, "password": PASSWORD})
            post("/logout", {}, token_from="/")
        post("/login", {"email": email, "password": PASSWORD})
        new = f"/submissions/new?challenge={challenge_id}"
        location = post(new, {**FORM, "organization_id": org_id}).headers["Location"]
        path = location.split("://", 1)[-1].split("/", 1)[-1]
        path = "/" + path
        for round_ in range(ROUNDS):
            post(f"{path}/edit", {**FORM, "summary": f"Bản {round_}"})
            response = client.post(
                f"{path}/attachments", content_type="multipart/form-data",
                data={"attachments": [(io.BytesIO(PDF), f"tep-{round_}.pdf")],
                      "csrf_token": client.csrf_token(path)})
            outcomes.append("302" if response.status_code == 302
                            else f"unexpected {response.status_code} on upload")
            post(f"{path}/submit", {}, token_from=path)
            if round_ < ROUNDS - 1:
                post(f"{path}/reopen", {}, token_from=path)
    except Exception:  # noqa: BLE001 - reported by the test
        outcomes.append("error " + traceback.format_exc(limit=3))
    results.put((email, outcomes))


@pytest.mark.slow
def test_concurrent_logins_drafts_uploads_and_submits_all_succeed(migrated_database, tmp_path):
    uploads = str(tmp_path / "uploads")
    app = _app(migrated_database, uploads)
    with app.app_context():
        challenge = make_challenge(db.session)
        solvers = [make_solver(db.session) for _ in range(PROCESSES)]
        db.session.commit()
        plan = [(user.email, org.id) for user, org in solvers]
        challenge_id = challenge.id
        db.session.remove()
        db.engine.dispose()

    # forked after the imports and the app are made: each process starts in milliseconds
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES, timeout=60)
    results = context.Queue()
    processes = [context.Process(target=_solver, args=(app, email, org_id, challenge_id,
                                                       barrier, results))
                 for email, org_id in plan]
    for process in processes:
        process.start()
    outcomes = dict(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=30)

    errors = [o for done in outcomes.values() for o in done if not o.isdigit()]
    requests = sum(len(done) for done in outcomes.values())
    assert errors == [], errors
    per_solver = 6 * ROUNDS + 1  # logins and logouts, the draft, edits, uploads, submits
    assert requests == PROCESSES * per_solver
    with app.app_context():
        submitted = db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.challenge_id == challenge_id,
            Submission.status == SubmissionStatus.SUBMITTED))
        files = db.session.scalar(select(func.count()).select_from(Attachment))
        db.session.remove()
        db.engine.dispose()
    assert (submitted, files) == (PROCESSES, PROCESSES * ROUNDS)


def test_a_reading_request_that_writes_waits_for_the_writer_on_sqlite(tmp_path,
                                                                      migrated_templates):
    """GET /challenges/ closes an expired challenge (a write). It began as a reader
    (`BEGIN`, which lets readers run beside a writer); when SQLite says busy it is run
    again from the start as a writer, which waits for the lock instead of answering 500."""
    from datetime import timedelta

    from sqlalchemy import create_engine

    from marketplace.challenges.models import Challenge, ChallengeStatus
    from marketplace.types import utcnow
    from tests.submissions_factories import make_challenge_due

    url = migrated_templates.sqlite_copy(tmp_path / "reader.sqlite3")
    app = _app(url, str(tmp_path / "uploads"))
    app.test_client_class = IsolatedClient
    with app.app_context():
        challenge_id = make_challenge_due(db.session, utcnow() - timedelta(seconds=5)).id
        db.session.commit()
        db.session.remove()

    other = create_engine(url, connect_args={"timeout": 15})
    writer = other.raw_connection()
    writer.execute("BEGIN IMMEDIATE")  # another process's write, in progress

    def finish_writing() -> None:
        writer.commit()

    timer = threading.Timer(0.5, finish_writing)
    timer.start()
    try:
        response = app.test_client().get("/challenges/")
    finally:
        timer.join()
        writer.close()
        other.dispose()
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Challenge, challenge_id).status is ChallengeStatus.CLOSED
        db.session.remove()
        db.engine.dispose()


def test_the_login_checks_the_password_without_holding_the_write_lock(tmp_path, monkeypatch,
                                                                     migrated_templates):
    """argon2 takes 0.05 s, seconds on a busy host. Checked inside the login's writing
    transaction, it held SQLite's write lock: in the deadline rush's 210 logins every
    writer queued behind the others' checks until the busy timeout (15 s) answered 500.
    While the password is checked, another process can take the write lock at once."""
    import sqlite3

    from marketplace.accounts import auth, services

    path = tmp_path / "login.sqlite3"
    app = _app(migrated_templates.sqlite_copy(path), str(tmp_path / "uploads"))
    app.test_client_class = IsolatedClient
    with app.app_context():
        user, _org = make_solver(db.session)
        db.session.commit()
        email = user.email
        db.session.remove()

    free_during_check = []
    original = auth.verify_password

    def verify_and_probe(password_hash, password):
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            free_during_check.append(True)
        except sqlite3.OperationalError:  # "database is locked": the login holds it
            free_during_check.append(False)
        finally:
            other.close()
        return original(password_hash, password)

    monkeypatch.setattr(services, "verify_password", verify_and_probe)
    client = app.test_client()
    response = client.post_form("/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302
    assert free_during_check == [True]
    with app.app_context():
        from marketplace.accounts.models import User

        assert db.session.scalar(select(User).where(User.email == email)).last_login_at
        db.session.remove()
        db.engine.dispose()
