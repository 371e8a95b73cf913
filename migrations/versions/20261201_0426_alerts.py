"""Issue 18, alerts that follow what you care about: follows (a challenge, an agency, a
technology group or a saved search; immediate, daily or weekly; a visitor's by email
with double opt-in) and the extra headers of outbox mail (List-Unsubscribe).

Revision ID: 20261201_0426_alerts
Revises: 20261201_0424_citizen_feedback
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_0426_alerts"
down_revision = "20261201_0424_citizen_feedback"
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade():
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("locale", sa.String(length=5), server_default="vi", nullable=False),
        sa.Column("kind", _enum("follow_kind", "challenge", "agency", "group", "search"),
                  nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("query", sa.String(length=600), server_default="", nullable=False),
        sa.Column("frequency", _enum("follow_frequency", "immediate", "daily", "weekly"),
                  nullable=False),
        sa.Column("status", _enum("follow_status", "pending", "active", "ended"),
                  server_default="active", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_event_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("(user_id IS NULL) <> (email IS NULL)",
                           name=op.f("ck_follows_one_owner")),
        sa.CheckConstraint("(kind = 'search') = (query <> '' AND target_id IS NULL)",
                           name=op.f("ck_follows_target_or_query")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_follows_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
    )
    op.create_index("ix_follows_status_frequency", "follows", ["status", "frequency"])
    op.create_index("ix_follows_user", "follows", ["user_id"])
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_column("headers")
    op.drop_index("ix_follows_user", table_name="follows")
    op.drop_index("ix_follows_status_frequency", table_name="follows")
    op.drop_table("follows")
