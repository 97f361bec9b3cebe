"""server-side sessions, leak reports, token versions

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-11-25 10:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'core_0004'
down_revision = 'core_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('core_user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('revoked_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_user_session_school_id_core_school')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_user_session_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_user_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_core_user_session_key_hash')),
    sqlite_autoincrement=True,
    )
    op.create_index('ix_core_user_session_school_user', 'core_user_session', ['school_id', 'user_id'], unique=False)
    op.create_table('core_leak_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=False),
    sa.Column('leaked_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sessions_revoked', sa.Integer(), nullable=False),
    sa.Column('tokens_revoked', sa.Integer(), nullable=False),
    sa.Column('notified', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_leak_report_school_id_core_school')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_leak_report_user_id_core_user')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['core_user.id'],
                            name=op.f('fk_core_leak_report_reported_by_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_leak_report')),
    )
    op.create_index('ix_core_leak_report_school_created', 'core_leak_report', ['school_id', 'created_at'], unique=False)
    op.create_index('ix_core_leak_report_user', 'core_leak_report', ['user_id'], unique=False)
    with op.batch_alter_table('core_api_token') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='1'))
    # Existing tokens belong to the user's present credentials.
    op.execute("UPDATE core_api_token SET session_version = "
               "(SELECT session_version FROM core_user WHERE core_user.id = core_api_token.user_id)")


def downgrade() -> None:
    with op.batch_alter_table('core_api_token') as batch:
        batch.drop_column('session_version')
    op.drop_index('ix_core_leak_report_user', table_name='core_leak_report')
    op.drop_index('ix_core_leak_report_school_created', table_name='core_leak_report')
    op.drop_table('core_leak_report')
    op.drop_index('ix_core_user_session_school_user', table_name='core_user_session')
    op.drop_table('core_user_session')
