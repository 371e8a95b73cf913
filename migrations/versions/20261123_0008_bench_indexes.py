"""Indexes for the public pages at national scale (issue 7, the benchmark).

Each one measured on the 100,000-challenge data set (`make bench`, SQLite, EXPLAIN
QUERY PLAN in bench/results/baseline.md):

- challenges (status, submission_deadline): `close-expired`'s query, which the
  challenge list runs on every request, finds the expired published challenges in the
  index instead of reading every published row (≈ 14,000 at that size);
- challenges (status, technology_group_id, published_at): the list filtered by
  technology group (and status) counts its rows in the index alone (22 → 0.1 ms for
  one status, 99 → 1 ms for all public ones) and reads its page in order;
- challenges (agency_id, status): the agency filter's list of agencies with public
  challenges is answered from this index alone instead of a scan of the challenges
  table (and in O(agencies) once written as EXISTS);
- submissions (challenge_id, status): per-challenge counts by status (OCDS release
  package, dashboard, challenge page) answered from the index alone.

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
        batch_op.create_index("ix_challenges_status_deadline",
                              ["status", "submission_deadline"], unique=False)
        batch_op.create_index("ix_challenges_status_group_published",
                              ["status", "technology_group_id", "published_at"], unique=False)
        batch_op.create_index("ix_challenges_agency_status",
                              ["agency_id", "status"], unique=False)
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index("ix_submissions_challenge_status",
                              ["challenge_id", "status"], unique=False)


def downgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_submissions_challenge_status")
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_index("ix_challenges_agency_status")
        batch_op.drop_index("ix_challenges_status_group_published")
        batch_op.drop_index("ix_challenges_status_deadline")
