"""Issue 21: the planner's statistics of `challenges` refreshed after its new indexes.

A database analysed before `20261202_0440_challenge_agency_published` (the benchmark's
data sets; any deployment that ran ANALYZE) had statistics for every index of
`challenges` but the new one, which SQLite then took for the most selective (it assumes
ten rows an unanalysed key): the officer's "my challenges" read an agency's challenges
through `(agency_id, published_at, status)` and sorted them (5.6 ms at 100,000
challenges) instead of reading its page from `(agency_id, created_at, id)` (0.07 ms).
`ANALYZE challenges` gives every index its figures (0.15 s at 100,000 challenges on
SQLite, with `analysis_limit`; PostgreSQL samples the table).

Revision ID: 20261202_0555_challenge_statistics
Revises: 20261202_0440_challenge_agency_published
Create Date: 2026-12-02
"""

from alembic import op

revision = "20261202_0555_challenge_statistics"
down_revision = "20261202_0440_challenge_agency_published"
branch_labels = None
depends_on = None


def refresh_statistics(connection) -> None:
    """ANALYZE the challenges table on `connection` (SQLite: at most 1,000 rows read per
    index, SQLite's own recommendation for `PRAGMA optimize`)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA analysis_limit = 1000")
    connection.exec_driver_sql("ANALYZE challenges")


def upgrade():
    refresh_statistics(op.get_bind())


def downgrade():
    pass  # statistics are not schema: nothing to undo
