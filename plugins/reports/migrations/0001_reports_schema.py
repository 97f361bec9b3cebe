"""reports schema

Revision ID: reports_0001
Revises: 
Create Date: 2026-11-23 06:47:25.241194
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'reports_0001'
down_revision = None
branch_labels = ('reports',)
depends_on = None


def upgrade() -> None:
    op.create_table('reports_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('report_key', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['core_user.id'], name=op.f('fk_reports_run_created_by_core_user')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_reports_run_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports_run'))
    )
    with op.batch_alter_table('reports_run', schema=None) as batch_op:
        batch_op.create_index('ix_reports_run_school_created', ['school_id', 'created_at'], unique=False)

    op.create_table('reports_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('report_key', sa.String(length=100), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_reports_subscription_school_id_core_school')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_reports_subscription_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports_subscription'))
    )
    with op.batch_alter_table('reports_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_subscription_school_id'), ['school_id'], unique=False)
        batch_op.create_index('ix_reports_subscription_user', ['user_id'], unique=False)

    op.create_table('reports_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('sent_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tried_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['reports_run.id'], name=op.f('fk_reports_delivery_run_id_reports_run'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_reports_delivery_school_id_core_school')),
    sa.ForeignKeyConstraint(['subscription_id'], ['reports_subscription.id'], name=op.f('fk_reports_delivery_subscription_id_reports_subscription'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports_delivery')),
    sa.UniqueConstraint('subscription_id', 'period', name=op.f('uq_reports_delivery_subscription_id_period'))
    )
    with op.batch_alter_table('reports_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_delivery_school_id'), ['school_id'], unique=False)

    op.create_table('reports_share',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('emailed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['recipient_id'], ['core_user.id'], name=op.f('fk_reports_share_recipient_id_core_user')),
    sa.ForeignKeyConstraint(['run_id'], ['reports_run.id'], name=op.f('fk_reports_share_run_id_reports_run'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_reports_share_school_id_core_school')),
    sa.ForeignKeyConstraint(['sender_id'], ['core_user.id'], name=op.f('fk_reports_share_sender_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports_share'))
    )
    with op.batch_alter_table('reports_share', schema=None) as batch_op:
        batch_op.create_index('ix_reports_share_recipient', ['recipient_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_share_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reports_share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_share_run_id'))
        batch_op.drop_index('ix_reports_share_recipient')

    op.drop_table('reports_share')
    with op.batch_alter_table('reports_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_delivery_school_id'))

    op.drop_table('reports_delivery')
    with op.batch_alter_table('reports_subscription', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_subscription_user')
        batch_op.drop_index(batch_op.f('ix_reports_subscription_school_id'))

    op.drop_table('reports_subscription')
    with op.batch_alter_table('reports_run', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_run_school_created')

    op.drop_table('reports_run')
