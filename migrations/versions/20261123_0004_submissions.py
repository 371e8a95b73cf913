"""Schema changes of the submissions domain (empty until it needs one).

Each domain owns one migration file in a fixed, linear chain, so that work on several
domains at once never forks the history.

Revision ID: 0004_submissions
Revises: 0003_challenges
Create Date: 2026-11-23
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_submissions"
down_revision = "0003_challenges"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
