"""Pending imports: an uploaded question file kept between preview and confirmation.

Revision ID: 5d56edc99b4f
Revises: 1f2906fa012c
Create Date: 2026-11-23 17:54:37.409630
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import contest.timeutil

revision = '5d56edc99b4f'
down_revision = '1f2906fa012c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_format', sa.String(length=16), nullable=False),
    sa.Column('default_topic', sa.String(length=255), nullable=False),
    sa.Column('default_difficulty', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', contest.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['question_banks.id'], name=op.f('fk_pending_imports_bank_id_question_banks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_imports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_imports'))
    )
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_imports_bank_id'), ['bank_id'], unique=False)


def downgrade() -> None:
    op.drop_table('pending_imports')
