"""Engine settings per database, and the SQLite pragmas that make it behave.

SQLite has one writer at a time. A transaction that starts with a plain (deferred)
`BEGIN`, reads, then writes cannot wait for the writer before it: SQLite answers
"database is locked" at once, whatever the busy timeout (its snapshot would be stale).
So every transaction that may write starts with `BEGIN IMMEDIATE`, which takes the write
lock first and waits for it (up to the busy timeout, 15 s): concurrent writers are served
one after another. Requests with a safe method (GET, HEAD, OPTIONS) only read as a rule;
they keep a deferred `BEGIN` so that readers never wait for each other or for a writer
(WAL). The few that write after all (a challenge closed by the first request after its
deadline) are run again once, from the start, as writers when SQLite says it is busy
(`retry_as_writer`). Everything outside a request (commands, work after the response,
the tests' own transactions) writes as a rule and begins immediately.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_engine_options(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {}).setdefault("timeout", 15)
        path = uri.removeprefix("sqlite:///")
        if uri.startswith("sqlite:///") and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    else:
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


# pysqlite's own transaction handling breaks SAVEPOINT and emits BEGIN lazily; take it
# over, as SQLAlchemy's documentation shows ("Serializable isolation / Savepoints").
@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _reads_only() -> bool:
    """True in a request with a safe method, or inside `reading()`, that has not turned
    out to write."""
    return (has_request_context()
            and (request.method in SAFE_METHODS or g.get("sqlite_reading", False))
            and not g.get("sqlite_writer"))


@contextmanager
def reading() -> Iterator[None]:
    """In a request that writes, a part that only reads: the transactions begun inside
    begin deferred on SQLite (`BEGIN`), so that slow work there — the login's password
    check — does not hold the database's write lock, for which every other writer waits.
    End the transaction before leaving (commit or roll back: nothing may be written in
    it); the next one is a writer again."""
    previous = g.get("sqlite_reading", False)
    g.sqlite_reading = True
    try:
        yield
    finally:
        g.sqlite_reading = previous


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN" if _reads_only() else "BEGIN IMMEDIATE")


def is_busy(error: BaseException) -> bool:
    """SQLite's SQLITE_BUSY ("database is locked"), as SQLAlchemy raises it."""
    return (isinstance(error, OperationalError)
            and isinstance(error.orig, sqlite3.OperationalError)
            and ("locked" in str(error.orig) or "busy" in str(error.orig)))


def retry_as_writer(error: BaseException) -> bool:
    """After `error` in a reading request: when it is SQLite being busy, roll the request's
    transaction back, make its next transactions writers (`BEGIN IMMEDIATE`, which waits
    for the lock) and return True: the caller runs the view again, from the start. False
    for any other error, or when the request already began as a writer."""
    if not (is_busy(error) and _reads_only()):
        return False
    from marketplace.extensions import db

    db.session.rollback()
    g.sqlite_writer = True
    return True
