"""help schema: guide opens.

Revision ID: help_0001
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'help_0001'
down_revision = None
branch_labels = ('help',)
depends_on = None


def upgrade() -> None:
    op.create_table('help_guide_open',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('guide', sa.String(length=30), nullable=False),
    sa.Column('page', sa.String(length=120), nullable=False),
    sa.Column('opened_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_help_guide_open_school_id_core_school')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_help_guide_open_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_guide_open'))
    )
    with op.batch_alter_table('help_guide_open', schema=None) as batch_op:
        batch_op.create_index('ix_help_guide_open_school_user', ['school_id', 'user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('help_guide_open', schema=None) as batch_op:
        batch_op.drop_index('ix_help_guide_open_school_user')
    op.drop_table('help_guide_open')
