"""the content token per school: a write in one school keeps the other schools' cached sections

Revision ID: core_0013
Revises: core_0012
Create Date: 2026-12-02 18:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'core_0013'
down_revision = 'core_0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('core_school') as batch:
        batch.add_column(sa.Column('content_token', sa.BigInteger(), server_default='0', nullable=False))
    op.drop_table('core_content_generation')


def downgrade() -> None:
    table = op.create_table('core_content_generation',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('token', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_content_generation')),
    )
    op.bulk_insert(table, [{"id": 1, "token": 0}])
    with op.batch_alter_table('core_school') as batch:
        batch.drop_column('content_token')
