"""Indexes for the reports on a year of data (issue 21 item 2, issue 17 item 6; BENCHMARKS.md "Reports and exports").

ix_attempts_user_latest: each person's attempts latest first (the window that finds the unit of a person's latest
attempt), covering on PostgreSQL. ix_attempts_unit_round: the period report's contests per unit and round.

Revision ID: c4f7b2e9a613
Revises: a4d2e8c61f93
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c4f7b2e9a613'
down_revision = 'a4d2e8c61f93'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_attempts_unit_round', 'attempts', ['unit_id', 'round_id'])
    op.create_index('ix_attempts_user_latest', 'attempts', ['user_id', sa.text('finished_at DESC'), sa.text('id DESC')],
                    postgresql_include=['unit_id', 'round_id', 'status', 'score', 'max_score'])


def downgrade() -> None:
    op.drop_index('ix_attempts_user_latest', table_name='attempts')
    op.drop_index('ix_attempts_unit_round', table_name='attempts')
