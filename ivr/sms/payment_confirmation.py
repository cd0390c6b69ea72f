"""A payment confirmation by text: sent at most once per confirmation number, after a payment by
phone (the caller says yes to the offer) or wherever a payment is confirmed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from billing_core.billing_calendar import utcnow
from billing_core.runtime import BillingRuntime
from ivr.config import ChannelSettings
from ivr.sms.send_once import send_once
from ivr.sms.transport import (
    Transport,
    transport_from_settings,
)
from messages.render import normalize_locale, render


def send_payment_confirmation(
    runtime: BillingRuntime,
    phone: str,
    locale: str,
    amount: Decimal | str,
    confirmation_number: str,
    *,
    transport: Transport | None = None,
    channels: ChannelSettings | None = None,
    now: datetime | None = None,
) -> str | None:
    """Text a payment confirmation once per confirmation number; returns the message SID.

    Returns None when the number opted out, or when the text was already sent (ivr.sms.send_once).
    Twilio errors are logged, never raised: the payment stands. The text goes through
    `transport`, else the one `channels` configure (one of them is needed).
    """
    now = now or utcnow()
    if transport is None:
        if channels is None:
            raise TypeError("send_payment_confirmation needs a transport or channel settings")
        transport = transport_from_settings(channels)
    body = render(
        "sms_payment_confirmation",
        {"amount": Decimal(str(amount)), "confirmation_number": confirmation_number},
        locale=normalize_locale(locale),
        channel="sms",
    )
    return send_once(
        runtime,
        phone,
        body,
        key=f"confirmation:{confirmation_number}",
        purpose="confirmation",
        transport=transport,
        channels=channels,
        now=now,
    )
