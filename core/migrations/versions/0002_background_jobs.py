"""background jobs

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-23 06:30:08.345868
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'core_0002'
down_revision = 'core_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('core_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('handler', sa.String(length=200), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['core_user.id'], name=op.f('fk_core_job_created_by_core_user')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_job_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_job'))
    )
    with op.batch_alter_table('core_job', schema=None) as batch_op:
        batch_op.create_index('ix_core_job_school_created', ['school_id', 'created_at'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('core_job', schema=None) as batch_op:
        batch_op.drop_index('ix_core_job_school_created')

    op.drop_table('core_job')
    
