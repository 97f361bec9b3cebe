"""core schema

Revision ID: core_0001
Revises:
Create Date: 2026-11-23 06:17:42.557754
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'core_0001'
down_revision = None
branch_labels = ('core',)
depends_on = None


def upgrade() -> None:

    op.create_table('core_school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('short_name', sa.String(length=100), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('principal_name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_school'))
    )
    op.create_table('core_academic_year',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=20), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.CheckConstraint('starts_on < ends_on', name=op.f('ck_core_academic_year_year_dates')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_academic_year_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_academic_year')),
    sa.UniqueConstraint('school_id', 'title', name=op.f('uq_core_academic_year_school_id_title'))
    )
    with op.batch_alter_table('core_academic_year', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_academic_year_school_id'), ['school_id'], unique=False)

    op.create_table('core_subject',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_subject_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_subject')),
    sa.UniqueConstraint('school_id', 'name', name=op.f('uq_core_subject_school_id_name'))
    )
    with op.batch_alter_table('core_subject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_subject_school_id'), ['school_id'], unique=False)

    op.create_table('core_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('middle_name', sa.String(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('is_active_account', sa.Boolean(), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('activated_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_user_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_user')),
    sa.UniqueConstraint('login', name=op.f('uq_core_user_login'))
    )
    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_user_school_id'), ['school_id'], unique=False)

    op.create_table('core_api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_api_token_school_id_core_school')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_api_token_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_core_api_token_token_hash'))
    )
    with op.batch_alter_table('core_api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_api_token_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('core_audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('object_type', sa.String(length=100), nullable=False),
    sa.Column('object_id', sa.String(length=100), nullable=False),
    sa.Column('old', sa.JSON(), nullable=True),
    sa.Column('new', sa.JSON(), nullable=True),
    sa.Column('reverted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['core_user.id'], name=op.f('fk_core_audit_entry_actor_id_core_user')),
    sa.ForeignKeyConstraint(['reverted_by_id'], ['core_audit_entry.id'], name=op.f('fk_core_audit_entry_reverted_by_id_core_audit_entry')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_audit_entry_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_audit_entry'))
    )
    with op.batch_alter_table('core_audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_core_audit_entry_actor_at', ['actor_id', 'at'], unique=False)
        batch_op.create_index('ix_core_audit_entry_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index('ix_core_audit_entry_school_at', ['school_id', 'at'], unique=False)

    op.create_table('core_guardian_link',
    sa.Column('guardian_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['guardian_id'], ['core_user.id'], name=op.f('fk_core_guardian_link_guardian_id_core_user')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_guardian_link_school_id_core_school')),
    sa.ForeignKeyConstraint(['student_id'], ['core_user.id'], name=op.f('fk_core_guardian_link_student_id_core_user')),
    sa.PrimaryKeyConstraint('guardian_id', 'student_id', name=op.f('pk_core_guardian_link'))
    )
    with op.batch_alter_table('core_guardian_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_guardian_link_school_id'), ['school_id'], unique=False)
        batch_op.create_index('ix_core_guardian_link_student', ['student_id'], unique=False)

    op.create_table('core_holiday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.CheckConstraint('starts_on <= ends_on', name=op.f('ck_core_holiday_holiday_dates')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_holiday_school_id_core_school')),
    sa.ForeignKeyConstraint(['year_id'], ['core_academic_year.id'], name=op.f('fk_core_holiday_year_id_core_academic_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_holiday'))
    )
    with op.batch_alter_table('core_holiday', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_holiday_school_id'), ['school_id'], unique=False)

    op.create_table('core_school_class',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('grade_level', sa.Integer(), nullable=False),
    sa.Column('letter', sa.String(length=4), nullable=False),
    sa.Column('class_teacher_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('grade_level BETWEEN 1 AND 11', name=op.f('ck_core_school_class_grade_level_range')),
    sa.ForeignKeyConstraint(['class_teacher_id'], ['core_user.id'], name=op.f('fk_core_school_class_class_teacher_id_core_user')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_school_class_school_id_core_school')),
    sa.ForeignKeyConstraint(['year_id'], ['core_academic_year.id'], name=op.f('fk_core_school_class_year_id_core_academic_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_school_class')),
    sa.UniqueConstraint('year_id', 'grade_level', 'letter', name=op.f('uq_core_school_class_year_id_grade_level_letter'))
    )
    with op.batch_alter_table('core_school_class', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_school_class_school_id'), ['school_id'], unique=False)

    op.create_table('core_term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=50), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.CheckConstraint('starts_on <= ends_on', name=op.f('ck_core_term_term_dates')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_term_school_id_core_school')),
    sa.ForeignKeyConstraint(['year_id'], ['core_academic_year.id'], name=op.f('fk_core_term_year_id_core_academic_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_term')),
    sa.UniqueConstraint('year_id', 'number', name=op.f('uq_core_term_year_id_number'))
    )
    with op.batch_alter_table('core_term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_term_school_id'), ['school_id'], unique=False)

    op.create_table('core_class_membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.CheckConstraint('ends_on IS NULL OR starts_on <= ends_on', name=op.f('ck_core_class_membership_membership_dates')),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_core_class_membership_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_class_membership_school_id_core_school')),
    sa.ForeignKeyConstraint(['student_id'], ['core_user.id'], name=op.f('fk_core_class_membership_student_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_class_membership'))
    )
    with op.batch_alter_table('core_class_membership', schema=None) as batch_op:
        batch_op.create_index('ix_core_class_membership_class', ['class_id', 'starts_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_class_membership_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_class_membership_student_id'), ['student_id'], unique=False)

    op.create_table('core_role_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('admin', 'principal', 'deputy', 'class_teacher', 'teacher', 'student', 'guardian', 'support', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_core_role_grant_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_role_grant_school_id_core_school')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_role_grant_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_role_grant')),
    sa.UniqueConstraint('user_id', 'role', 'class_id', name=op.f('uq_core_role_grant_user_id_role_class_id'))
    )
    with op.batch_alter_table('core_role_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_role_grant_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_role_grant_user_id'), ['user_id'], unique=False)

    op.create_table('core_subgroup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_core_subgroup_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_subgroup_school_id_core_school')),
    sa.ForeignKeyConstraint(['subject_id'], ['core_subject.id'], name=op.f('fk_core_subgroup_subject_id_core_subject')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_subgroup')),
    sa.UniqueConstraint('class_id', 'subject_id', 'name', name=op.f('uq_core_subgroup_class_id_subject_id_name'))
    )
    with op.batch_alter_table('core_subgroup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_subgroup_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_subgroup_school_id'), ['school_id'], unique=False)

    op.create_table('core_subgroup_member',
    sa.Column('subgroup_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['core_user.id'], name=op.f('fk_core_subgroup_member_student_id_core_user')),
    sa.ForeignKeyConstraint(['subgroup_id'], ['core_subgroup.id'], name=op.f('fk_core_subgroup_member_subgroup_id_core_subgroup')),
    sa.PrimaryKeyConstraint('subgroup_id', 'student_id', name=op.f('pk_core_subgroup_member'))
    )
    with op.batch_alter_table('core_subgroup_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_subgroup_member_student_id'), ['student_id'], unique=False)

    op.create_table('core_teaching_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('subgroup_id', sa.Integer(), nullable=True),
    sa.Column('hours_per_week', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_core_teaching_assignment_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_teaching_assignment_school_id_core_school')),
    sa.ForeignKeyConstraint(['subgroup_id'], ['core_subgroup.id'], name=op.f('fk_core_teaching_assignment_subgroup_id_core_subgroup')),
    sa.ForeignKeyConstraint(['subject_id'], ['core_subject.id'], name=op.f('fk_core_teaching_assignment_subject_id_core_subject')),
    sa.ForeignKeyConstraint(['teacher_id'], ['core_user.id'], name=op.f('fk_core_teaching_assignment_teacher_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_teaching_assignment')),
    sa.UniqueConstraint('teacher_id', 'subject_id', 'class_id', 'subgroup_id', name=op.f('uq_core_teaching_assignment_teacher_id_subject_id_class_id_subgroup_id'))
    )
    with op.batch_alter_table('core_teaching_assignment', schema=None) as batch_op:
        batch_op.create_index('ix_core_teaching_assignment_class_subject', ['class_id', 'subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_teaching_assignment_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_teaching_assignment_teacher_id'), ['teacher_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('core_teaching_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_teaching_assignment_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_core_teaching_assignment_school_id'))
        batch_op.drop_index('ix_core_teaching_assignment_class_subject')

    op.drop_table('core_teaching_assignment')
    with op.batch_alter_table('core_subgroup_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_subgroup_member_student_id'))

    op.drop_table('core_subgroup_member')
    with op.batch_alter_table('core_subgroup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_subgroup_school_id'))
        batch_op.drop_index(batch_op.f('ix_core_subgroup_class_id'))

    op.drop_table('core_subgroup')
    with op.batch_alter_table('core_role_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_role_grant_user_id'))
        batch_op.drop_index(batch_op.f('ix_core_role_grant_school_id'))

    op.drop_table('core_role_grant')
    with op.batch_alter_table('core_class_membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_class_membership_student_id'))
        batch_op.drop_index(batch_op.f('ix_core_class_membership_school_id'))
        batch_op.drop_index('ix_core_class_membership_class')

    op.drop_table('core_class_membership')
    with op.batch_alter_table('core_term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_term_school_id'))

    op.drop_table('core_term')
    with op.batch_alter_table('core_school_class', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_school_class_school_id'))

    op.drop_table('core_school_class')
    with op.batch_alter_table('core_holiday', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_holiday_school_id'))

    op.drop_table('core_holiday')
    with op.batch_alter_table('core_guardian_link', schema=None) as batch_op:
        batch_op.drop_index('ix_core_guardian_link_student')
        batch_op.drop_index(batch_op.f('ix_core_guardian_link_school_id'))

    op.drop_table('core_guardian_link')
    with op.batch_alter_table('core_audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_core_audit_entry_school_at')
        batch_op.drop_index('ix_core_audit_entry_object')
        batch_op.drop_index('ix_core_audit_entry_actor_at')

    op.drop_table('core_audit_entry')
    with op.batch_alter_table('core_api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_api_token_user_id'))
        batch_op.drop_index(batch_op.f('ix_core_api_token_school_id'))

    op.drop_table('core_api_token')
    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_user_school_id'))

    op.drop_table('core_user')
    with op.batch_alter_table('core_subject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_subject_school_id'))

    op.drop_table('core_subject')
    with op.batch_alter_table('core_academic_year', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_academic_year_school_id'))

    op.drop_table('core_academic_year')
    op.drop_table('core_school')

