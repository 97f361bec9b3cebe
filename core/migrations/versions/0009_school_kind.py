"""core_school.kind: a municipality's education office is a tenant row of kind "office".

Revision ID: core_0009
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'core_0009'
down_revision = 'core_0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('core_school') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=10), server_default='school', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('core_school') as batch:
        batch.drop_column('kind')
