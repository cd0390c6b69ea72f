"""Agent hours (8 AM-6 PM Eastern, weekdays, not on configured holidays) and the transfer TwiML."""

from __future__ import annotations

from datetime import date, datetime, time

from twilio.twiml.voice_response import VoiceResponse

from billing_core.billing_calendar import EASTERN
from ivr.config import ChannelSettings
from ivr.voice.handoff import Context
from ivr.voice.handoff import transfer as handoff_transfer

OPENS = time(8, 0)
CLOSES = time(18, 0)


def is_business_day(day: date, holidays: tuple[str, ...] = ()) -> bool:
    return day.weekday() < 5 and day.isoformat() not in holidays


def agents_available(now: datetime, holidays: tuple[str, ...] = ()) -> bool:
    local = now.astimezone(EASTERN)
    if not is_business_day(local.date(), holidays):
        return False
    return OPENS <= local.time() < CLOSES


def opens_later_today(now: datetime, holidays: tuple[str, ...] = ()) -> bool:
    local = now.astimezone(EASTERN)
    return is_business_day(local.date(), holidays) and local.time() < OPENS


def transfer(
    response: VoiceResponse, settings: ChannelSettings, context: Context | None = None
) -> VoiceResponse:
    """Hand the call to people (a TaskRouter workflow or queue when one is configured, else the
    agent line), with whatever context is known (ivr/voice/handoff.py)."""
    return handoff_transfer(response, settings, context)
