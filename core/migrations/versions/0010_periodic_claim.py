"""periodic work claimed once per tick and school across every worker

Revision ID: core_0010
Revises: core_0009
Create Date: 2026-12-02 11:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'core_0010'
down_revision = 'core_0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('core_periodic_claim',
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('tick_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('worker', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'tick_at', name=op.f('pk_core_periodic_claim')),
    )


def downgrade() -> None:
    op.drop_table('core_periodic_claim')
