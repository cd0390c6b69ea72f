"""Outcome events (conversations, turns) and the operations console (staff, logins, labels, rollups)

Revision ID: 0011_outcome_events_ops_console
Revises: 0010_callbacks (depends on 0005_sms_notices)

Self-contained: it names no model module, so it can move with the migrations directory.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import billing_core.types

revision: str = "0011_outcome_events_ops_console"
down_revision: str | None = "0010_callbacks"
branch_labels: str | Sequence[str] | None = None
# sms_messages (an index below) comes from the SMS branch of the history.
depends_on: str | Sequence[str] | None = "0005_sms_notices"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = billing_core.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "outcome_conversations",
        sa.Column("id", BigId, nullable=False),
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("started_at", UTC(), nullable=False),
        sa.Column("last_at", UTC(), nullable=False),
        sa.Column("ended_at", UTC(), nullable=True),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("intents", sa.Integer(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("faq_topic", sa.String(length=40), nullable=True),
        sa.Column("transfer_reason", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("fallbacks", sa.SmallInteger(), nullable=False),
        sa.Column("outage_turns", sa.SmallInteger(), nullable=False),
        sa.Column("last_reply", sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_conversations")),
    )
    op.create_index("ix_outcome_conversations_ref", "outcome_conversations", ["ref"])
    op.create_index("ix_outcome_conversations_started_at", "outcome_conversations", ["started_at"])
    op.create_table(
        "outcome_turns",
        sa.Column("id", BigId, nullable=False),
        sa.Column("conversation_id", BigId, nullable=False),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("rasa_ms", sa.Integer(), nullable=True),
        sa.Column("input", sa.String(length=8), nullable=False),
        sa.Column("intent", sa.String(length=40), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("outage", sa.Boolean(), nullable=False),
        sa.Column("miss", sa.Boolean(), nullable=False),
        sa.Column("reply", sa.String(length=60), nullable=True),
        sa.Column("topic", sa.String(length=40), nullable=True),
        sa.Column("text", sa.String(length=300), nullable=True),
        sa.Column("text_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["outcome_conversations.id"],
            name=op.f("fk_outcome_turns_conversation_id_outcome_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_turns")),
    )
    op.create_index("ix_outcome_turns_at", "outcome_turns", ["at"])
    # Partial: only misses and outage turns are in them (a turn's insert rarely pays for them).
    for name, flag in (
        ("ix_outcome_turns_miss_at", "miss"),
        ("ix_outcome_turns_outage_at", "outage"),
    ):
        op.create_index(
            name,
            "outcome_turns",
            ["at"],
            postgresql_where=sa.text(flag),
            sqlite_where=sa.text(flag),
        )
    op.create_table(
        "ops_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_users")),
        sa.UniqueConstraint("username", name=op.f("uq_ops_users_username")),
    )
    op.create_table(
        "ops_logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("client", sa.String(length=45), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_logins")),
    )
    op.create_index(op.f("ix_ops_logins_at"), "ops_logins", ["at"])
    op.create_table(
        "ops_miss_labels",
        sa.Column("text_key", sa.String(length=200), nullable=False),
        sa.Column("example", sa.String(length=300), nullable=False),
        sa.Column("intent", sa.String(length=60), nullable=False),
        sa.Column("labelled_by", sa.String(length=60), nullable=False),
        sa.Column("labelled_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("text_key", name=op.f("pk_ops_miss_labels")),
    )
    op.create_table(
        "ops_daily_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "metric", "key", "channel", "language", name=op.f("pk_ops_daily_counts")
        ),
    )
    op.create_table(
        "ops_daily_latency",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("p50_ms", sa.Float(), nullable=False),
        sa.Column("p95_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel", name=op.f("pk_ops_daily_latency")),
    )
    op.create_table(
        "ops_daily_misses",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("text_key", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.Column("example", sa.String(length=300), nullable=False),
        sa.Column("intent", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("day", "text_key", name=op.f("pk_ops_daily_misses")),
    )
    op.create_table(
        "ops_rollup_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("computed_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_ops_rollup_days")),
    )
    # The console reads these tables one day at a time (ivr/ops/models.py declares the indexes).
    op.create_index("ix_payments_created_at", "payments", ["created_at"])
    op.create_index("ix_audit_events_action_at", "audit_events", ["action", "at"])
    op.create_index("ix_sms_messages_created_at", "sms_messages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_sms_messages_created_at", table_name="sms_messages")
    op.drop_index("ix_audit_events_action_at", table_name="audit_events")
    op.drop_index("ix_payments_created_at", table_name="payments")
    for table in (
        "ops_rollup_days",
        "ops_daily_misses",
        "ops_daily_latency",
        "ops_daily_counts",
        "ops_miss_labels",
    ):
        op.drop_table(table)
    op.drop_index(op.f("ix_ops_logins_at"), table_name="ops_logins")
    op.drop_table("ops_logins")
    op.drop_table("ops_users")
    op.drop_index("ix_outcome_turns_outage_at", table_name="outcome_turns")
    op.drop_index("ix_outcome_turns_miss_at", table_name="outcome_turns")
    op.drop_index("ix_outcome_turns_at", table_name="outcome_turns")
    op.drop_table("outcome_turns")
    op.drop_index("ix_outcome_conversations_started_at", table_name="outcome_conversations")
    op.drop_index("ix_outcome_conversations_ref", table_name="outcome_conversations")
    op.drop_table("outcome_conversations")
