"""Issue 18, red flags: the indicators the worker recomputes (marketplace/scorecards).

Revision ID: 20261201_0410_red_flags
Revises: 20261201_0403_outcomes
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_0410_red_flags"
down_revision = "20261201_0403_outcomes"
branch_labels = None
depends_on = None

KINDS = ("single_bid", "short_period", "not_top_ranked", "near_ceiling", "many_amendments",
         "late_amendment", "unpaid_accepted", "undecided_delivery", "stalled_pilot",
         "repeat_winner")


def upgrade():
    op.create_table(
        "red_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum(*KINDS, name="flag_kind", native_enum=False,
                                  create_constraint=True, length=20), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("solver_id", sa.Integer(), nullable=True),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("milestone_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["organizations.id"], ondelete="CASCADE",
                                name=op.f("fk_red_flags_agency_id_organizations")),
        sa.ForeignKeyConstraint(["solver_id"], ["organizations.id"], ondelete="CASCADE",
                                name=op.f("fk_red_flags_solver_id_organizations")),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"], ondelete="CASCADE",
                                name=op.f("fk_red_flags_challenge_id_challenges")),
        sa.ForeignKeyConstraint(["order_id"], ["pilot_orders.id"], ondelete="CASCADE",
                                name=op.f("fk_red_flags_order_id_pilot_orders")),
        sa.ForeignKeyConstraint(["milestone_id"], ["milestones.id"], ondelete="CASCADE",
                                name=op.f("fk_red_flags_milestone_id_milestones")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_flags")),
    )
    with op.batch_alter_table("red_flags", schema=None) as batch_op:
        batch_op.create_index("ix_red_flags_kind", ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_red_flags_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_red_flags_solver_id"), ["solver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_red_flags_challenge_id"), ["challenge_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_red_flags_order_id"), ["order_id"], unique=False)


def downgrade():
    op.drop_table("red_flags")
