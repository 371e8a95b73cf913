"""Issue 21, the dashboard's counters rolled up: each counter also kept at the 15 cells
that contain it (any agency, province, group or year: -1 / "*"), so that a filter set
reads one cell; an index on the cell; the counters recomputed from the current data
(`counters.rebuild`).

Revision ID: 20261201_0835_dashboard_rollups
Revises: 20261201_0820_pg_search_head
Create Date: 2026-12-01
"""

from alembic import op

revision = "20261201_0835_dashboard_rollups"
down_revision = "20261201_0820_pg_search_head"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dashboard_counters", schema=None) as batch_op:
        batch_op.create_index("ix_dashboard_counters_level",
                              ["agency_id", "province", "year", "group_id"], unique=False)
    from sqlalchemy.orm import Session

    from marketplace.dashboard import counters

    session = Session(bind=op.get_bind())
    counters.rebuild(session)
    session.flush()


def downgrade():
    with op.batch_alter_table("dashboard_counters", schema=None) as batch_op:
        batch_op.drop_index("ix_dashboard_counters_level")
    op.execute("DELETE FROM dashboard_counters WHERE agency_id = -1 OR province = '*' "
               "OR group_id = -1 OR year = -1")
