"""Indexes for the public pages at national scale (issue 7, the benchmark).

- challenges (technology_group_id, published_at): the list filtered by technology
  group, newest first, reads the group's rows in order instead of sorting them all;
- challenges (agency_id, published_at): the same for the agency filter;
- submissions (challenge_id, status): per-challenge counts by status (the challenge
  page, the OCDS release package, the dashboard) answered from the index alone.

Revision ID: 0008_bench_indexes
Revises: 0007_transparency
Create Date: 2026-11-23
"""

from alembic import op

revision = "0008_bench_indexes"
down_revision = "0007_transparency"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.create_index("ix_challenges_group_published",
                              ["technology_group_id", "published_at"], unique=False)
        batch_op.create_index("ix_challenges_agency_published",
                              ["agency_id", "published_at"], unique=False)
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index("ix_submissions_challenge_status",
                              ["challenge_id", "status"], unique=False)


def downgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_submissions_challenge_status")
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_index("ix_challenges_agency_published")
        batch_op.drop_index("ix_challenges_group_published")
