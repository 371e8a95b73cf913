"""Accounts: identities at an OpenID Connect provider (issuer, subject) linked to users.

Revision ID: 20261201_0047_oidc_identities
Revises: 20261201_0032_treasury_payments
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_0047_oidc_identities"
down_revision = "20261201_0032_treasury_payments"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "external_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_external_identities_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_identities")),
        sa.UniqueConstraint("issuer", "subject",
                            name=op.f("uq_external_identities_issuer_subject")),
        sa.UniqueConstraint("user_id", "issuer",
                            name=op.f("uq_external_identities_user_id_issuer")),
    )
    with op.batch_alter_table("external_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_external_identities_user_id"), ["user_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("external_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_identities_user_id"))
    op.drop_table("external_identities")
