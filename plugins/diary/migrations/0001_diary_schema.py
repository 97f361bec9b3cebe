"""diary schema

Revision ID: diary_0001
Revises: 
Create Date: 2026-11-23 06:46:45.643401
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'diary_0001'
down_revision = None
branch_labels = ('diary',)
depends_on = None


def upgrade() -> None:
    op.create_table('diary_digest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['recipient_id'], ['core_user.id'], name=op.f('fk_diary_digest_recipient_id_core_user')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_diary_digest_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diary_digest')),
    sa.UniqueConstraint('recipient_id', 'period', 'period_start', name=op.f('uq_diary_digest_recipient_id_period_period_start'))
    )
    op.create_table('diary_notification_preference',
    sa.Column('guardian_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('marks', sa.Boolean(), nullable=False),
    sa.Column('absences', sa.Boolean(), nullable=False),
    sa.Column('remarks', sa.Boolean(), nullable=False),
    sa.Column('homework', sa.Boolean(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['guardian_id'], ['core_user.id'], name=op.f('fk_diary_notification_preference_guardian_id_core_user')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_diary_notification_preference_school_id_core_school')),
    sa.PrimaryKeyConstraint('guardian_id', name=op.f('pk_diary_notification_preference'))
    )
    with op.batch_alter_table('diary_notification_preference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diary_notification_preference_school_id'), ['school_id'], unique=False)

    op.create_table('diary_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('viewer_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('viewer_role', sa.String(length=10), nullable=False),
    sa.Column('page', sa.String(length=20), nullable=False),
    sa.Column('visited_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_diary_visit_school_id_core_school')),
    sa.ForeignKeyConstraint(['student_id'], ['core_user.id'], name=op.f('fk_diary_visit_student_id_core_user')),
    sa.ForeignKeyConstraint(['viewer_id'], ['core_user.id'], name=op.f('fk_diary_visit_viewer_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diary_visit'))
    )
    with op.batch_alter_table('diary_visit', schema=None) as batch_op:
        batch_op.create_index('ix_diary_visit_student_at', ['student_id', 'visited_at'], unique=False)
        batch_op.create_index('ix_diary_visit_viewer_at', ['viewer_id', 'visited_at'], unique=False)

    op.create_table('diary_deputy_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('inactive_days', sa.Integer(), nullable=False),
    sa.Column('guardians', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('read_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['core_user.id'], name=op.f('fk_diary_deputy_notice_author_id_core_user')),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_diary_deputy_notice_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['read_by'], ['core_user.id'], name=op.f('fk_diary_deputy_notice_read_by_core_user')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_diary_deputy_notice_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diary_deputy_notice'))
    )
    with op.batch_alter_table('diary_deputy_notice', schema=None) as batch_op:
        batch_op.create_index('ix_diary_deputy_notice_school_created', ['school_id', 'created_at'], unique=False)

    op.create_table('diary_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('event', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=150), nullable=False),
    sa.Column('delivery', sa.String(length=10), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('claim', sa.String(length=40), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['digest_id'], ['diary_digest.id'], name=op.f('fk_diary_notification_digest_id_diary_digest')),
    sa.ForeignKeyConstraint(['recipient_id'], ['core_user.id'], name=op.f('fk_diary_notification_recipient_id_core_user')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_diary_notification_school_id_core_school')),
    sa.ForeignKeyConstraint(['student_id'], ['core_user.id'], name=op.f('fk_diary_notification_student_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diary_notification')),
    sa.UniqueConstraint('key', name=op.f('uq_diary_notification_key'))
    )
    with op.batch_alter_table('diary_notification', schema=None) as batch_op:
        batch_op.create_index('ix_diary_notification_recipient', ['recipient_id', 'created_at'], unique=False)
        batch_op.create_index('ix_diary_notification_status_delivery', ['status', 'delivery'], unique=False)

    op.create_table('diary_remark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['core_user.id'], name=op.f('fk_diary_remark_author_id_core_user')),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_diary_remark_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_diary_remark_school_id_core_school')),
    sa.ForeignKeyConstraint(['student_id'], ['core_user.id'], name=op.f('fk_diary_remark_student_id_core_user')),
    sa.ForeignKeyConstraint(['subject_id'], ['core_subject.id'], name=op.f('fk_diary_remark_subject_id_core_subject')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diary_remark'))
    )
    with op.batch_alter_table('diary_remark', schema=None) as batch_op:
        batch_op.create_index('ix_diary_remark_author_created', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_diary_remark_class_day', ['class_id', 'day'], unique=False)
        batch_op.create_index('ix_diary_remark_student_day', ['student_id', 'day'], unique=False)

    op.create_table('diary_acknowledgement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=True),
    sa.Column('remark_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['guardian_id'], ['core_user.id'], name=op.f('fk_diary_acknowledgement_guardian_id_core_user')),
    sa.ForeignKeyConstraint(['remark_id'], ['diary_remark.id'], name=op.f('fk_diary_acknowledgement_remark_id_diary_remark'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_diary_acknowledgement_school_id_core_school')),
    sa.ForeignKeyConstraint(['student_id'], ['core_user.id'], name=op.f('fk_diary_acknowledgement_student_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diary_acknowledgement')),
    sa.UniqueConstraint('guardian_id', 'remark_id', name=op.f('uq_diary_acknowledgement_guardian_id_remark_id')),
    sa.UniqueConstraint('guardian_id', 'student_id', 'week_start', name=op.f('uq_diary_acknowledgement_guardian_id_student_id_week_start'))
    )
    with op.batch_alter_table('diary_acknowledgement', schema=None) as batch_op:
        batch_op.create_index('ix_diary_acknowledgement_student_week', ['student_id', 'week_start'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('diary_acknowledgement', schema=None) as batch_op:
        batch_op.drop_index('ix_diary_acknowledgement_student_week')

    op.drop_table('diary_acknowledgement')
    with op.batch_alter_table('diary_remark', schema=None) as batch_op:
        batch_op.drop_index('ix_diary_remark_student_day')
        batch_op.drop_index('ix_diary_remark_class_day')
        batch_op.drop_index('ix_diary_remark_author_created')

    op.drop_table('diary_remark')
    with op.batch_alter_table('diary_notification', schema=None) as batch_op:
        batch_op.drop_index('ix_diary_notification_status_delivery')
        batch_op.drop_index('ix_diary_notification_recipient')

    op.drop_table('diary_notification')
    with op.batch_alter_table('diary_deputy_notice', schema=None) as batch_op:
        batch_op.drop_index('ix_diary_deputy_notice_school_created')

    op.drop_table('diary_deputy_notice')
    with op.batch_alter_table('diary_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_diary_visit_viewer_at')
        batch_op.drop_index('ix_diary_visit_student_at')

    op.drop_table('diary_visit')
    with op.batch_alter_table('diary_notification_preference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_diary_notification_preference_school_id'))

    op.drop_table('diary_notification_preference')
    op.drop_table('diary_digest')
