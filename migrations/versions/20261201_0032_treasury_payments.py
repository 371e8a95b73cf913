"""Payments: what a State Treasury payment order carries (office, budget unit code, the
order's number and date).

Revision ID: 20261201_0032_treasury_payments
Revises: 20261201_0105_panel_changes
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_0032_treasury_payments"
down_revision = "20261201_0105_panel_changes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("treasury_name", sa.String(length=200), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("budget_unit_code", sa.String(length=7), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("payment_order_number", sa.String(length=50),
                                      nullable=False, server_default=""))
        batch_op.add_column(sa.Column("payment_order_date", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("payment_order_date")
        batch_op.drop_column("payment_order_number")
        batch_op.drop_column("budget_unit_code")
        batch_op.drop_column("treasury_name")
