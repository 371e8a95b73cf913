"""Payment statuses for one charge per milestone (issue 14): `cancelled` (its intent
cancelled: abandoned by the agency, or replaced by a new attempt), `refund_due` (money
Stripe captured that pays nothing) and `refunded`. The one-live-payment index now
counts only pending and succeeded payments (a cancelled or refunded one is not live).

Revision ID: 20261201_0037_payment_statuses
Revises: 0008_bench_indexes
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_0037_payment_statuses"
down_revision = "0008_bench_indexes"
branch_labels = None
depends_on = None

OLD = ("pending", "succeeded", "failed")
NEW = (*OLD, "cancelled", "refund_due", "refunded")


def _status(values):
    return sa.Enum(*values, name="payment_status", native_enum=False, create_constraint=True,
                   length=20)


def _live_index(batch_op, where: str) -> None:
    batch_op.create_index("uq_payments_one_live_per_milestone", ["milestone_id"], unique=True,
                          sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def _change(old, new, where: str) -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("uq_payments_one_live_per_milestone")
        batch_op.alter_column("status", existing_type=_status(old), type_=_status(new),
                              existing_nullable=False, existing_server_default="pending")
        _live_index(batch_op, where)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_payments_payment_status"), "payments", type_="check")
        op.create_check_constraint(op.f("ck_payments_payment_status"), "payments",
                                   sa.column("status").in_(NEW))
        op.drop_index("uq_payments_one_live_per_milestone", table_name="payments")
        where = "status IN ('pending', 'succeeded')"
        op.create_index("uq_payments_one_live_per_milestone", "payments", ["milestone_id"],
                        unique=True, postgresql_where=sa.text(where))
        return
    _change(OLD, NEW, "status IN ('pending', 'succeeded')")


def downgrade():
    # the new statuses have no place in the old schema: a cancelled payment was failed,
    # a refund due or refunded one too (its money pays nothing)
    op.execute("UPDATE payments SET status = 'failed' "
               "WHERE status IN ('cancelled', 'refund_due', 'refunded')")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_payments_payment_status"), "payments", type_="check")
        op.create_check_constraint(op.f("ck_payments_payment_status"), "payments",
                                   sa.column("status").in_(OLD))
        op.drop_index("uq_payments_one_live_per_milestone", table_name="payments")
        op.create_index("uq_payments_one_live_per_milestone", "payments", ["milestone_id"],
                        unique=True, postgresql_where=sa.text("status <> 'failed'"))
        return
    _change(NEW, OLD, "status <> 'failed'")
