"""Tokenized bank methods (Twilio <Pay> connectors) and debits sent to their processor

Revision ID: 0006_tokenized
Revises: 0004_backoffice
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import billing_core.types

revision: str = "0006_tokenized"
down_revision: str | None = "0004_backoffice"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYED_OR_TOKENIZED = "(account_number_encrypted IS NULL) <> (processor_token_encrypted IS NULL)"


def upgrade() -> None:
    with op.batch_alter_table("bank_methods") as batch:
        batch.alter_column("routing_number", existing_type=sa.String(length=9), nullable=True)
        batch.alter_column(
            "account_number_encrypted", existing_type=sa.LargeBinary(), nullable=True
        )
        batch.add_column(sa.Column("processor_token_encrypted", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("connector", sa.String(length=60), nullable=True))
        batch.create_check_constraint(
            op.f("ck_bank_methods_keyed_or_tokenized"), KEYED_OR_TOKENIZED
        )
    op.create_table(
        "processor_debits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("connector", sa.String(length=60), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("processor_reference", sa.String(length=80), nullable=True),
        sa.Column("decline_code", sa.String(length=20), nullable=True),
        sa.Column("sent_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.Column("answered_at", billing_core.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_processor_debits_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processor_debits")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_processor_debits_payment_id")),
    )
    op.create_index(
        op.f("ix_processor_debits_status"), "processor_debits", ["status"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_processor_debits_status"), table_name="processor_debits")
    op.drop_table("processor_debits")
    with op.batch_alter_table("bank_methods") as batch:
        batch.drop_constraint(op.f("ck_bank_methods_keyed_or_tokenized"), type_="check")
        batch.drop_column("connector")
        batch.drop_column("processor_token_encrypted")
        batch.alter_column(
            "account_number_encrypted", existing_type=sa.LargeBinary(), nullable=False
        )
        batch.alter_column("routing_number", existing_type=sa.String(length=9), nullable=False)
