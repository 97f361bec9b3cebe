"""app passwords (Сетевой Город-compatible API, calendar feeds)

Revision ID: core_0007
Revises: core_0006
Create Date: 2026-12-02 08:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'core_0007'
down_revision = 'core_0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('core_app_password',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('md5_hex', sa.String(length=32), nullable=False),
    sa.Column('sha256_hex', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_by', sa.String(length=30), nullable=False),
    sa.Column('revoked_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_app_password_school_id_core_school')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_app_password_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_app_password')),
    sa.UniqueConstraint('sha256_hex', name=op.f('uq_core_app_password_sha256_hex')),
    sqlite_autoincrement=True,
    )
    op.create_index('ix_core_app_password_school_user', 'core_app_password', ['school_id', 'user_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_core_app_password_school_user', table_name='core_app_password')
    op.drop_table('core_app_password')
