"""SMS channel: ledger of back-office notices sent by text

Revision ID: 0005_sms_notices
Revises: 0003_sms
Depends on: 0004_backoffice (member_notifications)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import billing_core.types

revision: str = "0005_sms_notices"
down_revision: str | None = "0003_sms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0004_backoffice"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sms_notices",
        sa.Column("id", BigId, nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_phone_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
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
            ["notification_id"],
            ["member_notifications.id"],
            name=op.f("fk_sms_notices_notification_id_member_notifications"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_sms_notices_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["contact_phone_id"],
            ["contact_phones.id"],
            name=op.f("fk_sms_notices_contact_phone_id_contact_phones"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_notices")),
        sa.UniqueConstraint("notification_id", name=op.f("uq_sms_notices_notification_id")),
    )
    op.create_index("ix_sms_notices_status_id", "sms_notices", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_sms_notices_status_id", table_name="sms_notices")
    op.drop_table("sms_notices")
