"""The after-hours text: our hours and the link to pay online, to the number calling, once a day.

Sent once per number and Eastern day (ivr.sms.send_once), so a retried webhook or a caller pressing
the key again never sends twice, and nobody can make the line text one number more than once a day.
Numbers that opted out (STOP) get nothing.
"""

from __future__ import annotations

from datetime import datetime

from billing_core.billing_calendar import eastern_date
from billing_core.runtime import BillingRuntime
from ivr.config import ChannelSettings
from ivr.sms.send_once import send_once
from ivr.sms.transport import (
    transport_from_settings,
)
from messages.render import render


def send_hours_text(
    runtime: BillingRuntime, phone: str, locale: str, channels: ChannelSettings, now: datetime
) -> bool:
    """Text the hours and the portal link; False when not sent (opted out, already sent today,
    or Twilio refused), which the caller is told."""
    transport = transport_from_settings(channels)
    body = render("sms_agent_hours", {}, locale=locale, channel="sms")
    sid = send_once(
        runtime,
        phone,
        body,
        key=f"hours:{phone}:{eastern_date(now).isoformat()}",
        purpose="agent_hours",
        transport=transport,
        channels=channels,
        now=now,
    )
    return sid is not None
