"""attendance schema

Revision ID: attendance_0001
Revises:
Create Date: 2026-11-23 06:27:56.494976
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'attendance_0001'
down_revision = None
branch_labels = ('attendance',)
depends_on = None


def upgrade() -> None:
    
    op.create_table('attendance_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('minutes_late', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['gradebook_lesson.id'], name=op.f('fk_attendance_mark_lesson_id_gradebook_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_attendance_mark_school_id_core_school')),
    sa.ForeignKeyConstraint(['student_id'], ['core_user.id'], name=op.f('fk_attendance_mark_student_id_core_user')),
    sa.ForeignKeyConstraint(['updated_by'], ['core_user.id'], name=op.f('fk_attendance_mark_updated_by_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_mark')),
    sa.UniqueConstraint('lesson_id', 'student_id', name=op.f('uq_attendance_mark_lesson_id_student_id'))
    )
    with op.batch_alter_table('attendance_mark', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_mark_student_lesson', ['student_id', 'lesson_id'], unique=False)

    op.create_table('attendance_roll_call',
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('taken_by', sa.Integer(), nullable=True),
    sa.Column('taken_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['gradebook_lesson.id'], name=op.f('fk_attendance_roll_call_lesson_id_gradebook_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_attendance_roll_call_school_id_core_school')),
    sa.ForeignKeyConstraint(['taken_by'], ['core_user.id'], name=op.f('fk_attendance_roll_call_taken_by_core_user')),
    sa.PrimaryKeyConstraint('lesson_id', name=op.f('pk_attendance_roll_call'))
    )
    


def downgrade() -> None:
    
    op.drop_table('attendance_roll_call')
    with op.batch_alter_table('attendance_mark', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_mark_student_lesson')

    op.drop_table('attendance_mark')
    
