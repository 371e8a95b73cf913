"""Issue 19, panels that can change on the record: an evaluation set aside (its evaluator
removed from the panel after scoring, or a conflict declared after scoring) keeps its
scores, out of the ranking, with the reason.

Revision ID: 20261201_0105_panel_changes
Revises: 20261201_0045_complaints
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_0105_panel_changes"
down_revision = "20261201_0045_complaints"
branch_labels = None
depends_on = None

OLD = ("draft", "submitted")
NEW = (*OLD, "set_aside")


def _status(values):
    return sa.Enum(*values, name="evaluation_status", native_enum=False,
                   create_constraint=True, length=20)


def upgrade():
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("set_aside_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("set_aside_reason", sa.Text(), server_default="",
                                      nullable=False))
        batch_op.alter_column("status", existing_type=_status(OLD), type_=_status(NEW),
                              existing_nullable=False, existing_server_default="draft")
        batch_op.create_check_constraint(
            op.f("ck_evaluations_set_aside_has_reason"),
            "status <> 'set_aside' OR (set_aside_reason <> '' AND set_aside_at IS NOT NULL)")


def downgrade():
    op.execute("DELETE FROM scores WHERE evaluation_id IN "
               "(SELECT id FROM evaluations WHERE status = 'set_aside')")
    op.execute("DELETE FROM evaluations WHERE status = 'set_aside'")
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_evaluations_set_aside_has_reason"), type_="check")
        batch_op.alter_column("status", existing_type=_status(NEW), type_=_status(OLD),
                              existing_nullable=False, existing_server_default="draft")
        batch_op.drop_column("set_aside_reason")
        batch_op.drop_column("set_aside_at")
