"""Issue 21, costs that stay flat: two indexes on `challenges` found by the realistic mix
at 100,000 challenges (bench/results/baseline.md). `(agency_id, created_at, id)`: the
officer's "my challenges" (`queries.agency_challenges`) reads its page of 20 from the index
instead of sorting every challenge of the agency (SQLite: 3.2 ms → 0.02 ms for an agency of
1,155). `(province, status, published_at)`: the public list filtered by province counts
its public challenges from the index instead of reading the whole table (81 ms → 1.4 ms
for Hà Nội).

Revision ID: 20261202_0135_challenge_list_indexes
Revises: 20261201_0835_dashboard_rollups
Create Date: 2026-12-02
"""

from alembic import op

revision = "20261202_0135_challenge_list_indexes"
down_revision = "20261201_0835_dashboard_rollups"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.create_index("ix_challenges_agency_created",
                              ["agency_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_challenges_province_status_published",
                              ["province", "status", "published_at"], unique=False)


def downgrade():
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_index("ix_challenges_province_status_published")
        batch_op.drop_index("ix_challenges_agency_created")
