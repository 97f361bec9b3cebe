"""netschool_compat schema: sessions of Сетевой Город apps.

Revision ID: netschool_compat_0001
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'netschool_compat_0001'
down_revision = None
branch_labels = ('netschool_compat',)
depends_on = None


def upgrade() -> None:
    op.create_table('netschool_compat_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('app_password_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('challenge_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['app_password_id'], ['core_app_password.id'], name=op.f('fk_netschool_compat_session_app_password_id_core_app_password')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_netschool_compat_session_school_id_core_school')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_netschool_compat_session_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_netschool_compat_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_netschool_compat_session_token_hash')),
    sa.UniqueConstraint('challenge_hash', name=op.f('uq_netschool_compat_session_challenge_hash')),
    )
    op.create_index('ix_netschool_compat_session_school_user', 'netschool_compat_session', ['school_id', 'user_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_netschool_compat_session_school_user', table_name='netschool_compat_session')
    op.drop_table('netschool_compat_session')
