"""web sessions kept on the server; orphan sweep counts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 06:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_pk"],
            ["users.id"],
            name=op.f("fk_web_sessions_user_pk_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_web_sessions_token_digest")),
    )
    op.create_index(op.f("ix_web_sessions_user_pk"), "web_sessions", ["user_pk"], unique=False)
    with op.batch_alter_table("server_state") as table:
        table.add_column(
            sa.Column("orphan_blobs_removed", sa.Integer(), server_default="0", nullable=False)
        )
        table.add_column(
            sa.Column("orphan_temporary_removed", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("server_state") as table:
        table.drop_column("orphan_temporary_removed")
        table.drop_column("orphan_blobs_removed")
    op.drop_index(op.f("ix_web_sessions_user_pk"), table_name="web_sessions")
    op.drop_table("web_sessions")
