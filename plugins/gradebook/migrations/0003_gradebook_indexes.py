"""gradebook: indexes that lead with the school: a school's lessons of a period, a school's marks, a school's final marks of a term.

Many schools share these tables (one region, one database): an index that does not lead with the school
(or a sharper key) makes one school's query read every school's rows. Indexes only, no data change.

Revision ID: gradebook_0003
Revises: gradebook_0002
Create Date: 2026-12-03
"""
from __future__ import annotations

from alembic import op

revision = 'gradebook_0003'
down_revision = 'gradebook_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_gradebook_lesson_school_date', 'gradebook_lesson', ['school_id', 'date'])
    op.create_index('ix_gradebook_mark_school_lesson', 'gradebook_mark', ['school_id', 'lesson_id'])
    op.create_index('ix_gradebook_final_mark_school_term', 'gradebook_final_mark', ['school_id', 'term_id'])


def downgrade() -> None:
    op.drop_index('ix_gradebook_final_mark_school_term', table_name='gradebook_final_mark')
    op.drop_index('ix_gradebook_mark_school_lesson', table_name='gradebook_mark')
    op.drop_index('ix_gradebook_lesson_school_date', table_name='gradebook_lesson')
