"""stored files: uploads kept once per school by content

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-12-02 07:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'core_0003'
down_revision = 'core_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('core_stored_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_stored_file_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_stored_file')),
    sa.UniqueConstraint('school_id', 'sha256', name=op.f('uq_core_stored_file_school_id_sha256'))
    )


def downgrade() -> None:
    op.drop_table('core_stored_file')
