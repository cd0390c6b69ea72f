"""voice call state and webhook turns

Revision ID: 0002_voice
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import billing_core.types

revision: str = "0002_voice"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voice_calls",
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("created_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("call_sid", name=op.f("pk_voice_calls")),
    )
    with op.batch_alter_table("voice_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voice_calls_updated_at"), ["updated_at"], unique=False)
    op.create_table(
        "voice_turns",
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("twiml", sa.Text(), nullable=True),
        sa.Column("created_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("call_sid", "turn", name=op.f("pk_voice_turns")),
    )
    with op.batch_alter_table("voice_turns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voice_turns_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_table("voice_turns")
    op.drop_table("voice_calls")
