"""second factor (TOTP) for staff

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-11-25 10:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'core_0005'
down_revision = 'core_0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('core_second_factor',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=False),
    sa.Column('recovery_digests', sa.JSON(), nullable=False),
    sa.Column('last_step', sa.Integer(), nullable=False),
    sa.Column('enabled_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_second_factor_school_id_core_school')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_second_factor_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_core_second_factor'))
    )
    with op.batch_alter_table('core_second_factor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_second_factor_school_id'), ['school_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('core_second_factor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_second_factor_school_id'))
    op.drop_table('core_second_factor')
