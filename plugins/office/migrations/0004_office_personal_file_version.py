"""office: a version on the personal file, so a stale form or API call is refused instead of overwriting.

Revision ID: office_0004
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'office_0004'
down_revision = 'office_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('office_personal_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('office_personal_file', schema=None) as batch_op:
        batch_op.drop_column('version')
