"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 15:31:17.274078
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fault_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=40), nullable=False),
        sa.Column("site", sa.String(length=4), nullable=True),
        sa.Column("operation", sa.String(length=20), nullable=False),
        sa.Column("match", sa.JSON(), nullable=False),
        sa.Column("action", sa.JSON(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("times", sa.Integer(), nullable=True),
        sa.Column("after", sa.Integer(), nullable=True),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fault_rules")),
        sa.UniqueConstraint("rule_id", name=op.f("uq_fault_rules_rule_id")),
    )
    op.create_table(
        "journal",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("operation", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("provider_id", sa.String(length=10), nullable=True),
        sa.Column("tracking_number", sa.String(length=20), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("fault_id", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_journal")),
    )
    with op.batch_alter_table("journal", schema=None) as batch_op:
        batch_op.create_index("ix_journal_site_seq", ["site", "seq"], unique=False)

    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organizations_site"), ["site"], unique=False)

    op.create_table(
        "sequences",
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("site", "name", name=op.f("pk_sequences")),
    )
    op.create_table(
        "server_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clock_offset_seconds", sa.Float(), nullable=False),
        sa.Column("clock_frozen_at", sa.DateTime(), nullable=True),
        sa.Column("secret_key", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_state")),
    )
    op.create_table(
        "site_state",
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("dataset", sa.String(length=20), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("seeded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("site", name=op.f("pk_site_state")),
    )
    op.create_table(
        "providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("provider_id", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("npi", sa.String(length=10), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_providers_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providers")),
        sa.UniqueConstraint("site", "provider_id", name=op.f("uq_providers_site_provider_id")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("security_level", sa.String(length=8), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("failed_resets", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=60), nullable=False),
        sa.Column("last_name", sa.String(length=60), nullable=False),
        sa.Column("company_name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_users_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("site", "user_id", name=op.f("uq_users_site_user_id")),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("tracking_number", sa.String(length=20), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("provider_pk", sa.Integer(), nullable=False),
        sa.Column("transaction_type", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("total_bytes", sa.BigInteger(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_pk"], ["providers.id"], name=op.f("fk_batches_provider_pk_providers")
        ),
        sa.ForeignKeyConstraint(["user_pk"], ["users.id"], name=op.f("fk_batches_user_pk_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        sa.UniqueConstraint(
            "site", "tracking_number", name=op.f("uq_batches_site_tracking_number")
        ),
    )
    op.create_table(
        "security_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=200), nullable=False),
        sa.Column("answer_hash", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_pk"],
            ["users.id"],
            name=op.f("fk_security_questions_user_pk_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_questions")),
        sa.UniqueConstraint(
            "user_pk", "position", name=op.f("uq_security_questions_user_pk_position")
        ),
    )
    op.create_table(
        "user_providers",
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("provider_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_pk"],
            ["providers.id"],
            name=op.f("fk_user_providers_provider_pk_providers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_pk"],
            ["users.id"],
            name=op.f("fk_user_providers_user_pk_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_pk", "provider_pk", name=op.f("pk_user_providers")),
    )
    op.create_table(
        "batch_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("blob_key", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batches.id"],
            name=op.f("fk_batch_files_batch_id_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_files")),
    )
    with op.batch_alter_table("batch_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_files_batch_id"), ["batch_id"], unique=False)

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("run_after", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_jobs_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_ready", ["state", "run_after"], unique=False)

    op.create_table(
        "response_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=4), nullable=False),
        sa.Column("file_id", sa.String(length=20), nullable=False),
        sa.Column("provider_pk", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=120), nullable=False),
        sa.Column("transaction_type", sa.String(length=8), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("blob_key", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("available_at", sa.DateTime(), nullable=False),
        sa.Column("last_downloaded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batches.id"],
            name=op.f("fk_response_files_batch_id_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["provider_pk"], ["providers.id"], name=op.f("fk_response_files_provider_pk_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_files")),
        sa.UniqueConstraint("site", "file_id", name=op.f("uq_response_files_site_file_id")),
    )
    with op.batch_alter_table("response_files", schema=None) as batch_op:
        batch_op.create_index("ix_response_files_batch", ["site", "batch_id"], unique=False)
        batch_op.create_index(
            "ix_response_files_listing", ["site", "provider_pk", "available_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("response_files", schema=None) as batch_op:
        batch_op.drop_index("ix_response_files_listing")
        batch_op.drop_index("ix_response_files_batch")

    op.drop_table("response_files")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_ready")

    op.drop_table("jobs")
    with op.batch_alter_table("batch_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_files_batch_id"))

    op.drop_table("batch_files")
    op.drop_table("user_providers")
    op.drop_table("security_questions")
    op.drop_table("batches")
    op.drop_table("users")
    op.drop_table("providers")
    op.drop_table("site_state")
    op.drop_table("server_state")
    op.drop_table("sequences")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organizations_site"))

    op.drop_table("organizations")
    with op.batch_alter_table("journal", schema=None) as batch_op:
        batch_op.drop_index("ix_journal_site_seq")

    op.drop_table("journal")
    op.drop_table("fault_rules")
