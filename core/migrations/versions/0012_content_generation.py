"""the content generation token that per-process caches of page data are keyed by

Revision ID: core_0012
Revises: core_0011
Create Date: 2026-12-02 17:30:00
"""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = 'core_0012'
down_revision = 'core_0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('core_content_generation',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('token', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_content_generation')),
    )
    op.bulk_insert(table, [{"id": 1, "token": secrets.randbits(62)}])


def downgrade() -> None:
    op.drop_table('core_content_generation')
