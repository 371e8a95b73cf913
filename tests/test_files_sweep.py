"""Crashes leave nothing behind (issue 15): a process killed with SIGKILL in the middle of
uploads leaves `.part` files and whole files with no committed row; `flask files sweep`
removes every one of them and nothing a row refers to — on local disk and on S3."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace import create_app
from marketplace.extensions import db
from marketplace.files import services
from marketplace.files.models import Attachment
from marketplace.files.storage import PART, storage
from marketplace.types import utcnow
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.7\n" + b"x" * (2 * 1024 * 1024)

# Uploads in a loop, the way a view does them (attach, then commit). STOP names the moment
# to stop at and announce, so that the parent kills the process exactly there.
CHILD = textwrap.dedent("""
    import io, os, sys, time
    sys.path.insert(0, {root!r})
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.files import services, storage as storage_module
    from marketplace.accounts.models import User

    stop = os.environ.get("STOP", "")
    app = create_app({{"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": {url!r},
                       "UPLOAD_DIR": {uploads!r}}})
    real_replace = storage_module.os.replace

    def announce(what):
        print(what, flush=True)
        time.sleep(60)  # killed here

    def replace(source, target):
        if stop == "before-rename":
            announce("part written")
        return real_replace(source, target)

    storage_module.os.replace = replace
    data = b"%PDF-1.7 " + b"x" * {size}
    with app.app_context():
        user = db.session.get(User, {user_id})
        print("ready", flush=True)
        for n in range(10_000):
            services.attach(db.session, user, owner_field="challenge_id", owner_id={owner},
                            stream=io.BytesIO(data), filename=f"ho-so-{{n}}.pdf")
            if stop == "before-commit":
                announce("file written, row not committed")
            db.session.commit()
""")


def _orphans(app) -> tuple[int, list[str]]:
    """Files in storage that no row refers to (`.part` files included), and the rows whose
    file is missing or altered."""
    with app.app_context():
        rows = {a.stored_name: a.sha256 for a in db.session.scalars(select(Attachment))}
        entries = list(storage().stale(utcnow() + timedelta(days=1)))
        orphan = sum(1 for e in entries
                     if e.handle.endswith(PART) or e.stored_name not in rows)
        broken = []
        for name, sha in rows.items():
            with storage().open(name) as stream:
                if hashlib.sha256(stream.read()).hexdigest() != sha:
                    broken.append(name)
    return orphan, broken


def _kill_during(child_source: str, stop: str, wait_for: str | None, delay: float) -> None:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", child_source], env={**os.environ, "STOP": stop},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert process.stdout.readline().strip() == "ready", process.stderr.read()
        if wait_for:
            assert process.stdout.readline().strip() == wait_for
        else:
            time.sleep(delay)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_killed_uploads_leave_nothing_after_the_sweep(migrated_database, tmp_path):
    uploads = str(tmp_path / "uploads")
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": migrated_database,
                      "UPLOAD_DIR": uploads})
    with app.app_context():
        challenge = factories.make_challenge(db.session)
        user = factories.make_user(db.session)
        db.session.commit()
        owner, user_id = challenge.id, user.id
        db.session.remove()
        db.engine.dispose()
    child = CHILD.format(root=str(ROOT), url=migrated_database, uploads=uploads,
                         size=len(PDF) - 9, user_id=user_id, owner=owner)
    _kill_during(child, "before-rename", "part written", 0)
    _kill_during(child, "before-commit", "file written, row not committed", 0)
    for delay in (0.5,):  # and wherever the uploads happen to be
        _kill_during(child, "", None, delay)

    orphans, broken = _orphans(app)
    assert orphans >= 2 and broken == []  # what the kills left

    with app.app_context():  # not yet: a file whose row may be about to commit is kept
        assert services.sweep(db.session).removed == 0
    result = app.test_cli_runner().invoke(args=["files", "sweep", "--grace", "0"])
    assert result.exit_code == 0, result.output
    assert f"removed {orphans} unreferenced files" in result.output
    assert _orphans(app) == (0, [])
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_sweep_keeps_referenced_and_recent_files(app, session, tmp_path):
    challenge = factories.make_challenge(session)
    user = factories.make_user(session)
    import io

    kept = services.attach(session, user, owner_field="challenge_id", owner_id=challenge.id,
                           stream=io.BytesIO(PDF[:2000]), filename="a.pdf")
    session.commit()
    orphan = storage().save(b"%PDF-1.7 orphan")
    stray = Path(app.config["UPLOAD_DIR"]) / "README.txt"
    stray.write_text("not ours")  # what is not a stored file is never touched
    report = services.sweep(session, now=utcnow() + timedelta(hours=2))
    assert report.removed >= 1 and not storage().exists(orphan)
    assert storage().exists(kept.stored_name) and stray.exists()
    stray.unlink()


def test_sweep_on_s3(tmp_path, migrated_templates):
    moto_server = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    from tests.test_storage_s3 import CREDENTIALS, _free_port

    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(),
                                            verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                     **CREDENTIALS).create_bucket(Bucket="uploads")
        app = create_app({"ENV_NAME": "testing",
                          "SQLALCHEMY_DATABASE_URI":
                              migrated_templates.sqlite_copy(tmp_path / "db.sqlite3"),
                          "UPLOAD_DIR": str(tmp_path), "STORAGE_BACKEND": "s3",
                          "S3_BUCKET": "uploads", "S3_PREFIX": "prod", "S3_ENDPOINT_URL": url,
                          "S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": "testing",
                          "S3_SECRET_ACCESS_KEY": "testing"})
        with app.app_context():
            challenge = factories.make_challenge(db.session)
            user = factories.make_user(db.session)
            import io

            kept = services.attach(db.session, user, owner_field="challenge_id",
                                   owner_id=challenge.id, stream=io.BytesIO(PDF[:2000]),
                                   filename="a.pdf")
            db.session.commit()
            orphan = storage().save(b"%PDF-1.7 never committed")
            other = "elsewhere/" + "A" * 43  # outside the prefix: not ours
            storage().client.put_object(Bucket="uploads", Key=other, Body=b"x")
            assert services.sweep(db.session).removed == 0  # too recent
            report = services.sweep(db.session, grace=0, now=utcnow() + timedelta(seconds=2))
            assert (report.removed, report.kept) == (1, 1)
            assert not storage().exists(orphan) and storage().exists(kept.stored_name)
            storage().client.head_object(Bucket="uploads", Key=other)
            db.session.remove()
            db.engine.dispose()
    finally:
        server.stop()


def test_sweep_keeps_the_files_of_every_kind_of_row(app, session):
    """Issued documents (and any table with a `stored_name`) keep their files too."""
    from marketplace.documents.models import DocumentKind, IssuedDocument

    data = b"%PDF-1.7 issued"
    name = storage().save(data)
    session.add(IssuedDocument(kind=DocumentKind.RECEIPT, subject_id=1, key="k",
                               filename="bien-nhan.pdf", stored_name=name, size=len(data),
                               sha256=hashlib.sha256(data).hexdigest()))
    session.commit()
    services.sweep(session, now=utcnow() + timedelta(hours=2))
    assert storage().exists(name)
    columns = {f"{c.table.name}.{c.name}" for c in services.stored_name_columns()}
    assert {"attachments.stored_name", "issued_documents.stored_name"} <= columns
