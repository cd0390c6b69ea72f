"""back office: reversals, NACHA files, retries, notices, account standing

Revision ID: 0004_backoffice
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import billing_core.types

revision: str = "0004_backoffice"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "draft_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("coverage_month", sa.Date(), nullable=False),
        sa.Column("drafts_created", sa.Integer(), nullable=False),
        sa.Column("amount_total", billing_core.types.Money(), nullable=False),
        sa.Column("started_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", billing_core.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_runs")),
    )
    op.create_index(op.f("ix_draft_runs_run_date"), "draft_runs", ["run_date"], unique=False)
    op.create_table(
        "nacha_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_date", sa.Date(), nullable=False),
        sa.Column("file_id_modifier", sa.String(length=1), nullable=False),
        sa.Column("file_name", sa.String(length=120), nullable=False),
        sa.Column("batch_count", sa.Integer(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("entry_hash", sa.BigInteger(), nullable=False),
        sa.Column("total_debit", billing_core.types.Money(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nacha_files")),
        sa.UniqueConstraint("file_date", "file_id_modifier", name=op.f("uq_nacha_files_file_date")),
    )
    op.create_table(
        "account_standings",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("past_due_amount", billing_core.types.Money(), nullable=False),
        sa.Column("missed_month", sa.Date(), nullable=True),
        sa.Column("grace_ends", sa.Date(), nullable=True),
        sa.Column("coverage_ends", sa.Date(), nullable=True),
        sa.Column("terminated_on", sa.Date(), nullable=True),
        sa.Column("reinstate_by", sa.Date(), nullable=True),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_standings_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_standings")),
    )
    op.create_index(
        op.f("ix_account_standings_evaluated_on"),
        "account_standings",
        ["evaluated_on"],
        unique=False,
    )
    op.create_table(
        "member_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("send_after", sa.Date(), nullable=False),
        sa.Column("created_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", billing_core.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_member_notifications_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_member_notifications_dedupe_key")),
    )
    op.create_index(
        op.f("ix_member_notifications_account_id"),
        "member_notifications",
        ["account_id"],
        unique=False,
    )
    op.create_index(
        "ix_member_notifications_unsent",
        "member_notifications",
        ["channel", "sent_at"],
        unique=False,
    )
    op.create_table(
        "rege_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("coverage_month", sa.Date(), nullable=False),
        sa.Column("amount", billing_core.types.Money(), nullable=False),
        sa.Column("previous_amount", billing_core.types.Money(), nullable=True),
        sa.Column("noticed_on", sa.Date(), nullable=False),
        sa.Column("draft_on", sa.Date(), nullable=False),
        sa.Column("created_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_rege_notices_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rege_notices")),
        sa.UniqueConstraint(
            "account_id", "coverage_month", "amount", name=op.f("uq_rege_notices_account_id")
        ),
    )
    op.create_index(
        op.f("ix_rege_notices_account_id"), "rege_notices", ["account_id"], unique=False
    )
    op.create_table(
        "rege_preferences",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("range_low", billing_core.types.Money(), nullable=False),
        sa.Column("range_high", billing_core.types.Money(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_rege_preferences_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_rege_preferences")),
    )
    op.create_table(
        "standing_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_standing_changes_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_changes")),
    )
    op.create_index(
        op.f("ix_standing_changes_account_id"), "standing_changes", ["account_id"], unique=False
    )
    op.create_table(
        "bank_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_method_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("change_code", sa.String(length=3), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_method_id"],
            ["bank_methods.id"],
            name=op.f("fk_bank_corrections_bank_method_id_bank_methods"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_bank_corrections_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_corrections")),
    )
    op.create_index(
        op.f("ix_bank_corrections_bank_method_id"),
        "bank_corrections",
        ["bank_method_id"],
        unique=False,
    )
    op.create_table(
        "nacha_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("trace_number", sa.String(length=15), nullable=False),
        sa.Column("batch_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["nacha_files.id"], name=op.f("fk_nacha_entries_file_id_nacha_files")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_nacha_entries_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nacha_entries")),
        sa.UniqueConstraint("file_id", "trace_number", name=op.f("uq_nacha_entries_file_id")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_nacha_entries_payment_id")),
    )
    op.create_index(
        op.f("ix_nacha_entries_trace_number"), "nacha_entries", ["trace_number"], unique=False
    )
    op.create_table(
        "payment_reversals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", billing_core.types.Money(), nullable=False),
        sa.Column("return_code", sa.String(length=3), nullable=False),
        sa.Column("returned_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("created_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_payment_reversals_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_reversals_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_reversals")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_payment_reversals_payment_id")),
    )
    op.create_index(
        op.f("ix_payment_reversals_account_id"), "payment_reversals", ["account_id"], unique=False
    )
    op.create_table(
        "return_retries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("original_payment_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("amount", billing_core.types.Money(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_return_retries_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["original_payment_id"],
            ["payments.id"],
            name=op.f("fk_return_retries_original_payment_id_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_return_retries_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_retries")),
        sa.UniqueConstraint(
            "original_payment_id", "attempt", name=op.f("uq_return_retries_original_payment_id")
        ),
    )
    op.create_index(
        op.f("ix_return_retries_account_id"), "return_retries", ["account_id"], unique=False
    )
    op.create_index(op.f("ix_return_retries_due_on"), "return_retries", ["due_on"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_return_retries_due_on"), table_name="return_retries")
    op.drop_index(op.f("ix_return_retries_account_id"), table_name="return_retries")
    op.drop_table("return_retries")
    op.drop_index(op.f("ix_payment_reversals_account_id"), table_name="payment_reversals")
    op.drop_table("payment_reversals")
    op.drop_index(op.f("ix_nacha_entries_trace_number"), table_name="nacha_entries")
    op.drop_table("nacha_entries")
    op.drop_index(op.f("ix_bank_corrections_bank_method_id"), table_name="bank_corrections")
    op.drop_table("bank_corrections")
    op.drop_index(op.f("ix_standing_changes_account_id"), table_name="standing_changes")
    op.drop_table("standing_changes")
    op.drop_table("rege_preferences")
    op.drop_index(op.f("ix_rege_notices_account_id"), table_name="rege_notices")
    op.drop_table("rege_notices")
    op.drop_index("ix_member_notifications_unsent", table_name="member_notifications")
    op.drop_index(op.f("ix_member_notifications_account_id"), table_name="member_notifications")
    op.drop_table("member_notifications")
    op.drop_index(op.f("ix_account_standings_evaluated_on"), table_name="account_standings")
    op.drop_table("account_standings")
    op.drop_table("nacha_files")
    op.drop_index(op.f("ix_draft_runs_run_date"), table_name="draft_runs")
    op.drop_table("draft_runs")
