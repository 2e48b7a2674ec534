"""index a batch's response files by the batch alone

The index of 0001 was led by the site, but a batch's files are read by the batch's ID, unique
across sites: the status poll scanned the whole table, and grew slower with every file kept.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("response_files") as table:
        table.drop_index("ix_response_files_batch")
        table.create_index("ix_response_files_batch", ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("response_files") as table:
        table.drop_index("ix_response_files_batch")
        table.create_index("ix_response_files_batch", ["site", "batch_id"], unique=False)
