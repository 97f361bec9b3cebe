"""attendance: indexes for many schools: a school's roll calls by lesson, a class's absence reasons by date.

Many schools share these tables (one region, one database): an index that does not lead with the school
(or a sharper key) makes one school's query read every school's rows. Indexes only, no data change.

Revision ID: attendance_0004
Revises: attendance_0003
Create Date: 2026-12-03
"""
from __future__ import annotations

from alembic import op

revision = 'attendance_0004'
down_revision = 'attendance_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_attendance_roll_call_school_lesson', 'attendance_roll_call', ['school_id', 'lesson_id'])
    op.create_index('ix_attendance_reason_class', 'attendance_reason', ['class_id', 'starts_on'])


def downgrade() -> None:
    op.drop_index('ix_attendance_reason_class', table_name='attendance_reason')
    op.drop_index('ix_attendance_roll_call_school_lesson', table_name='attendance_roll_call')
