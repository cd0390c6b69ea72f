"""SMS channel: reminder ledger, outbound messages and delivery status, opt-outs

Revision ID: 0003_sms
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import billing_core.types

revision: str = "0003_sms"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sms_reminders",
        sa.Column("id", BigId, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_phone_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("coverage_month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("amount", billing_core.types.Money(), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("expires_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("claimed_at", billing_core.types.UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(length=60), nullable=True),
        sa.Column("sent_at", billing_core.types.UTCDateTime(), nullable=True),
        sa.Column("message_sid", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.String(length=120), nullable=True),
        sa.Column("created_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_sms_reminders_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["contact_phone_id"],
            ["contact_phones.id"],
            name=op.f("fk_sms_reminders_contact_phone_id_contact_phones"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_reminders")),
        sa.UniqueConstraint(
            "account_id", "coverage_month", "kind", name=op.f("uq_sms_reminders_account_id")
        ),
    )
    op.create_index("ix_sms_reminders_status_id", "sms_reminders", ["status", "id"])
    op.create_table(
        "sms_messages",
        sa.Column("id", BigId, nullable=False),
        sa.Column("dedupe_key", sa.String(length=80), nullable=True),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("reminder_id", BigId, nullable=True),
        sa.Column("to_number", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("transport", sa.String(length=10), nullable=False),
        sa.Column("sid", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_rank", sa.SmallInteger(), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("created_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reminder_id"],
            ["sms_reminders.id"],
            name=op.f("fk_sms_messages_reminder_id_sms_reminders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_sms_messages_dedupe_key")),
        sa.UniqueConstraint("sid", name=op.f("uq_sms_messages_sid")),
    )
    op.create_index(
        op.f("ix_sms_messages_reminder_id"), "sms_messages", ["reminder_id"], unique=False
    )
    op.create_index(op.f("ix_sms_messages_to_number"), "sms_messages", ["to_number"], unique=False)
    op.create_table(
        "sms_opt_outs",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("opted_out_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_sms_opt_outs")),
    )


def downgrade() -> None:
    op.drop_table("sms_opt_outs")
    op.drop_index(op.f("ix_sms_messages_to_number"), table_name="sms_messages")
    op.drop_index(op.f("ix_sms_messages_reminder_id"), table_name="sms_messages")
    op.drop_table("sms_messages")
    op.drop_index("ix_sms_reminders_status_id", table_name="sms_reminders")
    op.drop_table("sms_reminders")
