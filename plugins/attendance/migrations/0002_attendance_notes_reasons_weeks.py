"""attendance: guardians' absence notes, class teachers' reasons, verified weeks; marks know their reason

Revision ID: attendance_0002
Revises: attendance_0001
Create Date: 2026-11-23 06:31:55.989416
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'attendance_0002'
down_revision = 'attendance_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attendance_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('file_data', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_comment', sa.String(length=500), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_attendance_note_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['decided_by'], ['core_user.id'], name=op.f('fk_attendance_note_decided_by_core_user')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_attendance_note_school_id_core_school')),
    sa.ForeignKeyConstraint(['student_id'], ['core_user.id'], name=op.f('fk_attendance_note_student_id_core_user')),
    sa.ForeignKeyConstraint(['submitted_by'], ['core_user.id'], name=op.f('fk_attendance_note_submitted_by_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_note'))
    )
    with op.batch_alter_table('attendance_note', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_note_class_status', ['class_id', 'status'], unique=False)
        batch_op.create_index('ix_attendance_note_student', ['student_id', 'starts_on'], unique=False)

    op.create_table('attendance_week_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('verified_by', sa.Integer(), nullable=True),
    sa.Column('verified_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('open_issues', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_attendance_week_check_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_attendance_week_check_school_id_core_school')),
    sa.ForeignKeyConstraint(['verified_by'], ['core_user.id'], name=op.f('fk_attendance_week_check_verified_by_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_week_check')),
    sa.UniqueConstraint('class_id', 'week_start', name=op.f('uq_attendance_week_check_class_id_week_start'))
    )
    op.create_table('attendance_reason',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('document', sa.String(length=300), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_attendance_reason_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['created_by'], ['core_user.id'], name=op.f('fk_attendance_reason_created_by_core_user')),
    sa.ForeignKeyConstraint(['note_id'], ['attendance_note.id'], name=op.f('fk_attendance_reason_note_id_attendance_note'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_attendance_reason_school_id_core_school')),
    sa.ForeignKeyConstraint(['student_id'], ['core_user.id'], name=op.f('fk_attendance_reason_student_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_reason'))
    )
    with op.batch_alter_table('attendance_reason', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_reason_student', ['student_id', 'starts_on'], unique=False)

    with op.batch_alter_table('attendance_mark', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_attendance_mark_reason_id_attendance_reason'), 'attendance_reason', ['reason_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('attendance_mark', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attendance_mark_reason_id_attendance_reason'), type_='foreignkey')
        batch_op.drop_column('reason_id')

    with op.batch_alter_table('attendance_reason', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_reason_student')

    op.drop_table('attendance_reason')
    op.drop_table('attendance_week_check')
    with op.batch_alter_table('attendance_note', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_note_student')
        batch_op.drop_index('ix_attendance_note_class_status')

    op.drop_table('attendance_note')
