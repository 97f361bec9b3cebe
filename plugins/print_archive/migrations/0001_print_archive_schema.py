"""print_archive schema

Revision ID: print_archive_0001
Revises: 
Create Date: 2026-11-23 06:41:08.211206
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'print_archive_0001'
down_revision = None
branch_labels = ('print_archive',)
depends_on = None


def upgrade() -> None:
    op.create_table('print_archive_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('sheets', sa.Integer(), nullable=False),
    sa.Column('printing', sa.String(length=20), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('snapshot_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('through_date', sa.Date(), nullable=False),
    sa.Column('fingerprint', sa.JSON(), nullable=False),
    sa.Column('retention_years', sa.Integer(), nullable=False),
    sa.Column('keep_until', sa.Date(), nullable=False),
    sa.Column('generated_by', sa.Integer(), nullable=True),
    sa.Column('generated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_print_archive_document_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['generated_by'], ['core_user.id'], name=op.f('fk_print_archive_document_generated_by_core_user')),
    sa.ForeignKeyConstraint(['job_id'], ['core_job.id'], name=op.f('fk_print_archive_document_job_id_core_job')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_print_archive_document_school_id_core_school')),
    sa.ForeignKeyConstraint(['year_id'], ['core_academic_year.id'], name=op.f('fk_print_archive_document_year_id_core_academic_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_archive_document')),
    sa.UniqueConstraint('class_id', 'kind', 'version', name=op.f('uq_print_archive_document_class_id_kind_version'))
    )
    with op.batch_alter_table('print_archive_document', schema=None) as batch_op:
        batch_op.create_index('ix_print_archive_document_school_year', ['school_id', 'year_id', 'kind'], unique=False)

    op.create_table('print_archive_file',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('snapshot', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['print_archive_document.id'], name=op.f('fk_print_archive_file_document_id_print_archive_document')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_print_archive_file_school_id_core_school')),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_print_archive_file'))
    )
    op.create_table('print_archive_signoff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('signed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('revoked_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['print_archive_document.id'], name=op.f('fk_print_archive_signoff_document_id_print_archive_document')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_print_archive_signoff_school_id_core_school')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_print_archive_signoff_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_archive_signoff'))
    )
    with op.batch_alter_table('print_archive_signoff', schema=None) as batch_op:
        batch_op.create_index('ix_print_archive_signoff_document', ['document_id'], unique=False)

    op.create_table('print_archive_status',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('checked_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('audit_mark', sa.Integer(), nullable=False),
    sa.Column('through_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['print_archive_document.id'], name=op.f('fk_print_archive_status_document_id_print_archive_document')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_print_archive_status_school_id_core_school')),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_print_archive_status'))
    )
    with op.batch_alter_table('print_archive_status', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_archive_status_school_id'), ['school_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('print_archive_status', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_archive_status_school_id'))

    op.drop_table('print_archive_status')
    with op.batch_alter_table('print_archive_signoff', schema=None) as batch_op:
        batch_op.drop_index('ix_print_archive_signoff_document')

    op.drop_table('print_archive_signoff')
    op.drop_table('print_archive_file')
    with op.batch_alter_table('print_archive_document', schema=None) as batch_op:
        batch_op.drop_index('ix_print_archive_document_school_year')

    op.drop_table('print_archive_document')
