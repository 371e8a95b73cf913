"""Counting the SQL statements a request runs (the query budgets of test_cache.py and
test_query_budget.py)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from marketplace import keyset
from marketplace.extensions import db


def count_statements(client, path: str, headers: dict | None = None) -> tuple[object, int]:
    """(response, statements) of one GET; SAVEPOINT/RELEASE/ROLLBACK are not counted."""
    response, statements = capture_statements(client, path, headers)
    return response, len(statements)


def offsets(statements: list[tuple[str, object]]) -> list[int]:
    """The rows each OFFSET of the statements skips (`keyset.skipped_rows`)."""
    return [n for statement, parameters in statements
            for n in keyset.skipped_rows(statement, parameters)]


def capture_statements(client, path: str, headers: dict | None = None
                       ) -> tuple[object, list[tuple[str, object]]]:
    """(response, (SQL, parameters) of each statement) of one GET, SAVEPOINT/RELEASE/
    ROLLBACK left out."""
    statements: list[tuple[str, object]] = []

    def count(conn, cursor, statement, parameters, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append((statement, parameters))

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        # not closed: what runs on close is not counted
        response = client.get(path, headers=headers or {})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return response, statements


class Work:
    """What one request did besides answering: the SQL statements it ran (their text, the
    parameters left out: the "shape"), the forms it validated, the stored files it opened
    or wrote, the passwords it hashed or checked, the templates it rendered. Used by the
    timing-class tests of issue 14: a secret object must cost what a missing id costs."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.forms: list[str] = []
        self.files: list[str] = []
        self.passwords: list[str] = []
        self.templates: list[str] = []

    def summary(self) -> tuple:
        return (tuple(self.statements), tuple(self.forms), tuple(self.files),
                tuple(self.passwords), tuple(self.templates))


@contextmanager
def recording(app):
    """Record the `Work` of the requests made inside the block (SAVEPOINT, RELEASE and
    ROLLBACK are not counted: the test harness's own)."""
    import argon2
    import wtforms
    from flask import template_rendered

    from marketplace.files import storage

    work = Work()

    def on_statement(conn, cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            work.statements.append(" ".join(statement.split()))

    def on_template(sender, template, context, **extra):
        work.templates.append(template.name)

    def spy(owner, name, log, label):
        original = getattr(owner, name)

        def wrapper(self, *args, **kwargs):
            log.append(label(self))
            return original(self, *args, **kwargs)

        setattr(owner, name, wrapper)
        return lambda: setattr(owner, name, original)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", on_statement)
    template_rendered.connect(on_template, app)
    restore = [
        spy(wtforms.Form, "validate", work.forms, lambda form: type(form).__name__),
        spy(argon2.PasswordHasher, "verify", work.passwords, lambda _h: "verify"),
        spy(argon2.PasswordHasher, "hash", work.passwords, lambda _h: "hash"),
    ]
    for backend in (storage.LocalStorage, storage.S3Storage):
        for name in ("open", "save", "delete"):
            restore.append(spy(backend, name, work.files, lambda _s, name=name: name))
    try:
        yield work
    finally:
        for undo in restore:
            undo()
        template_rendered.disconnect(on_template, app)
        event.remove(engine, "before_cursor_execute", on_statement)
