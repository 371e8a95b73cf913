"""Issue 15, the reset POST does the same work for known and unknown emails: the request
writes a password reset request for any well-formed address, the worker looks the account
up and queues the mail.

Revision ID: 20261201_0800_password_reset_requests
Revises: 20261201_0527_phases
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_0800_password_reset_requests"
down_revision = "20261201_0527_phases"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "password_reset_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_requests")),
    )


def downgrade():
    op.drop_table("password_reset_requests")
