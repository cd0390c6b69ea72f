"""Agent hours (8 AM-6 PM Eastern, weekdays, not on configured holidays) and the transfer TwiML."""

from __future__ import annotations

from datetime import datetime, time

from twilio.twiml.voice_response import VoiceResponse

from billing_core.billing_calendar import EASTERN
from ivr.config import ChannelSettings

OPENS = time(8, 0)
CLOSES = time(18, 0)


def agents_available(now: datetime, holidays: tuple[str, ...] = ()) -> bool:
    local = now.astimezone(EASTERN)
    if local.weekday() >= 5 or local.date().isoformat() in holidays:
        return False
    return OPENS <= local.time() < CLOSES


def transfer(response: VoiceResponse, settings: ChannelSettings) -> VoiceResponse:
    """Hand the call to people: a TaskRouter/queue when one is configured, else the agent line."""
    if settings.agent_queue:
        response.enqueue(settings.agent_queue)
    else:
        response.dial(settings.agent_number)
    return response
