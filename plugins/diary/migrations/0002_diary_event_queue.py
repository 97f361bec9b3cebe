"""diary: the event queue a save writes in one INSERT (the sender expands it into notifications)

Revision ID: diary_0002
Revises: diary_0001
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'diary_0002'
down_revision = 'diary_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('diary_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_diary_event_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diary_event'))
    )


def downgrade() -> None:
    op.drop_table('diary_event')
