"""Schema changes of the transparency domain (empty until it needs one).

Each domain owns one migration file in a fixed, linear chain, so that work on several
domains at once never forks the history.

Revision ID: 0007_transparency
Revises: 0006_orders
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_transparency"
down_revision = "0006_orders"
branch_labels = None
depends_on = None


def upgrade():
    _upgrade_search_and_notifications()


def downgrade():
    _downgrade_search_and_notifications()


# --- search and notifications (search engineer) ---------------------------------------

def _upgrade_search_and_notifications():
    op.create_table('search_pending',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_pending'))
    )
    with op.batch_alter_table('search_pending', schema=None) as batch_op:
        batch_op.create_index('ix_search_pending_object', ['object_type', 'object_id'], unique=False)

    op.create_table('notification_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('in_app', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('email', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_notification_preferences_user_id_kind'))
    )

    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('technology_group_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(technology_group_id IS NULL) <> (agency_id IS NULL)', name=op.f('ck_subscriptions_exactly_one_target')),
    sa.ForeignKeyConstraint(['agency_id'], ['organizations.id'], name=op.f('fk_subscriptions_agency_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['technology_group_id'], ['technology_groups.id'], name=op.f('fk_subscriptions_technology_group_id_technology_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('user_id', 'agency_id', name=op.f('uq_subscriptions_user_id_agency_id')),
    sa.UniqueConstraint('user_id', 'technology_group_id', name=op.f('uq_subscriptions_user_id_technology_group_id'))
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriptions_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_technology_group_id'), ['technology_group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_user_id'), ['user_id'], unique=False)

    op.create_table('outbox_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_emails'))
    )
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_emails_due', ['sent_at', 'next_attempt_at'], unique=False)

    op.create_table('notification_once',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_once')),
    sa.UniqueConstraint('key', name=op.f('uq_notification_once_key'))
    )


def _downgrade_search_and_notifications():
    op.drop_table('notification_once')
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_emails_due')
    op.drop_table('outbox_emails')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriptions_user_id'))
        batch_op.drop_index(batch_op.f('ix_subscriptions_technology_group_id'))
        batch_op.drop_index(batch_op.f('ix_subscriptions_agency_id'))
    op.drop_table('subscriptions')
    op.drop_table('notification_preferences')
    with op.batch_alter_table('search_pending', schema=None) as batch_op:
        batch_op.drop_index('ix_search_pending_object')
    op.drop_table('search_pending')


# --- end of search and notifications ---------------------------------------------------
