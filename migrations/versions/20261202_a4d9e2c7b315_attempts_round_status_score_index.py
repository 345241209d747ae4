"""The attempts of a round by status carry their score and id (issue 21 item 2; BENCHMARKS.md).

Item statistics first count a scope's finished attempts per score, then find the attempt ids where the 27 % cuts
fall (DESIGN.md, "Item statistics"); on (round_id, status) alone both read every attempt of the rounds from the
table. The wider index answers them from the index and serves every query the narrower one did, so it replaces it.

Revision ID: a4d9e2c7b315
Revises: b7c3e9d1f458
Create Date: 2026-12-02 19:35:00
"""

from __future__ import annotations

from alembic import op

revision = 'a4d9e2c7b315'
down_revision = 'b7c3e9d1f458'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_attempts_round_status_score', 'attempts', ['round_id', 'status', 'score', 'id'])
    op.drop_index('ix_attempts_round_status', table_name='attempts')


def downgrade() -> None:
    op.create_index('ix_attempts_round_status', 'attempts', ['round_id', 'status'])
    op.drop_index('ix_attempts_round_status_score', table_name='attempts')
