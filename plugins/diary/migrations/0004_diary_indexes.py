"""diary: indexes that lead with the school: a school's diary visits of a period, a school's pending digests.

Many schools share these tables (one region, one database): an index that does not lead with the school
(or a sharper key) makes one school's query read every school's rows. Indexes only, no data change.

Revision ID: diary_0004
Revises: diary_0003
Create Date: 2026-12-03
"""
from __future__ import annotations

from alembic import op

revision = 'diary_0004'
down_revision = 'diary_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_diary_visit_school_at', 'diary_visit', ['school_id', 'visited_at'])
    op.create_index('ix_diary_notification_school_status', 'diary_notification', ['school_id', 'status', 'delivery'])


def downgrade() -> None:
    op.drop_index('ix_diary_notification_school_status', table_name='diary_notification')
    op.drop_index('ix_diary_visit_school_at', table_name='diary_visit')
