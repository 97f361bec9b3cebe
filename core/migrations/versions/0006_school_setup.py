"""school region and term system (klass school create, the set-up wizard)

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-12-02 07:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'core_0006'
down_revision = 'core_0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('core_school') as batch:
        batch.add_column(sa.Column('region', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('term_system', sa.String(length=20), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('core_school') as batch:
        batch.drop_column('term_system')
        batch.drop_column('region')
