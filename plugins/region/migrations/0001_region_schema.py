"""region schema: municipalities and their schools.

Revision ID: region_0001
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'region_0001'
down_revision = None
branch_labels = ('region',)
depends_on = None


def upgrade() -> None:
    op.create_table('region_municipality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('office_school_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_school_id'], ['core_school.id'],
                            name=op.f('fk_region_municipality_office_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_municipality')),
    sa.UniqueConstraint('office_school_id', name=op.f('uq_region_municipality_office_school_id'))
    )
    op.create_table('region_school',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('added_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['region_municipality.id'],
                            name=op.f('fk_region_school_municipality_id_region_municipality')),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_region_school_school_id_core_school')),
    sa.PrimaryKeyConstraint('school_id', name=op.f('pk_region_school'))
    )
    op.create_index(op.f('ix_region_school_municipality_id'), 'region_school', ['municipality_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_region_school_municipality_id'), table_name='region_school')
    op.drop_table('region_school')
    op.drop_table('region_municipality')
