"""Index the download list by downloaded-or-not and by transaction type.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("response_files", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("downloaded", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.drop_index("ix_response_files_listing")
    op.execute("UPDATE response_files SET downloaded = (last_downloaded_at IS NOT NULL)")
    with op.batch_alter_table("response_files", schema=None) as batch_op:
        batch_op.alter_column("downloaded", server_default=None)
        batch_op.create_index(
            "ix_response_files_listing",
            ["site", "provider_pk", "downloaded", "available_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_response_files_by_type",
            ["site", "provider_pk", "transaction_type", "available_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("response_files", schema=None) as batch_op:
        batch_op.drop_index("ix_response_files_by_type")
        batch_op.drop_index("ix_response_files_listing")
        batch_op.create_index(
            "ix_response_files_listing", ["site", "provider_pk", "available_at"], unique=False
        )
        batch_op.drop_column("downloaded")
