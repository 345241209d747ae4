"""Rate limit counters (login), used when Redis is not configured.

Revision ID: c4d4fed5711b
Revises: 1e9483ddfdb1
Create Date: 2026-11-23 18:55:25.022611
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import contest.timeutil

revision = 'c4d4fed5711b'
down_revision = '1e9483ddfdb1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limits',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limits'))
    )


def downgrade() -> None:
    op.drop_table('rate_limits')
