"""Issue 21, search in the shared database: on PostgreSQL, the `unaccent` extension, the
text search configuration `vietnamese_unaccent` (`simple` with `unaccent` before it for
words: no stemming, no stop words, diacritics and đ folded) and the table
`search_documents` with its weighted `tsvector` under a GIN index, used when
`SEARCH_BACKEND=postgresql` (marketplace/search/postgres.py). Nothing on SQLite.

`CREATE EXTENSION` needs a role allowed to create it (a superuser, or on PostgreSQL 13+ the
database owner for this trusted extension): docs/deploy.md says what a DBA runs first.

Revision ID: 20261201_0355_pg_search
Revises: 20261201_0047_oidc_identities
Create Date: 2026-12-01
"""

from alembic import op

revision = "20261201_0355_pg_search"
down_revision = "20261201_0047_oidc_identities"
branch_labels = None
depends_on = None

WORDS = "word, hword, hword_part, numword, numhword, hword_numpart"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS vietnamese_unaccent")
    op.execute("CREATE TEXT SEARCH CONFIGURATION vietnamese_unaccent (COPY = simple)")
    op.execute("ALTER TEXT SEARCH CONFIGURATION vietnamese_unaccent "
               f"ALTER MAPPING FOR {WORDS} WITH unaccent, simple")
    op.execute("""
        CREATE TABLE search_documents (
            doc_id varchar(40) PRIMARY KEY,
            type varchar(20) NOT NULL,
            status varchar(20) NOT NULL,
            group_id varchar(20) NOT NULL,
            agency_id varchar(20) NOT NULL,
            fields jsonb NOT NULL,
            title text NOT NULL,
            body text NOT NULL,
            clarifications text NOT NULL,
            place text NOT NULL,
            solver text NOT NULL,
            tsv tsvector NOT NULL
        )""")
    op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS search_documents")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS vietnamese_unaccent")
