"""Schema changes of the challenges domain: a draft cancelled before publication need not
be complete (the lifecycle allows `draft → cancelled`; the first check refused it).

Each domain owns one migration file in a fixed, linear chain, so that work on several
domains at once never forks the history.

Revision ID: 0003_challenges
Revises: 0002_core
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_challenges"
down_revision = "0002_core"
branch_labels = None
depends_on = None

OLD = ("status = 'draft' OR (budget_ceiling > 0 AND submission_deadline IS NOT NULL "
       "AND published_at IS NOT NULL AND technology_group_id IS NOT NULL)")
NEW = ("status = 'draft' OR (status = 'cancelled' AND published_at IS NULL) "
       "OR (budget_ceiling > 0 AND submission_deadline IS NOT NULL "
       "AND published_at IS NOT NULL AND technology_group_id IS NOT NULL)")
NAME = "ck_challenges_published_is_complete"


def _replace(condition: str) -> None:
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), sa.text(condition))


def upgrade():
    _replace(NEW)


def downgrade():
    _replace(OLD)
