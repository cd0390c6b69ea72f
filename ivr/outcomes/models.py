"""Outcome tables: what each conversation and turn achieved, never who it was or what they keyed.

A conversation is found again by `ref`, a keyed hash of the channel's own id (voice: CallSid; chat:
the session id; SMS: the phone number), so no row names a call, a browser or a phone. A turn keeps
the member's words only after ivr.outcomes.masking removed every number and date.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from billing_core.models import Base
from billing_core.types import UTCDateTime

# SQLite only auto-increments INTEGER PRIMARY KEY; Postgres gets 64-bit keys (6 M turns a month).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class OutcomeConversation(Base):
    """One call, chat session or texting session, and how it ended.

    outcome: open (still going) | self_served (a task done, no agent) | transferred | abandoned
    (over with no task and no agent). `intents` and `tasks` are bit sets (ivr.outcomes.vocabulary).
    """

    __tablename__ = "outcome_conversations"
    __table_args__ = (
        Index("ix_outcome_conversations_ref", "ref"),
        Index("ix_outcome_conversations_started_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ref: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))  # voice | sms | chat
    language: Mapped[str] = mapped_column(String(5))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    turns: Mapped[int] = mapped_column(Integer)
    verified: Mapped[bool] = mapped_column(Boolean)
    intents: Mapped[int] = mapped_column(Integer)
    tasks: Mapped[int] = mapped_column(Integer)
    faq_topic: Mapped[str | None] = mapped_column(String(40))  # the first FAQ topic answered
    transfer_reason: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(12))
    fallbacks: Mapped[int] = mapped_column(SmallInteger)  # turns the assistant did not understand
    outage_turns: Mapped[int] = mapped_column(SmallInteger)  # turns answered by an outage fallback
    last_reply: Mapped[str | None] = mapped_column(String(60))  # to tell why a transfer came


class OutcomeTurn(Base):
    """One turn: how long it took, what the NLU made of it, and the masked words if any."""

    __tablename__ = "outcome_turns"
    __table_args__ = (
        Index("ix_outcome_turns_at", "at"),
        # Partial: only the few turns they find are in them, so a turn's insert rarely pays.
        # The analyst's misses of one day (fallbacks and low-confidence turns with words) and
        # the outage minutes of one day.
        Index(
            "ix_outcome_turns_miss_at",
            "at",
            postgresql_where=text("miss"),
            sqlite_where=text("miss"),
        ),
        Index(
            "ix_outcome_turns_outage_at",
            "at",
            postgresql_where=text("outage"),
            sqlite_where=text("outage"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), ForeignKey("outcome_conversations.id")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[str] = mapped_column(String(8))
    latency_ms: Mapped[int] = mapped_column(Integer)
    rasa_ms: Mapped[int | None] = mapped_column(Integer)
    input: Mapped[str] = mapped_column(String(8))  # speech | dtmf | text | button | none
    intent: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float | None] = mapped_column(Float)
    fallback: Mapped[bool] = mapped_column(Boolean)
    outage: Mapped[bool] = mapped_column(Boolean)
    miss: Mapped[bool] = mapped_column(Boolean)  # words the assistant missed or was unsure of
    reply: Mapped[str | None] = mapped_column(String(60))  # the last message id answered
    topic: Mapped[str | None] = mapped_column(String(40))  # the FAQ topic answered, if any
    text: Mapped[str | None] = mapped_column(String(300))  # masked (ivr.outcomes.masking)
    text_key: Mapped[str | None] = mapped_column(String(200))  # for grouping similar words
