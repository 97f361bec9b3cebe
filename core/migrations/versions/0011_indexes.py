"""core: a school's audit entries by id (the print archive's watermark) without reading other schools'.

Many schools share these tables (one region, one database): an index that does not lead with the school
(or a sharper key) makes one school's query read every school's rows. Indexes only, no data change.

Revision ID: core_0011
Revises: core_0010
Create Date: 2026-12-03
"""
from __future__ import annotations

from alembic import op

revision = 'core_0011'
down_revision = 'core_0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_core_audit_entry_school_id_id', 'core_audit_entry', ['school_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_core_audit_entry_school_id_id', table_name='core_audit_entry')
