"""Issue 19, bidder protections: complaints (kiến nghị) with their evidence files, the
standstill's end on each award, and an award annulled by an upheld complaint.

Revision ID: 20261201_0045_complaints
Revises: 20261201_0040_documents
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_0045_complaints"
down_revision = "20261201_0040_documents"
branch_labels = None
depends_on = None

OLD_AWARD_STATUSES = ("proposed", "approved", "rejected")
NEW_AWARD_STATUSES = (*OLD_AWARD_STATUSES, "annulled")
OWNERS = ("challenge_id", "submission_id", "delivery_id")


def _one_owner(columns) -> str:
    return " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns) + " = 1"


def _award_status(values):
    return sa.Enum(*values, name="award_status", native_enum=False, create_constraint=True,
                   length=20)


def upgrade():
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("filed", "under_review", "upheld", "dismissed", "withdrawn",
                                    name="complaint_status", native_enum=False,
                                    create_constraint=True, length=20),
                  server_default="filed", nullable=False),
        sa.Column("contested", sa.Enum("award", "ranking", "disqualification", "other",
                                       name="complaint_contested", native_enum=False,
                                       create_constraint=True, length=20), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("under_review_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reasoning", sa.Text(), server_default="", nullable=False),
        sa.Column("remedy", sa.Enum("reevaluate", "cancel", name="complaint_remedy",
                                    native_enum=False, create_constraint=True, length=20),
                  nullable=True),
        sa.CheckConstraint("grounds <> ''", name=op.f("ck_complaints_has_grounds")),
        sa.CheckConstraint("status NOT IN ('upheld', 'dismissed') OR "
                           "(reasoning <> '' AND decided_at IS NOT NULL)",
                           name=op.f("ck_complaints_decided_has_reasoning")),
        sa.CheckConstraint("status = 'upheld' OR remedy IS NULL",
                           name=op.f("ck_complaints_remedy_only_upheld")),
        sa.CheckConstraint("status <> 'upheld' OR remedy IS NOT NULL",
                           name=op.f("ck_complaints_upheld_has_remedy")),
        sa.ForeignKeyConstraint(["award_id"], ["awards.id"],
                                name=op.f("fk_complaints_award_id_awards")),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"],
                                name=op.f("fk_complaints_challenge_id_challenges")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_complaints_decided_by_id_users")),
        sa.ForeignKeyConstraint(["filed_by_id"], ["users.id"],
                                name=op.f("fk_complaints_filed_by_id_users")),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_complaints_submission_id_submissions")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_complaints_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaints_award_id"), ["award_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_challenge_id"), ["challenge_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_organization_id"), ["organization_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_submission_id"), ["submission_id"],
                              unique=False)
        batch_op.create_index("ix_complaints_challenge_status", ["challenge_id", "status"],
                              unique=False)

    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("standstill_ends_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.alter_column("status", existing_type=_award_status(OLD_AWARD_STATUSES),
                              type_=_award_status(NEW_AWARD_STATUSES),
                              existing_nullable=False, existing_server_default="proposed")
        batch_op.drop_index("uq_awards_one_live_per_challenge")
        batch_op.create_index(
            "uq_awards_one_live_per_challenge", ["challenge_id"], unique=True,
            sqlite_where=sa.text("status NOT IN ('rejected', 'annulled')"),
            postgresql_where=sa.text("status NOT IN ('rejected', 'annulled')"))

    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("complaint_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_attachments_complaint_id"), ["complaint_id"],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_attachments_complaint_id_complaints"),
                                    "complaints", ["complaint_id"], ["id"], ondelete="CASCADE")
        batch_op.drop_constraint(op.f("ck_attachments_exactly_one_owner"), type_="check")
        batch_op.create_check_constraint(op.f("ck_attachments_exactly_one_owner"),
                                         _one_owner((*OWNERS, "complaint_id")))


def downgrade():
    op.execute("DELETE FROM attachments WHERE complaint_id IS NOT NULL")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_attachments_exactly_one_owner"), type_="check")
        batch_op.create_check_constraint(op.f("ck_attachments_exactly_one_owner"),
                                         _one_owner(OWNERS))
        batch_op.drop_constraint(batch_op.f("fk_attachments_complaint_id_complaints"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_attachments_complaint_id"))
        batch_op.drop_column("complaint_id")

    op.execute("UPDATE awards SET status = 'rejected', rejection_reason = "
               "'Annulled after a complaint' WHERE status = 'annulled'")
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_index("uq_awards_one_live_per_challenge")
        batch_op.create_index("uq_awards_one_live_per_challenge", ["challenge_id"], unique=True,
                              sqlite_where=sa.text("status <> 'rejected'"),
                              postgresql_where=sa.text("status <> 'rejected'"))
        batch_op.alter_column("status", existing_type=_award_status(NEW_AWARD_STATUSES),
                              type_=_award_status(OLD_AWARD_STATUSES),
                              existing_nullable=False, existing_server_default="proposed")
        batch_op.drop_column("standstill_ends_at")

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_challenge_status")
        batch_op.drop_index(batch_op.f("ix_complaints_submission_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_organization_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_challenge_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_award_id"))
    op.drop_table("complaints")
