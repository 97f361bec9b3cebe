"""attendance: a version on the lesson's roll call, so a stale roll call or cell save is refused (409).

Revision ID: attendance_0003
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'attendance_0003'
down_revision = 'attendance_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attendance_roll_call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('attendance_roll_call', schema=None) as batch_op:
        batch_op.drop_column('version')
