"""certification: each organization's testing standing per transaction type, and its evidence

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("organization", sa.String(length=120), nullable=False),
        sa.Column("transaction_type", sa.String(length=8), nullable=False),
        sa.Column("passes", sa.Integer(), nullable=False),
        sa.Column("certified_at", sa.DateTime(), nullable=True),
        sa.Column("set_by", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certifications")),
        sa.UniqueConstraint(
            "site",
            "organization",
            "transaction_type",
            name=op.f("uq_certifications_site_organization_transaction_type"),
        ),
    )
    op.create_table(
        "certification_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("organization", sa.String(length=120), nullable=False),
        sa.Column("transaction_type", sa.String(length=8), nullable=False),
        sa.Column("tracking_number", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("judged_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("finding", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_evidence")),
    )
    with op.batch_alter_table("certification_evidence", schema=None) as batch_op:
        batch_op.create_index(
            "ix_certification_evidence_lookup",
            ["site", "organization", "transaction_type"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("certification_evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_certification_evidence_lookup")
    op.drop_table("certification_evidence")
    op.drop_table("certifications")
