"""Index on attempts.finished_at for period reports (issue 17 item 6, issue 21 item 2; BENCHMARKS.md).

A period's attempts are those finished in its date range; without this index a period with few or no attempts
(the period before the first, which every report compares with) read every attempt to find them.

Revision ID: d2a8f5c1e347
Revises: c4f7b2e9a613
Create Date: 2026-12-02 14:30:00
"""

from __future__ import annotations

from alembic import op

revision = 'd2a8f5c1e347'
down_revision = 'c4f7b2e9a613'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_attempts_finished_at', 'attempts', ['finished_at'])


def downgrade() -> None:
    op.drop_index('ix_attempts_finished_at', table_name='attempts')
