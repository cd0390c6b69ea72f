"""The after-hours text: our hours and the link to pay online, to the number calling, once a day.

Like the payment confirmation text (ivr/sms), the row in `sms_messages` is written before the send
under a dedupe key (here the number and the Eastern day), so a retried webhook or a caller pressing
the key again never sends twice, and nobody can make the line text one number more than once a day.
Numbers that opted out (STOP) get nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from billing_core.billing_calendar import eastern_date
from billing_core.runtime import BillingRuntime
from ivr.config import ChannelSettings
from ivr.sms import consent
from ivr.sms.message_log import FINAL_RANK, status_rank
from ivr.sms.models import SmsMessage
from ivr.sms.transport import (
    OutgoingSms,
    SmsRejected,
    TransportUnavailable,
    status_callback_url,
    transport_from_settings,
)
from messages.render import render

log = logging.getLogger(__name__)


def send_hours_text(
    runtime: BillingRuntime, phone: str, locale: str, channels: ChannelSettings, now: datetime
) -> bool:
    """Text the hours and the portal link; False when not sent (opted out, already sent today,
    or Twilio refused), which the caller is told."""
    transport = transport_from_settings(channels)
    body = render("sms_agent_hours", {}, locale=locale, channel="sms")
    key = f"hours:{phone}:{eastern_date(now).isoformat()}"
    try:
        with runtime.uow() as uow:
            if consent.is_opted_out(uow, phone):
                return False
            if uow.session.scalar(select(SmsMessage.id).where(SmsMessage.dedupe_key == key)):
                return False
            uow.session.add(
                SmsMessage(
                    dedupe_key=key,
                    purpose="agent_hours",
                    to_number=phone,
                    body=body,
                    transport=transport.name,
                    status="pending",
                    status_rank=0,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        return False  # the same request a moment ago
    sms = OutgoingSms(to=phone, body=body, status_callback=status_callback_url(channels))
    try:
        result = transport.send(sms)
    except (SmsRejected, TransportUnavailable) as exc:
        log.warning("hours text not sent: %s", exc)
        status, sid, rank = "failed", None, FINAL_RANK
    else:
        status, sid, rank = result.status, result.sid, status_rank(result.status)
    try:
        with runtime.uow() as uow:
            row = uow.session.scalars(select(SmsMessage).where(SmsMessage.dedupe_key == key)).one()
            row.status, row.sid, row.status_rank, row.updated_at = status, sid, rank, now
    except IntegrityError:  # Twilio's status callback recorded this SID first: the text went
        log.info("hours text %s already recorded by its status callback", sid)
    if sid is None:
        return False
    transport.recorded([sms])
    return True
