"""journal entries name the way in (web, api, core) their request came through

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Entries written before are left without a channel: nothing kept says which way they came.
    with op.batch_alter_table("journal") as table:
        table.add_column(sa.Column("channel", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("journal") as table:
        table.drop_column("channel")
