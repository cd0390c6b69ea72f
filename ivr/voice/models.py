"""Voice tables: one state row per live call, one answer row per webhook turn, callback requests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text, UniqueConstraint
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


class CallbackRequest(Base):
    """An after-hours caller's request to be called back: one per phone number and Eastern day.

    `context` is the hand-off context (ivr/voice/handoff.py: verified, account last 4, topics,
    where and why), JSON; never a ZIP code, birth date or bank detail."""

    __tablename__ = "callback_requests"
    __table_args__ = (UniqueConstraint("phone", "requested_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    requested_on: Mapped[date] = mapped_column(Date)  # Eastern date of the request
    callback_on: Mapped[date] = mapped_column(Date, index=True)  # the business day to call
    window: Mapped[str] = mapped_column(String(10))  # morning | afternoon | any
    locale: Mapped[str] = mapped_column(String(5))
    context: Mapped[str] = mapped_column(Text)
    call_sid: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
