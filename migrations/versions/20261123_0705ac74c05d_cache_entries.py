"""Cache entries: the shared cache when Redis is not configured.

Revision ID: 0705ac74c05d
Revises: 5d56edc99b4f
Create Date: 2026-11-23 18:03:50.358662
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import contest.timeutil

revision = '0705ac74c05d'
down_revision = '5d56edc99b4f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cache_entries',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('expires_at', contest.timeutil.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_cache_entries'))
    )
    with op.batch_alter_table('cache_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cache_entries_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_table('cache_entries')
