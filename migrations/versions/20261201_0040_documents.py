"""Official documents as issued (PDF, stored once with their SHA-256) and the verified
digital signatures on pilot-order PDFs (issue 20).

Revision ID: 20261201_0040_documents
Revises: 20261201_0037_payment_statuses
Create Date: 2026-12-01 00:40
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_0040_documents"
down_revision = "20261201_0037_payment_statuses"
branch_labels = None
depends_on = None

KINDS = ("award_decision", "order", "order_public", "order_signed", "amendment", "receipt",
         "opening_record")


def upgrade():
    op.create_table(
        "issued_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum(*KINDS, name="document_kind", native_enum=False,
                                  create_constraint=True, length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), server_default="", nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"],
                                name=op.f("fk_issued_documents_issued_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_documents")),
        sa.UniqueConstraint("kind", "subject_id", "key",
                            name=op.f("uq_issued_documents_kind_subject_id_key")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_issued_documents_stored_name")),
    )
    op.create_table(
        "document_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("covers_sha256", sa.String(length=64), nullable=False),
        sa.Column("terms_sha256", sa.String(length=64), nullable=False),
        sa.Column("signer_name", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("certificate_sha256", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["pilot_orders.id"], ondelete="CASCADE",
                                name=op.f("fk_document_signatures_order_id_pilot_orders")),
        sa.ForeignKeyConstraint(["document_id"], ["issued_documents.id"],
                                name=op.f("fk_document_signatures_document_id_issued_documents")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_document_signatures_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_signatures")),
        sa.UniqueConstraint("order_id", "side", "terms_sha256",
                            name=op.f("uq_document_signatures_order_id_side_terms_sha256")),
    )
    with op.batch_alter_table("document_signatures") as batch_op:
        batch_op.create_index(batch_op.f("ix_document_signatures_order_id"), ["order_id"])


def downgrade():
    with op.batch_alter_table("document_signatures") as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_signatures_order_id"))
    op.drop_table("document_signatures")
    op.drop_table("issued_documents")
