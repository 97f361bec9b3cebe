"""gradebook: a version on lessons, so a stale lesson form cannot overwrite a newer topic or homework

Revision ID: gradebook_0002
Revises: gradebook_0001
Create Date: 2026-11-25 10:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'gradebook_0002'
down_revision = 'gradebook_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('gradebook_lesson') as batch:
        batch.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('gradebook_lesson') as batch:
        batch.drop_column('version')
