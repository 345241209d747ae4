"""Question banks shared with lower units: off by default, so an ancestor's bank is no longer drawn by lower units' contests.

Revision ID: b8e2f41c6a57
Revises: 7a1c0e5b2d93
Create Date: 2026-12-02 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b8e2f41c6a57'
down_revision = '7a1c0e5b2d93'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('question_banks') as batch:
        batch.add_column(sa.Column('shared_with_lower_units', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('question_banks') as batch:
        batch.drop_column('shared_with_lower_units')
