"""A payment confirmation by text: sent at most once per confirmation number, after a payment by
phone (the caller says yes to the offer) or wherever a payment is confirmed."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from billing_core.billing_calendar import utcnow
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
    transport_from_settings,
)
from messages.render import normalize_locale, render

log = logging.getLogger(__name__)


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

    Returns None when the number opted out, or when the text was already sent. The row is written
    before sending, so a retry never sends twice; a crash mid-send leaves a row without a SID
    (at most once, never twice). Twilio errors are logged, never raised: the payment stands.
    """
    now = now or utcnow()
    channels = channels or ChannelSettings.from_env()
    transport = transport or transport_from_settings(channels)
    body = render(
        "sms_payment_confirmation",
        {"amount": Decimal(str(amount)), "confirmation_number": confirmation_number},
        locale=normalize_locale(locale),
        channel="sms",
    )
    key = f"confirmation:{confirmation_number}"
    try:
        with runtime.uow() as uow:
            if consent.is_opted_out(uow, phone):
                return None
            if uow.session.scalar(select(SmsMessage.id).where(SmsMessage.dedupe_key == key)):
                return None
            uow.session.add(
                SmsMessage(
                    dedupe_key=key,
                    purpose="confirmation",
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
        return None  # another request for the same confirmation got there first
    sms = OutgoingSms(to=phone, body=body, status_callback=status_callback_url(channels))
    try:
        result = transport.send(sms)
    except (SmsRejected, TransportUnavailable) as exc:
        log.warning("payment confirmation text not sent: %s", exc)
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
