"""support schema: requests.

Revision ID: support_0001
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'support_0001'
down_revision = None
branch_labels = ('support',)
depends_on = None


def upgrade() -> None:
    op.create_table('support_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('page', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('screenshot_type', sa.String(length=20), nullable=False),
    sa.Column('screenshot', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_support_request_school_id_core_school')),
    sa.ForeignKeyConstraint(['author_id'], ['core_user.id'], name=op.f('fk_support_request_author_id_core_user')),
    sa.ForeignKeyConstraint(['assignee_id'], ['core_user.id'], name=op.f('fk_support_request_assignee_id_core_user')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['core_user.id'], name=op.f('fk_support_request_answered_by_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_request'))
    )
    with op.batch_alter_table('support_request', schema=None) as batch_op:
        batch_op.create_index('ix_support_request_school_status', ['school_id', 'status'], unique=False)
        batch_op.create_index('ix_support_request_school_created', ['school_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_request_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_request_assignee_id'), ['assignee_id'], unique=False)


def downgrade() -> None:
    op.drop_table('support_request')
