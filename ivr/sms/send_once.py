"""One text sent at most once per dedupe key (a confirmation number, a number and a day, …).

The `sms_messages` row is written before the send, so a retried webhook or a second request never
sends twice; a crash mid-send leaves a row without a SID (at most once, never twice). Numbers that
opted out get nothing; Twilio errors are logged, never raised, and Twilio's "opted out" error
records the opt-out.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from billing_core.runtime import BillingRuntime
from ivr.config import ChannelSettings
from ivr.sms import consent
from ivr.sms.message_log import FINAL_RANK, status_rank
from ivr.sms.models import SmsMessage
from ivr.sms.transport import (
    OPTED_OUT_ERROR,
    OutgoingSms,
    SmsRejected,
    Transport,
    TransportUnavailable,
    status_callback_url,
)

log = logging.getLogger(__name__)


def send_once(
    runtime: BillingRuntime,
    phone: str,
    body: str,
    *,
    key: str,
    purpose: str,
    transport: Transport,
    channels: ChannelSettings | None,
    now: datetime,
) -> str | None:
    """Send `body` to `phone` unless a text under `key` exists; the message SID, or None when
    nothing went (opted out, already sent, or Twilio refused)."""
    try:
        with runtime.uow() as uow:
            if consent.is_opted_out(uow, phone):
                return None
            if uow.session.scalar(select(SmsMessage.id).where(SmsMessage.dedupe_key == key)):
                return None
            uow.session.add(
                SmsMessage(
                    dedupe_key=key,
                    purpose=purpose,
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
        return None  # the same request a moment ago got there first
    sms = OutgoingSms(to=phone, body=body, status_callback=status_callback_url(channels))
    try:
        result = transport.send(sms)
    except (SmsRejected, TransportUnavailable) as exc:
        log.warning("%s text not sent: %s", purpose, exc)
        with runtime.uow() as uow:
            row = uow.session.scalars(select(SmsMessage).where(SmsMessage.dedupe_key == key)).one()
            row.status, row.status_rank, row.updated_at = "failed", FINAL_RANK, now
            if isinstance(exc, SmsRejected):
                row.error_code = exc.code
                if exc.code == OPTED_OUT_ERROR:
                    consent.opt_out(uow, phone, source="error_21610", now=now)
        return None
    with runtime.uow() as uow:
        row = uow.session.scalars(select(SmsMessage).where(SmsMessage.dedupe_key == key)).one()
        existing = uow.session.scalar(select(SmsMessage).where(SmsMessage.sid == result.sid))
        if existing is not None and existing.id != row.id:
            # A status callback beat us to it and made a placeholder row; fold it in.
            row.status, row.status_rank = existing.status, existing.status_rank
            row.error_code = existing.error_code
            uow.session.delete(existing)
            uow.session.flush()
        row.sid = result.sid
        if status_rank(result.status) > row.status_rank:
            row.status, row.status_rank = result.status, status_rank(result.status)
        row.updated_at = now
    transport.recorded([sms])
    return result.sid
