"""`flask --app wsgi db-backup PATH`: a consistent copy of the live database.

SQLite: the online backup API (`sqlite3.Connection.backup`), which copies page by page
while the site keeps serving, and restarts the copy when a writer changes a page; the
copy is checked with `PRAGMA integrity_check` and written under a temporary name first,
so PATH is either a whole backup or absent. PostgreSQL: `pg_dump --format=custom`
(restore with `pg_restore`, see docs/deploy.md)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


def backup_sqlite(source: str | Path, target: str | Path, *, pages: int = 1024) -> Path:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{Path(source)}?mode=ro", uri=True)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=pages)
        result = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"the copy fails its integrity check: {result}")
    finally:
        dst.close()
        src.close()
    os.replace(partial, target)
    return target


def backup_postgres(url: str, target: str | Path) -> Path:
    pg_dump = shutil.which("pg_dump")
    if not pg_dump:
        raise BackupError("pg_dump is not installed (apt-get install postgresql-client)")
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    libpq_url = make_url(url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    completed = subprocess.run(  # noqa: S603 - a fixed program, the configured database
        [pg_dump, "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={libpq_url}"],
        capture_output=True, text=True, check=False)
    if completed.returncode:
        partial.unlink(missing_ok=True)
        raise BackupError(completed.stderr.strip() or "pg_dump failed")
    os.replace(partial, target)
    return target


def backup(url: str, target: str | Path) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise BackupError("an in-memory SQLite database has nothing to back up")
        return backup_sqlite(parsed.database, target)
    if parsed.get_backend_name() == "postgresql":
        return backup_postgres(url, target)
    raise BackupError(f"no backup method for {parsed.get_backend_name()}")


@click.command("db-backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def db_backup_command(path: str) -> None:
    """Write a consistent backup of the database to PATH (the site may keep running)."""
    try:
        written = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup written to {written} ({written.stat().st_size:,} bytes)")
