"""Reminder-letter templates (issue 17, item 4): a unit's own .docx template, stored in the database.

Revision ID: a8d2f6c41e93
Revises: c7f3a9e1d245
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from contest.timeutil import UTCDateTime

revision = 'a8d2f6c41e93'
down_revision = 'c7f3a9e1d245'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'letter_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_letter_templates_unit_id_units'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_letter_templates_uploaded_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_templates')),
        sa.UniqueConstraint('unit_id', name=op.f('uq_letter_templates_unit_id')),
    )


def downgrade() -> None:
    op.drop_table('letter_templates')
