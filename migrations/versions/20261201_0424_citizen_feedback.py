"""Issue 18, the satisfaction of the people served: citizens rate a pilot (1–5) with an
optional comment held for the agency's moderation; the order keeps the totals.

Revision ID: 20261201_0424_citizen_feedback
Revises: 20261201_0410_red_flags
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_0424_citizen_feedback"
down_revision = "20261201_0410_red_flags"
branch_labels = None
depends_on = None

STATUSES = ("no_comment", "pending", "approved", "rejected")


def upgrade():
    op.create_table(
        "citizen_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.Enum(*STATUSES, name="feedback_status", native_enum=False,
                                    create_constraint=True, length=20),
                  server_default="no_comment", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("rating >= 1 AND rating <= 5",
                           name=op.f("ck_citizen_feedback_rating_range")),
        sa.CheckConstraint("(status = 'no_comment') = (comment = '')",
                           name=op.f("ck_citizen_feedback_comment_status")),
        sa.ForeignKeyConstraint(["order_id"], ["pilot_orders.id"],
                                name=op.f("fk_citizen_feedback_order_id_pilot_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_feedback")),
    )
    op.create_index("ix_citizen_feedback_order_status", "citizen_feedback",
                    ["order_id", "status"], unique=False)
    with op.batch_alter_table("pilot_orders", schema=None) as batch_op:
        for name in ("citizen_ratings", "citizen_rating_sum", "citizen_comments_rejected"):
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default="0",
                                          nullable=False))


def downgrade():
    with op.batch_alter_table("pilot_orders", schema=None) as batch_op:
        for name in ("citizen_comments_rejected", "citizen_rating_sum", "citizen_ratings"):
            batch_op.drop_column(name)
    op.drop_index("ix_citizen_feedback_order_status", table_name="citizen_feedback")
    op.drop_table("citizen_feedback")
