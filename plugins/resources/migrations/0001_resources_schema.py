"""resources schema

Revision ID: resources_0001
Revises:
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = 'resources_0001'
down_revision = None
branch_labels = ('resources',)
depends_on = None


def upgrade() -> None:
    op.create_table('resources_material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('form', sa.String(length=10), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('grades', sa.String(length=60), nullable=False),
    sa.Column('topic', sa.String(length=500), nullable=False),
    sa.Column('plan_item_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('licence', sa.String(length=300), nullable=False),
    sa.Column('visibility', sa.String(length=12), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['core_user.id'], name=op.f('fk_resources_material_author_id_core_user')),
    sa.ForeignKeyConstraint(['file_id'], ['core_stored_file.id'], name=op.f('fk_resources_material_file_id_core_stored_file')),
    sa.ForeignKeyConstraint(['plan_item_id'], ['gradebook_lesson_plan_item.id'], name=op.f('fk_resources_material_plan_item_id_gradebook_lesson_plan_item'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_resources_material_school_id_core_school')),
    sa.ForeignKeyConstraint(['subject_id'], ['core_subject.id'], name=op.f('fk_resources_material_subject_id_core_subject')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources_material'))
    )
    with op.batch_alter_table('resources_material', schema=None) as batch_op:
        batch_op.create_index('ix_resources_material_school_author', ['school_id', 'author_id'], unique=False)
        batch_op.create_index('ix_resources_material_school_subject', ['school_id', 'subject_id', 'kind'], unique=False)

    op.create_table('resources_material_class',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['core_school_class.id'], name=op.f('fk_resources_material_class_class_id_core_school_class')),
    sa.ForeignKeyConstraint(['material_id'], ['resources_material.id'], name=op.f('fk_resources_material_class_material_id_resources_material'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_resources_material_class_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources_material_class')),
    sa.UniqueConstraint('material_id', 'class_id', name=op.f('uq_resources_material_class_material_id_class_id'))
    )
    with op.batch_alter_table('resources_material_class', schema=None) as batch_op:
        batch_op.create_index('ix_resources_material_class_school_class', ['school_id', 'class_id'], unique=False)

    op.create_table('resources_material_use',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('use', sa.String(length=10), nullable=False),
    sa.Column('attached_by', sa.Integer(), nullable=True),
    sa.Column('attached_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attached_by'], ['core_user.id'], name=op.f('fk_resources_material_use_attached_by_core_user')),
    sa.ForeignKeyConstraint(['lesson_id'], ['gradebook_lesson.id'], name=op.f('fk_resources_material_use_lesson_id_gradebook_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['material_id'], ['resources_material.id'], name=op.f('fk_resources_material_use_material_id_resources_material'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['core_school.id'], name=op.f('fk_resources_material_use_school_id_core_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources_material_use')),
    sa.UniqueConstraint('material_id', 'lesson_id', 'use', name=op.f('uq_resources_material_use_material_id_lesson_id_use'))
    )
    with op.batch_alter_table('resources_material_use', schema=None) as batch_op:
        batch_op.create_index('ix_resources_material_use_school_lesson', ['school_id', 'lesson_id'], unique=False)
        batch_op.create_index('ix_resources_material_use_school_material', ['school_id', 'material_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('resources_material_use', schema=None) as batch_op:
        batch_op.drop_index('ix_resources_material_use_school_material')
        batch_op.drop_index('ix_resources_material_use_school_lesson')

    op.drop_table('resources_material_use')
    with op.batch_alter_table('resources_material_class', schema=None) as batch_op:
        batch_op.drop_index('ix_resources_material_class_school_class')

    op.drop_table('resources_material_class')
    with op.batch_alter_table('resources_material', schema=None) as batch_op:
        batch_op.drop_index('ix_resources_material_school_subject')
        batch_op.drop_index('ix_resources_material_school_author')

    op.drop_table('resources_material')
