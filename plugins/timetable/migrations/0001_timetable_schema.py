"""timetable schema

Revision ID: timetable_0001
Revises:
Create Date: 2026-11-23 06:40:14.454026
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'timetable_0001'
down_revision = None
branch_labels = ('timetable',)
depends_on = None


def upgrade() -> None:
    op.create_table('timetable_bell_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('shift', sa.Integer(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_timetable_bell_schedule_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timetable_bell_schedule'))
    )
    with op.batch_alter_table('timetable_bell_schedule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timetable_bell_schedule_school_id'), ['school_id'], unique=False)

    op.create_table('timetable_bell',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_timetable_bell_bell_times')),
    sa.ForeignKeyConstraint(['schedule_id'], ['timetable_bell_schedule.id'], name=op.f('fk_timetable_bell_schedule_id_timetable_bell_schedule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timetable_bell')),
    sa.UniqueConstraint('schedule_id', 'number', name=op.f('uq_timetable_bell_schedule_id_number'))
    )
    op.create_table('timetable_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('valid_from <= valid_to', name=op.f('ck_timetable_version_version_dates')),
    sa.ForeignKeyConstraint(['created_by'], ['core_user.id'], name=op.f('fk_timetable_version_created_by_core_user')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_timetable_version_school_id_core_school')),
    sa.ForeignKeyConstraint(['year_id'], ['core_academic_year.id'], name=op.f('fk_timetable_version_year_id_core_academic_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timetable_version'))
    )
    with op.batch_alter_table('timetable_version', schema=None) as batch_op:
        batch_op.create_index('ix_timetable_version_school_dates', ['school_id', 'valid_from', 'valid_to'], unique=False)

    op.create_table('timetable_class_bells',
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_timetable_class_bells_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['schedule_id'], ['timetable_bell_schedule.id'], name=op.f('fk_timetable_class_bells_schedule_id_timetable_bell_schedule'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_timetable_class_bells_school_id_core_school')),
    sa.PrimaryKeyConstraint('class_id', name=op.f('pk_timetable_class_bells'))
    )
    with op.batch_alter_table('timetable_class_bells', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timetable_class_bells_school_id'), ['school_id'], unique=False)

    op.create_table('timetable_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('subgroup_id', sa.Integer(), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=True),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_timetable_assessment_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['created_by'], ['core_user.id'], name=op.f('fk_timetable_assessment_created_by_core_user')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_timetable_assessment_school_id_core_school')),
    sa.ForeignKeyConstraint(['subgroup_id'], ['core_subgroup.id'], name=op.f('fk_timetable_assessment_subgroup_id_core_subgroup')),
    sa.ForeignKeyConstraint(['subject_id'], ['core_subject.id'], name=op.f('fk_timetable_assessment_subject_id_core_subject')),
    sa.ForeignKeyConstraint(['term_id'], ['core_term.id'], name=op.f('fk_timetable_assessment_term_id_core_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timetable_assessment'))
    )
    with op.batch_alter_table('timetable_assessment', schema=None) as batch_op:
        batch_op.create_index('ix_timetable_assessment_class_date', ['class_id', 'date'], unique=False)
        batch_op.create_index(batch_op.f('ix_timetable_assessment_school_id'), ['school_id'], unique=False)

    op.create_table('timetable_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('subgroup_id', sa.Integer(), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=50), nullable=False),
    sa.CheckConstraint('number BETWEEN 0 AND 12', name=op.f('ck_timetable_entry_entry_number')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 5', name=op.f('ck_timetable_entry_entry_weekday')),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_timetable_entry_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_timetable_entry_school_id_core_school')),
    sa.ForeignKeyConstraint(['subgroup_id'], ['core_subgroup.id'], name=op.f('fk_timetable_entry_subgroup_id_core_subgroup')),
    sa.ForeignKeyConstraint(['subject_id'], ['core_subject.id'], name=op.f('fk_timetable_entry_subject_id_core_subject')),
    sa.ForeignKeyConstraint(['teacher_id'], ['core_user.id'], name=op.f('fk_timetable_entry_teacher_id_core_user')),
    sa.ForeignKeyConstraint(['version_id'], ['timetable_version.id'], name=op.f('fk_timetable_entry_version_id_timetable_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timetable_entry'))
    )
    with op.batch_alter_table('timetable_entry', schema=None) as batch_op:
        batch_op.create_index('ix_timetable_entry_version_class', ['version_id', 'class_id'], unique=False)
        batch_op.create_index('ix_timetable_entry_version_slot', ['version_id', 'weekday', 'number'], unique=False)
        batch_op.create_index('ix_timetable_entry_version_teacher', ['version_id', 'teacher_id'], unique=False)

    op.create_table('timetable_lesson_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('subgroup_id', sa.Integer(), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('new_teacher_id', sa.Integer(), nullable=True),
    sa.Column('new_date', sa.Date(), nullable=True),
    sa.Column('new_number', sa.Integer(), nullable=True),
    sa.Column('new_room', sa.String(length=50), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('revoked_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_timetable_lesson_change_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['created_by'], ['core_user.id'], name=op.f('fk_timetable_lesson_change_created_by_core_user')),
    sa.ForeignKeyConstraint(['lesson_id'], ['gradebook_lesson.id'], name=op.f('fk_timetable_lesson_change_lesson_id_gradebook_lesson'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['new_teacher_id'], ['core_user.id'], name=op.f('fk_timetable_lesson_change_new_teacher_id_core_user')),
    sa.ForeignKeyConstraint(['revoked_by'], ['core_user.id'], name=op.f('fk_timetable_lesson_change_revoked_by_core_user')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_timetable_lesson_change_school_id_core_school')),
    sa.ForeignKeyConstraint(['subgroup_id'], ['core_subgroup.id'], name=op.f('fk_timetable_lesson_change_subgroup_id_core_subgroup')),
    sa.ForeignKeyConstraint(['subject_id'], ['core_subject.id'], name=op.f('fk_timetable_lesson_change_subject_id_core_subject')),
    sa.ForeignKeyConstraint(['teacher_id'], ['core_user.id'], name=op.f('fk_timetable_lesson_change_teacher_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timetable_lesson_change'))
    )
    with op.batch_alter_table('timetable_lesson_change', schema=None) as batch_op:
        batch_op.create_index('ix_timetable_lesson_change_class_date', ['class_id', 'date'], unique=False)
        batch_op.create_index('ix_timetable_lesson_change_class_new_date', ['class_id', 'new_date'], unique=False)
        batch_op.create_index('ix_timetable_lesson_change_lesson', ['lesson_id'], unique=False)
        batch_op.create_index('ix_timetable_lesson_change_new_teacher', ['new_teacher_id', 'date'], unique=False)
        batch_op.create_index(batch_op.f('ix_timetable_lesson_change_school_id'), ['school_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('timetable_lesson_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timetable_lesson_change_school_id'))
        batch_op.drop_index('ix_timetable_lesson_change_new_teacher')
        batch_op.drop_index('ix_timetable_lesson_change_lesson')
        batch_op.drop_index('ix_timetable_lesson_change_class_new_date')
        batch_op.drop_index('ix_timetable_lesson_change_class_date')

    op.drop_table('timetable_lesson_change')
    with op.batch_alter_table('timetable_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_timetable_entry_version_teacher')
        batch_op.drop_index('ix_timetable_entry_version_slot')
        batch_op.drop_index('ix_timetable_entry_version_class')

    op.drop_table('timetable_entry')
    with op.batch_alter_table('timetable_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timetable_assessment_school_id'))
        batch_op.drop_index('ix_timetable_assessment_class_date')

    op.drop_table('timetable_assessment')
    with op.batch_alter_table('timetable_class_bells', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timetable_class_bells_school_id'))

    op.drop_table('timetable_class_bells')
    with op.batch_alter_table('timetable_version', schema=None) as batch_op:
        batch_op.drop_index('ix_timetable_version_school_dates')

    op.drop_table('timetable_version')
    op.drop_table('timetable_bell')
    with op.batch_alter_table('timetable_bell_schedule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timetable_bell_schedule_school_id'))

    op.drop_table('timetable_bell_schedule')
