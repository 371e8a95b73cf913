"""Counting the SQL statements a request runs (the query budgets of test_cache.py and
test_query_budget.py)."""

from __future__ import annotations

from sqlalchemy import event

from marketplace.extensions import db


def count_statements(client, path: str, headers: dict | None = None) -> tuple[object, int]:
    """(response, statements) of one GET; SAVEPOINT/RELEASE/ROLLBACK are not counted."""
    statements: list[str] = []

    def count(conn, cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        # not closed: what runs on close is not counted
        response = client.get(path, headers=headers or {})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return response, len(statements)
