"""Issue 17, outcomes and the catalogue: what each pilot proved (per KPI, with evidence
files), the catalogue of proven solutions with the solver's follow-on offer, follow-on
orders (a pilot order of kind "follow_on" pointing to the proven pilot), the pilot's
sandbox permission, and a challenge's justification for publishing despite a proven
solution.

Revision ID: 20261201_0403_outcomes
Revises: 20261201_0355_pg_search
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_0403_outcomes"
down_revision = "20261201_0355_pg_search"
branch_labels = None
depends_on = None


OLD_OWNERS = ("(CASE WHEN challenge_id IS NULL THEN 0 ELSE 1 END)"
              " + (CASE WHEN submission_id IS NULL THEN 0 ELSE 1 END)"
              " + (CASE WHEN delivery_id IS NULL THEN 0 ELSE 1 END)"
              " + (CASE WHEN complaint_id IS NULL THEN 0 ELSE 1 END)")
NEW_OWNERS = OLD_OWNERS + " + (CASE WHEN kpi_result_id IS NULL THEN 0 ELSE 1 END)"
KIND_HAS_ORIGIN = ("(kind = 'pilot' AND award_item_id IS NOT NULL AND follows_order_id IS "
                   "NULL) OR (kind = 'follow_on' AND award_item_id IS NULL AND "
                   "follows_order_id IS NOT NULL AND quantity > 0 AND justification <> '')")


def upgrade():
    op.create_table('pilot_outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='outcome_status', native_enum=False, create_constraint=True, length=20), server_default='draft', nullable=False),
    sa.Column('result', sa.Enum('proven', 'not_proven', 'terminated', name='outcome_result', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('lessons', sa.Text(), server_default='', nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status <> 'published' OR (published_at IS NOT NULL AND lessons <> '')", name=op.f('ck_pilot_outcomes_published_has_lessons')),
    sa.ForeignKeyConstraint(['order_id'], ['pilot_orders.id'], name=op.f('fk_pilot_outcomes_order_id_pilot_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_pilot_outcomes_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pilot_outcomes')),
    sa.UniqueConstraint('order_id', name=op.f('uq_pilot_outcomes_order_id'))
    )
    op.create_table('catalogue_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('solver_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'listed', 'withdrawn', name='catalogue_status', native_enum=False, create_constraint=True, length=20), server_default='pending', nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), server_default='', nullable=False),
    sa.Column('unit', sa.String(length=80), server_default='', nullable=False),
    sa.Column('reference_price', sa.BigInteger(), nullable=True),
    sa.Column('conditions', sa.Text(), server_default='', nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('offer_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('offer_updated_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status <> 'listed' OR (reference_price IS NOT NULL AND unit <> '' AND valid_until IS NOT NULL AND confirmed_at IS NOT NULL)", name=op.f('ck_catalogue_entries_listed_is_complete')),
    sa.CheckConstraint('reference_price IS NULL OR reference_price > 0', name=op.f('ck_catalogue_entries_price_positive')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_catalogue_entries_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['offer_updated_by_id'], ['users.id'], name=op.f('fk_catalogue_entries_offer_updated_by_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['pilot_orders.id'], name=op.f('fk_catalogue_entries_order_id_pilot_orders')),
    sa.ForeignKeyConstraint(['outcome_id'], ['pilot_outcomes.id'], name=op.f('fk_catalogue_entries_outcome_id_pilot_outcomes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['solver_id'], ['organizations.id'], name=op.f('fk_catalogue_entries_solver_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_entries')),
    sa.UniqueConstraint('order_id', name=op.f('uq_catalogue_entries_order_id')),
    sa.UniqueConstraint('outcome_id', name=op.f('uq_catalogue_entries_outcome_id'))
    )
    with op.batch_alter_table('catalogue_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_entries_solver_id'), ['solver_id'], unique=False)

    op.create_table('kpi_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('achieved', sa.String(length=300), nullable=False),
    sa.Column('verdict', sa.Enum('met', 'partly_met', 'not_met', name='kpi_verdict', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpis.id'], name=op.f('fk_kpi_results_kpi_id_kpis'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outcome_id'], ['pilot_outcomes.id'], name=op.f('fk_kpi_results_outcome_id_pilot_outcomes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_results')),
    sa.UniqueConstraint('outcome_id', 'kpi_id', name=op.f('uq_kpi_results_outcome_id_kpi_id'))
    )
    with op.batch_alter_table('kpi_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_results_kpi_id'), ['kpi_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kpi_results_outcome_id'), ['outcome_id'], unique=False)

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kpi_result_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attachments_kpi_result_id'), ['kpi_result_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attachments_kpi_result_id_kpi_results'), 'kpi_results', ['kpi_result_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint(op.f("ck_attachments_exactly_one_owner"), type_="check")
        batch_op.create_check_constraint(op.f("ck_attachments_exactly_one_owner"),
                                         NEW_OWNERS + " = 1")

    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('similar_entry_ids', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('similarity_justification', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('pilot_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('pilot', 'follow_on', name='order_kind', native_enum=False, create_constraint=True, length=20), server_default='pilot', nullable=False))
        batch_op.add_column(sa.Column('follows_order_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quantity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scope', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('justification', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sandbox_decision', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('sandbox_issuer', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('sandbox_scope', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('sandbox_starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('sandbox_ends_on', sa.Date(), nullable=True))
        batch_op.alter_column('award_item_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_pilot_orders_follows_order_id'), ['follows_order_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_pilot_orders_approved_by_id_users'), 'users', ['approved_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_pilot_orders_follows_order_id_pilot_orders'), 'pilot_orders', ['follows_order_id'], ['id'])
        batch_op.create_check_constraint(op.f("ck_pilot_orders_kind_has_origin"),
                                         KIND_HAS_ORIGIN)
        batch_op.create_check_constraint(
            op.f("ck_pilot_orders_follow_on_four_eyes"),
            "approved_by_id IS NULL OR approved_by_id <> created_by_id")
        batch_op.create_check_constraint(
            op.f("ck_pilot_orders_sandbox_dates_in_order"),
            "sandbox_ends_on IS NULL OR sandbox_starts_on IS NULL OR "
            "sandbox_ends_on >= sandbox_starts_on")



def downgrade():
    op.execute("DELETE FROM pilot_orders WHERE kind = 'follow_on'")
    op.execute("DELETE FROM attachments WHERE kpi_result_id IS NOT NULL")
    with op.batch_alter_table('pilot_orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_pilot_orders_sandbox_dates_in_order"), type_="check")
        batch_op.drop_constraint(op.f("ck_pilot_orders_follow_on_four_eyes"), type_="check")
        batch_op.drop_constraint(op.f("ck_pilot_orders_kind_has_origin"), type_="check")
        batch_op.drop_constraint(op.f("ck_pilot_orders_order_kind"), type_="check")
        batch_op.drop_constraint(batch_op.f('fk_pilot_orders_follows_order_id_pilot_orders'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_pilot_orders_approved_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_pilot_orders_follows_order_id'))
        batch_op.alter_column('award_item_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('sandbox_ends_on')
        batch_op.drop_column('sandbox_starts_on')
        batch_op.drop_column('sandbox_scope')
        batch_op.drop_column('sandbox_issuer')
        batch_op.drop_column('sandbox_decision')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('approved_at')
        batch_op.drop_column('justification')
        batch_op.drop_column('scope')
        batch_op.drop_column('quantity')
        batch_op.drop_column('follows_order_id')
        batch_op.drop_column('kind')

    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.drop_column('similarity_justification')
        batch_op.drop_column('similar_entry_ids')

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_attachments_exactly_one_owner"), type_="check")
        batch_op.create_check_constraint(op.f("ck_attachments_exactly_one_owner"),
                                         OLD_OWNERS + " = 1")
        batch_op.drop_constraint(batch_op.f('fk_attachments_kpi_result_id_kpi_results'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attachments_kpi_result_id'))
        batch_op.drop_column('kpi_result_id')

    with op.batch_alter_table('kpi_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_results_outcome_id'))
        batch_op.drop_index(batch_op.f('ix_kpi_results_kpi_id'))

    op.drop_table('kpi_results')
    with op.batch_alter_table('catalogue_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_entries_solver_id'))

    op.drop_table('catalogue_entries')
    op.drop_table('pilot_outcomes')
