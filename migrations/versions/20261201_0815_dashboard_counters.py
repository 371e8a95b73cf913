"""Issue 21, the dashboard's counters: `dashboard_counters` (one number per cell of the
filters and figure), `dashboard_challenges` (each challenge's contribution to them) and
`dashboard_durations` (the durations behind the two medians), kept up to date by every
change (`marketplace.dashboard.counters`), filled here from the current data.

The backfill runs the application's own computation (`counters.rebuild`), which reads
only named columns of the tables it counts (Core statements, no whole rows), so that the
counters start equal to what the changes will keep them at.

Revision ID: 20261201_0815_dashboard_counters
Revises: 20261201_0800_password_reset_requests
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_0815_dashboard_counters"
down_revision = "20261201_0800_password_reset_requests"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dashboard_counters",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "province", "group_id", "year", "metric", "key",
                                name=op.f("pk_dashboard_counters")),
    )
    with op.batch_alter_table("dashboard_counters", schema=None) as batch_op:
        batch_op.create_index("ix_dashboard_counters_metric", ["metric", "key"], unique=False)
    op.create_table(
        "dashboard_challenges",
        sa.Column("challenge_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"], ondelete="CASCADE",
                                name=op.f("fk_dashboard_challenges_challenge_id_challenges")),
        sa.PrimaryKeyConstraint("challenge_id", name=op.f("pk_dashboard_challenges")),
    )
    op.create_table(
        "dashboard_durations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("days", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"], ondelete="CASCADE",
                                name=op.f("fk_dashboard_durations_challenge_id_challenges")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_durations")),
    )
    with op.batch_alter_table("dashboard_durations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dashboard_durations_challenge_id"),
                              ["challenge_id"], unique=False)
        batch_op.create_index("ix_dashboard_durations_kind_days", ["kind", "days"],
                              unique=False)

    from sqlalchemy.orm import Session

    from marketplace.dashboard import counters

    session = Session(bind=op.get_bind())
    counters.rebuild(session)
    session.flush()


def downgrade():
    with op.batch_alter_table("dashboard_durations", schema=None) as batch_op:
        batch_op.drop_index("ix_dashboard_durations_kind_days")
        batch_op.drop_index(batch_op.f("ix_dashboard_durations_challenge_id"))
    op.drop_table("dashboard_durations")
    op.drop_table("dashboard_challenges")
    with op.batch_alter_table("dashboard_counters", schema=None) as batch_op:
        batch_op.drop_index("ix_dashboard_counters_metric")
    op.drop_table("dashboard_counters")
