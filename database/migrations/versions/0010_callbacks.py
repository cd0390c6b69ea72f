"""after-hours callback requests of the voice line

Revision ID: 0010_callbacks
Revises: 0009_autopay_timing
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import billing_core.types

revision: str = "0010_callbacks"
down_revision: str | None = "0009_autopay_timing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("callback_on", sa.Date(), nullable=False),
        sa.Column("window", sa.String(length=10), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.Column("done_at", billing_core.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_requests")),
        sa.UniqueConstraint("phone", "requested_on", name=op.f("uq_callback_requests_phone")),
    )
    with op.batch_alter_table("callback_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_callback_requests_callback_on"), ["callback_on"], unique=False
        )


def downgrade() -> None:
    op.drop_table("callback_requests")
