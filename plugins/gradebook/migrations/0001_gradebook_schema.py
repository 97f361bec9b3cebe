"""gradebook schema

Revision ID: gradebook_0001
Revises:
Create Date: 2026-11-23 06:21:50.422131
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'gradebook_0001'
down_revision = None
branch_labels = ('gradebook',)
depends_on = None


def upgrade() -> None:

    op.create_table('gradebook_final_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.String(length=10), nullable=False),
    sa.Column('numeric', sa.Double(), nullable=True),
    sa.Column('forecast', sa.Double(), nullable=True),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('set_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_gradebook_final_mark_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_gradebook_final_mark_school_id_core_school')),
    sa.ForeignKeyConstraint(['set_by'], ['core_user.id'], name=op.f('fk_gradebook_final_mark_set_by_core_user')),
    sa.ForeignKeyConstraint(['student_id'], ['core_user.id'], name=op.f('fk_gradebook_final_mark_student_id_core_user')),
    sa.ForeignKeyConstraint(['subject_id'], ['core_subject.id'], name=op.f('fk_gradebook_final_mark_subject_id_core_subject')),
    sa.ForeignKeyConstraint(['term_id'], ['core_term.id'], name=op.f('fk_gradebook_final_mark_term_id_core_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gradebook_final_mark')),
    sa.UniqueConstraint('student_id', 'subject_id', 'class_id', 'term_id', name=op.f('uq_gradebook_final_mark_student_id_subject_id_class_id_term_id'))
    )
    with op.batch_alter_table('gradebook_final_mark', schema=None) as batch_op:
        batch_op.create_index('ix_gradebook_final_mark_class_subject', ['class_id', 'subject_id'], unique=False)

    op.create_table('gradebook_lesson',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('subgroup_id', sa.Integer(), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=500), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('control_work_type', sa.String(length=50), nullable=True),
    sa.Column('topic_entered_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_gradebook_lesson_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_gradebook_lesson_school_id_core_school')),
    sa.ForeignKeyConstraint(['subgroup_id'], ['core_subgroup.id'], name=op.f('fk_gradebook_lesson_subgroup_id_core_subgroup')),
    sa.ForeignKeyConstraint(['subject_id'], ['core_subject.id'], name=op.f('fk_gradebook_lesson_subject_id_core_subject')),
    sa.ForeignKeyConstraint(['teacher_id'], ['core_user.id'], name=op.f('fk_gradebook_lesson_teacher_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gradebook_lesson'))
    )
    with op.batch_alter_table('gradebook_lesson', schema=None) as batch_op:
        batch_op.create_index('ix_gradebook_lesson_class_subject_date', ['class_id', 'subject_id', 'date'], unique=False)
        batch_op.create_index('ix_gradebook_lesson_teacher_date', ['teacher_id', 'date'], unique=False)

    op.create_table('gradebook_lesson_plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('subgroup_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=500), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_gradebook_lesson_plan_item_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_gradebook_lesson_plan_item_school_id_core_school')),
    sa.ForeignKeyConstraint(['subgroup_id'], ['core_subgroup.id'], name=op.f('fk_gradebook_lesson_plan_item_subgroup_id_core_subgroup')),
    sa.ForeignKeyConstraint(['subject_id'], ['core_subject.id'], name=op.f('fk_gradebook_lesson_plan_item_subject_id_core_subject')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gradebook_lesson_plan_item')),
    sa.UniqueConstraint('class_id', 'subject_id', 'subgroup_id', 'position', name=op.f('uq_gradebook_lesson_plan_item_class_id_subject_id_subgroup_id_position'))
    )
    op.create_table('gradebook_homework',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['gradebook_lesson.id'], name=op.f('fk_gradebook_homework_lesson_id_gradebook_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_gradebook_homework_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gradebook_homework')),
    sa.UniqueConstraint('lesson_id', name=op.f('uq_gradebook_homework_lesson_id'))
    )
    op.create_table('gradebook_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=10), nullable=False),
    sa.Column('numeric', sa.Double(), nullable=True),
    sa.Column('work_type', sa.String(length=50), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['core_user.id'], name=op.f('fk_gradebook_mark_created_by_core_user')),
    sa.ForeignKeyConstraint(['lesson_id'], ['gradebook_lesson.id'], name=op.f('fk_gradebook_mark_lesson_id_gradebook_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_gradebook_mark_school_id_core_school')),
    sa.ForeignKeyConstraint(['student_id'], ['core_user.id'], name=op.f('fk_gradebook_mark_student_id_core_user')),
    sa.ForeignKeyConstraint(['updated_by'], ['core_user.id'], name=op.f('fk_gradebook_mark_updated_by_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gradebook_mark'))
    )
    with op.batch_alter_table('gradebook_mark', schema=None) as batch_op:
        batch_op.create_index('ix_gradebook_mark_lesson', ['lesson_id'], unique=False)
        batch_op.create_index('ix_gradebook_mark_student_lesson', ['student_id', 'lesson_id'], unique=False)

    op.create_table('gradebook_homework_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('homework_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['homework_id'], ['gradebook_homework.id'], name=op.f('fk_gradebook_homework_file_homework_id_gradebook_homework'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_gradebook_homework_file_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gradebook_homework_file'))
    )
    with op.batch_alter_table('gradebook_homework_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gradebook_homework_file_homework_id'), ['homework_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('gradebook_homework_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gradebook_homework_file_homework_id'))

    op.drop_table('gradebook_homework_file')
    with op.batch_alter_table('gradebook_mark', schema=None) as batch_op:
        batch_op.drop_index('ix_gradebook_mark_student_lesson')
        batch_op.drop_index('ix_gradebook_mark_lesson')

    op.drop_table('gradebook_mark')
    op.drop_table('gradebook_homework')
    op.drop_table('gradebook_lesson_plan_item')
    with op.batch_alter_table('gradebook_lesson', schema=None) as batch_op:
        batch_op.drop_index('ix_gradebook_lesson_teacher_date')
        batch_op.drop_index('ix_gradebook_lesson_class_subject_date')

    op.drop_table('gradebook_lesson')
    with op.batch_alter_table('gradebook_final_mark', schema=None) as batch_op:
        batch_op.drop_index('ix_gradebook_final_mark_class_subject')

    op.drop_table('gradebook_final_mark')

