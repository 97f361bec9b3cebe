"""office: imports of three kinds with a mapping the user may change; СНИЛС and gender in the personal file.

The import batch keeps its kind (students, staff, loads) and the column → field mapping the user chose in
the preview, so the confirmation saves exactly what was previewed. The personal file gains the СНИЛС and
gender read from class lists (the core's ``User`` holds neither).

Revision ID: office_0002
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'office_0002'
down_revision = 'office_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('office_import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), nullable=False, server_default='students'))
        batch_op.add_column(sa.Column('mapping', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('created_other', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('office_personal_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('snils', sa.String(length=14), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('gender', sa.String(length=1), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('office_personal_file', schema=None) as batch_op:
        batch_op.drop_column('gender')
        batch_op.drop_column('snils')
    with op.batch_alter_table('office_import_batch', schema=None) as batch_op:
        batch_op.drop_column('created_other')
        batch_op.drop_column('mapping')
        batch_op.drop_column('kind')
