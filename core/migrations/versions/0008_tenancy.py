"""many schools in one deployment: logins unique per school, the school's slug, per-school settings

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-12-02 10:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'core_0008'
down_revision = 'core_0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('core_school') as batch:
        batch.add_column(sa.Column('slug', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('settings_version', sa.Integer(), nullable=False, server_default='1'))
    # Schools made before: school1, school2... (the administrator may change it on the settings page).
    op.execute("UPDATE core_school SET slug = 'school' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table('core_school') as batch:
        batch.alter_column('slug', existing_type=sa.String(length=40), nullable=False)
        batch.create_unique_constraint(op.f('uq_core_school_slug'), ['slug'])
    with op.batch_alter_table('core_user') as batch:
        batch.drop_constraint(op.f('uq_core_user_login'), type_='unique')
        batch.create_unique_constraint('uq_core_user_school_login', ['school_id', 'login'])
        batch.create_index('ix_core_user_login', ['login'], unique=False)
    op.create_table('core_school_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_core_school_setting_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_school_setting')),
    sa.UniqueConstraint('school_id', 'key', name=op.f('uq_core_school_setting_school_id_key')),
    )
    op.create_index(op.f('ix_core_school_setting_school_id'), 'core_school_setting', ['school_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_core_school_setting_school_id'), table_name='core_school_setting')
    op.drop_table('core_school_setting')
    with op.batch_alter_table('core_user') as batch:
        batch.drop_index('ix_core_user_login')
        batch.drop_constraint('uq_core_user_school_login', type_='unique')
        batch.create_unique_constraint(op.f('uq_core_user_login'), ['login'])
    with op.batch_alter_table('core_school') as batch:
        batch.drop_constraint(op.f('uq_core_school_slug'), type_='unique')
        batch.drop_column('settings_version')
        batch.drop_column('slug')
