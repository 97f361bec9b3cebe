"""timetable: indexes that lead with the school: a school's lesson changes and planned tests of a day or a week.

Many schools share these tables (one region, one database): an index that does not lead with the school
(or a sharper key) makes one school's query read every school's rows. Indexes only, no data change.

Revision ID: timetable_0002
Revises: timetable_0001
Create Date: 2026-12-03
"""
from __future__ import annotations

from alembic import op

revision = 'timetable_0002'
down_revision = 'timetable_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_timetable_lesson_change_school_date', 'timetable_lesson_change', ['school_id', 'date'])
    op.create_index('ix_timetable_assessment_school_date', 'timetable_assessment', ['school_id', 'date'])


def downgrade() -> None:
    op.drop_index('ix_timetable_assessment_school_date', table_name='timetable_assessment')
    op.drop_index('ix_timetable_lesson_change_school_date', table_name='timetable_lesson_change')
