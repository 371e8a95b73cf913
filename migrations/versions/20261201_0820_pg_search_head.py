"""Issue 21, PostgreSQL search within its time budget: on PostgreSQL, the column
`head_tsv` of `search_documents` — the lexemes of `tsv` weighted A or B (title; agency,
group, solver), generated from `tsv` by the server — under a GIN index of its own, so
that a search finds the documents whose title, agency, group or solver hold its words
first and ranks them on this small vector, without reading every match's large `tsv`
(see marketplace/search/postgres.py). Both GIN indexes keep at most 256 kB of entries not
yet merged (`gin_pending_list_limit`; the default 4 MB was read by every search: 482
pages after a bulk load). Nothing on SQLite.

Filling the column is one rewrite of the table by this migration (a generated column);
a bulk load later needs nothing more.

Revision ID: 20261201_0820_pg_search_head
Revises: 20261201_0815_dashboard_counters
Create Date: 2026-12-01
"""

from alembic import op

revision = "20261201_0820_pg_search_head"
down_revision = "20261201_0815_dashboard_counters"
branch_labels = None
depends_on = None

PENDING_KB = 256


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE search_documents ADD COLUMN head_tsv tsvector "
               "GENERATED ALWAYS AS (ts_filter(tsv, '{a,b}')) STORED")
    op.execute("CREATE INDEX ix_search_documents_head_tsv ON search_documents "
               f"USING gin (head_tsv) WITH (gin_pending_list_limit = {PENDING_KB})")
    op.execute("ALTER INDEX ix_search_documents_tsv "
               f"SET (gin_pending_list_limit = {PENDING_KB})")
    op.execute("SELECT gin_clean_pending_list('ix_search_documents_tsv')")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER INDEX ix_search_documents_tsv RESET (gin_pending_list_limit)")
    op.execute("DROP INDEX IF EXISTS ix_search_documents_head_tsv")
    op.execute("ALTER TABLE search_documents DROP COLUMN IF EXISTS head_tsv")
