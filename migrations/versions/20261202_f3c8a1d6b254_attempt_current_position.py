"""attempts.current_position: the question a participant was on in one-question mode (issue 18).

Revision ID: f3c8a1d6b254
Revises: e5b1c7d3a902
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'f3c8a1d6b254'
down_revision = 'e5b1c7d3a902'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attempts') as batch:
        batch.add_column(sa.Column('current_position', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('attempts') as batch:
        batch.drop_column('current_position')
