"""Contest rules written in Markdown: contests.rules_markdown holds what the organiser typed.

The rules of existing contests were stored as sanitised HTML (contests.rules_html, which pages keep showing);
that HTML becomes their source too, since the Markdown renderer passes simple HTML through unchanged.

Revision ID: a6d2f9c4e871
Revises: f3c8a1d6b254
Create Date: 2026-12-02 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'a6d2f9c4e871'
down_revision = 'f3c8a1d6b254'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contests') as batch:
        batch.add_column(sa.Column('rules_markdown', sa.Text(), nullable=False, server_default=''))
    op.execute("UPDATE contests SET rules_markdown = rules_html")


def downgrade() -> None:
    with op.batch_alter_table('contests') as batch:
        batch.drop_column('rules_markdown')
