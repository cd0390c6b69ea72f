"""Refunds of credit balances and imports of payments made elsewhere

Revision ID: 0008_credits_imports
Revises: 0007_verification_sources
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import billing_core.types

revision: str = "0008_credits_imports"
down_revision: str | None = "0007_verification_sources"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", billing_core.types.Money(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("bank_method_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("trace_number", sa.String(length=15), nullable=True),
        sa.Column("batch_number", sa.Integer(), nullable=True),
        sa.Column("created_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_refunds_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["bank_method_id"],
            ["bank_methods.id"],
            name=op.f("fk_refunds_bank_method_id_bank_methods"),
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["nacha_files.id"], name=op.f("fk_refunds_file_id_nacha_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_refunds_idempotency_key")),
    )
    op.create_index(op.f("ix_refunds_account_id"), "refunds", ["account_id"], unique=False)
    op.create_index(op.f("ix_refunds_status"), "refunds", ["status"], unique=False)
    op.create_index(op.f("ix_refunds_trace_number"), "refunds", ["trace_number"], unique=False)
    op.create_table(
        "payment_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("file_name", sa.String(length=120), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("payments", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("amount", billing_core.types.Money(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_imports")),
    )
    op.create_index(op.f("ix_payment_imports_sha256"), "payment_imports", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_imports_sha256"), table_name="payment_imports")
    op.drop_table("payment_imports")
    op.drop_index(op.f("ix_refunds_trace_number"), table_name="refunds")
    op.drop_index(op.f("ix_refunds_status"), table_name="refunds")
    op.drop_index(op.f("ix_refunds_account_id"), table_name="refunds")
    op.drop_table("refunds")
