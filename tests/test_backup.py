"""`db-backup`: a consistent, checked copy of a live SQLite database."""

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from marketplace import create_app
from marketplace.backup import BackupError, backup, backup_sqlite, db_backup_command


def _database(path: Path, rows: int = 500) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE challenges (id INTEGER PRIMARY KEY, title TEXT)")
    conn.executemany("INSERT INTO challenges (title) VALUES (?)",
                     [(f"Thí điểm trí tuệ nhân tạo {n}",) for n in range(rows)])
    conn.commit()
    conn.close()
    return path


def test_backup_copies_everything_including_the_wal(tmp_path):
    source = _database(tmp_path / "live.sqlite3")
    writer = sqlite3.connect(source)  # an open writer with changes still in the WAL
    writer.execute("INSERT INTO challenges (title) VALUES ('Đường Hà Nội')")
    writer.commit()
    target = backup_sqlite(source, tmp_path / "backups" / "copy.sqlite3", pages=7)
    writer.close()
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT count(*) FROM challenges").fetchone()[0] == 501
    assert copy.execute("SELECT title FROM challenges ORDER BY id DESC").fetchone()[0] == (
        "Đường Hà Nội")
    copy.close()
    assert not list((tmp_path / "backups").glob("*.partial"))


def test_in_memory_database_is_refused(tmp_path):
    with pytest.raises(BackupError):
        backup("sqlite://", tmp_path / "x.sqlite3")


def test_command(tmp_path):
    source = _database(tmp_path / "site.sqlite3")
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{source}",
                      "UPLOAD_DIR": str(tmp_path / "uploads")})
    result = CliRunner().invoke(db_backup_command, [str(tmp_path / "b.sqlite3")],
                                obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output
    assert sqlite3.connect(tmp_path / "b.sqlite3").execute(
        "SELECT count(*) FROM challenges").fetchone()[0] == 500


@pytest.mark.database  # reads TEST_DATABASE_URL itself
def test_postgres_backup_restores(tmp_path):
    """pg_dump of a database of our own, restored with pg_restore into another."""
    import os
    import shutil
    import subprocess
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = os.environ.get("TEST_DATABASE_URL")
    if not server or not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("TEST_DATABASE_URL, pg_dump and pg_restore are needed")
    names = [f"backup_{uuid.uuid4().hex[:8]}", f"restore_{uuid.uuid4().hex[:8]}"]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    source, target = (make_url(server).set(database=n) for n in names)
    try:
        engine = create_engine(source)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE challenges (id serial PRIMARY KEY, title text)"))
            conn.execute(text("INSERT INTO challenges (title) VALUES ('Đường Hà Nội')"))
        engine.dispose()
        dump = backup(source.render_as_string(hide_password=False), tmp_path / "db.dump")
        libpq = target.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={libpq}", str(dump)],  # noqa: S603, S607
                       check=True, capture_output=True)
        engine = create_engine(target)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT title FROM challenges")).scalar() == "Đường Hà Nội"
        engine.dispose()
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
