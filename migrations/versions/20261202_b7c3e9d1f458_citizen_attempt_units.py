"""Citizens' attempts keep the commune they were taken in (issue 20, item 2): backfilled from each citizen's commune
of residence, the best record there is of where they lived (a citizen's attempts so far had no unit).

Revision ID: b7c3e9d1f458
Revises: d2a8f5c1e347
Create Date: 2026-12-02 15:10:00
"""

from __future__ import annotations

from alembic import op

revision = 'b7c3e9d1f458'
down_revision = 'd2a8f5c1e347'
branch_labels = None
depends_on = None

CITIZENS = "SELECT users.id FROM users WHERE users.participant_group = 'citizen'"


def upgrade() -> None:
    op.execute(
        "UPDATE attempts SET unit_id = (SELECT users.residence_unit_id FROM users WHERE users.id = attempts.user_id) "
        f"WHERE attempts.unit_id IS NULL AND attempts.user_id IN ({CITIZENS})"
    )


def downgrade() -> None:
    op.execute(f"UPDATE attempts SET unit_id = NULL WHERE attempts.user_id IN ({CITIZENS})")
