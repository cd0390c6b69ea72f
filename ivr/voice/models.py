"""Call state tables: one small state row per live call and one answer row per webhook turn."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from billing_core.models import Base
from billing_core.types import UTCDateTime


class VoiceCall(Base):
    """Where a call is in its flow. Bank digits only ever appear here encrypted, and briefly."""

    __tablename__ = "voice_calls"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    turn: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class VoiceTurn(Base):
    """The TwiML answered to one webhook turn, replayed when Twilio delivers it again."""

    __tablename__ = "voice_turns"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    turn: Mapped[int] = mapped_column(Integer, primary_key=True)
    twiml: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
