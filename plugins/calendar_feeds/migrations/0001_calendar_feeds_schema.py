"""calendar_feeds schema: private feed addresses.

Revision ID: calendar_feeds_0001
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'calendar_feeds_0001'
down_revision = None
branch_labels = ('calendar_feeds',)
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_feeds_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['core_user.id'], name=op.f('fk_calendar_feeds_feed_owner_id_core_user')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_calendar_feeds_feed_school_id_core_school')),
    sa.ForeignKeyConstraint(['student_id'], ['core_user.id'], name=op.f('fk_calendar_feeds_feed_student_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds_feed')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_feed_token_hash')),
    )
    op.create_index('ix_calendar_feeds_feed_school_owner', 'calendar_feeds_feed', ['school_id', 'owner_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_calendar_feeds_feed_school_owner', table_name='calendar_feeds_feed')
    op.drop_table('calendar_feeds_feed')
