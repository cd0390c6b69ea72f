"""Outbound texts: the Twilio REST transport, the offline outbox transport, and payment confirmations.

A transport only hands a text over; recording it in `sms_messages` (and the reminder ledger) is the
caller's job, so the same bookkeeping serves both transports. The outbox is for development mode
only: outside it a process without Twilio's REST credentials refuses to start (SmsNotConfigured).
"""

from __future__ import annotations

import logging
import secrets
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol, TextIO

import requests
from sqlalchemy import case, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from billing_core.billing_calendar import utcnow
from billing_core.runtime import BillingRuntime
from billing_core.secrets import DEVELOPMENT_VALUES
from billing_core.unit_of_work import UnitOfWork
from ivr.config import ChannelSettings
from ivr.sms import consent
from ivr.sms.models import SmsMessage
from ivr.sms.transport_policy import masked_number, require_twilio_rest
from messages.render import normalize_locale, render

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
OPTED_OUT_ERROR = 21610  # "Attempt to send to unsubscribed recipient"

# Delivery states in the order they can happen; a callback never moves a message backwards.
STATUS_RANK = {
    "pending": 0,
    "accepted": 1,
    "scheduled": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "outbox": 5,
    "delivered": 5,
    "undelivered": 5,
    "failed": 5,
    "read": 6,
    "canceled": 5,
}
FINAL_RANK = 5


def status_rank(status: str) -> int:
    return STATUS_RANK.get(status, 0)


@dataclass(frozen=True)
class OutgoingSms:
    to: str
    body: str
    status_callback: str | None = None


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str


class SmsRejected(Exception):
    """Twilio refused this one message for good (bad number, opted out...). Safe to log."""

    def __init__(self, code: int | None, message: str = "") -> None:
        super().__init__(f"rejected ({code}): {message}")
        self.code = code


class TransportUnavailable(Exception):
    """Twilio could not be reached or is failing; try the whole run again later.

    `maybe_sent` is true when Twilio may have taken the text anyway (a timeout, a 5xx): that text
    is then reconciled, not blindly resent.
    """

    def __init__(self, message: str, *, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class Transport(Protocol):
    name: str
    flush_every: int  # how many sends to record per database transaction

    def send(self, sms: OutgoingSms) -> SendResult: ...

    def lookup(self, to: str, body: str, since: datetime) -> SendResult | None:
        """After a crash: did a text with this body already go to this number since then?"""
        ...

    def recorded(self, messages: Iterable[OutgoingSms]) -> None:
        """Called after the texts are committed to the database."""
        ...


class RebasedHttpClient(TwilioHttpClient):
    """Sends the REST client's requests to another base URL (a local mock of Twilio's API)."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


@dataclass
class TwilioTransport:
    client: Client
    from_number: str | None = None
    messaging_service_sid: str | None = None
    name: str = "twilio"
    flush_every: int = 1  # record each SID right away: a crash then loses nothing to reconcile

    def __post_init__(self) -> None:
        if not (self.from_number or self.messaging_service_sid):
            raise ValueError("set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")

    @classmethod
    def from_settings(cls, channels: ChannelSettings, timeout: float = 10.0) -> TwilioTransport:
        http = (
            RebasedHttpClient(channels.twilio_api_base_url, timeout=timeout)
            if channels.twilio_api_base_url
            else TwilioHttpClient(timeout=timeout)
        )
        client = Client(channels.twilio_account_sid, channels.twilio_auth_token, http_client=http)
        return cls(
            client=client,
            from_number=channels.twilio_from_number,
            messaging_service_sid=channels.twilio_messaging_service_sid,
        )

    def send(self, sms: OutgoingSms) -> SendResult:
        kwargs: dict[str, Any] = {"to": sms.to, "body": sms.body}
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = self.from_number
        if sms.status_callback:
            kwargs["status_callback"] = sms.status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            if exc.status == 429 or exc.status >= 500:
                raise TransportUnavailable(
                    f"Twilio answered {exc.status}", maybe_sent=exc.status >= 500
                ) from exc
            raise SmsRejected(exc.code, exc.msg) from exc
        except requests.ConnectionError as exc:
            raise TransportUnavailable(type(exc).__name__) from exc
        except (requests.RequestException, TwilioException) as exc:
            raise TransportUnavailable(type(exc).__name__, maybe_sent=True) from exc
        return SendResult(sid=message.sid, status=message.status or "queued")

    def lookup(self, to: str, body: str, since: datetime) -> SendResult | None:
        try:
            recent = self.client.messages.list(to=to, limit=50)
        except (TwilioException, requests.RequestException) as exc:
            raise TransportUnavailable(type(exc).__name__) from exc
        for message in recent:
            created = message.date_created
            if message.body == body and (
                created is None or created >= since - timedelta(minutes=5)
            ):
                return SendResult(sid=message.sid, status=message.status or "queued")
        return None

    def recorded(self, messages: Iterable[OutgoingSms]) -> None:
        return None


@dataclass
class OutboxTransport:
    """No Twilio (development mode): the `sms_messages` row is the delivery. Prints each text once
    it is recorded, with the number masked to its last 4 digits."""

    stream: TextIO | None = field(default_factory=lambda: sys.stdout)
    name: str = "outbox"
    flush_every: int = 1000

    def send(self, sms: OutgoingSms) -> SendResult:
        return SendResult(sid="OB" + secrets.token_hex(16), status="outbox")

    def lookup(self, to: str, body: str, since: datetime) -> SendResult | None:
        return None  # the outbox record is written with the ledger update: nothing is in flight

    def recorded(self, messages: Iterable[OutgoingSms]) -> None:
        if self.stream is None:
            return
        self.stream.write("".join(f"[sms to {masked_number(m.to)}] {m.body}\n" for m in messages))
        self.stream.flush()


def transport_from_settings(
    channels: ChannelSettings, *, stream: TextIO | None = None
) -> Transport:
    """Twilio when an account SID and a real auth token are configured. Else, in development
    mode only, the outbox; outside it SmsNotConfigured (never a silent outbox in production)."""
    require_twilio_rest(channels)
    if (
        channels.twilio_account_sid
        and channels.twilio_auth_token != DEVELOPMENT_VALUES["TWILIO_AUTH_TOKEN"]
    ):
        return TwilioTransport.from_settings(channels)
    return OutboxTransport(stream=stream if stream is not None else sys.stdout)


def status_callback_url(channels: ChannelSettings, reminder_id: int | None = None) -> str | None:
    if not channels.public_base_url:
        return None
    url = f"{channels.public_base_url}/sms/status"
    return f"{url}?r={reminder_id}" if reminder_id is not None else url


def upsert_messages(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """Insert sent texts; a status callback that got here first has already made a row by SID."""
    if not rows:
        return
    table = SmsMessage.__table__
    dialect = uow.session.get_bind().dialect.name
    if dialect == "postgresql":
        _upsert_messages_pg(uow, rows)
        return
    ins = sqlite.insert(table)
    keep_later = ins.excluded.status_rank > table.c.status_rank
    stmt = ins.on_conflict_do_update(
        index_elements=[table.c.sid],
        set_={
            "dedupe_key": ins.excluded.dedupe_key,
            "purpose": ins.excluded.purpose,
            "reminder_id": ins.excluded.reminder_id,
            "to_number": ins.excluded.to_number,
            "body": ins.excluded.body,
            "transport": ins.excluded.transport,
            "status": case((keep_later, ins.excluded.status), else_=table.c.status),
            "status_rank": case((keep_later, ins.excluded.status_rank), else_=table.c.status_rank),
        },
    )
    uow.session.execute(stmt, rows)


_PG_UPSERT = text(
    """
    INSERT INTO sms_messages (dedupe_key, purpose, reminder_id, to_number, body, transport, sid,
                              status, status_rank, error_code, created_at, updated_at)
    SELECT * FROM unnest(CAST(:dedupe_key AS text[]), CAST(:purpose AS text[]),
                         CAST(:reminder_id AS bigint[]), CAST(:to_number AS text[]),
                         CAST(:body AS text[]), CAST(:transport AS text[]), CAST(:sid AS text[]),
                         CAST(:status AS text[]), CAST(:status_rank AS smallint[]),
                         CAST(:error_code AS integer[]), CAST(:created_at AS timestamp[]),
                         CAST(:updated_at AS timestamp[]))
    ON CONFLICT (sid) DO UPDATE SET
        dedupe_key = excluded.dedupe_key, purpose = excluded.purpose,
        reminder_id = excluded.reminder_id, to_number = excluded.to_number,
        body = excluded.body, transport = excluded.transport,
        status = CASE WHEN excluded.status_rank > sms_messages.status_rank
                      THEN excluded.status ELSE sms_messages.status END,
        status_rank = GREATEST(excluded.status_rank, sms_messages.status_rank)
    """
)


def _upsert_messages_pg(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """One statement with one array per column: a short, cacheable query whatever the batch size
    (multi-row VALUES made the driver re-parse a huge statement for every batch)."""
    columns: dict[str, list[Any]] = {key: [] for key in rows[0]}
    for row in rows:
        for key, value in row.items():
            if isinstance(value, datetime):
                value = value.astimezone(UTC).replace(tzinfo=None)
            columns[key].append(value)
    uow.session.execute(_PG_UPSERT, columns)


def message_row(
    *,
    purpose: str,
    sms: OutgoingSms,
    result: SendResult,
    transport: str,
    now: datetime,
    dedupe_key: str | None,
    reminder_id: int | None = None,
) -> dict[str, Any]:
    return {
        "dedupe_key": dedupe_key,
        "purpose": purpose,
        "reminder_id": reminder_id,
        "to_number": sms.to,
        "body": sms.body,
        "transport": transport,
        "sid": result.sid,
        "status": result.status,
        "status_rank": status_rank(result.status),
        "error_code": None,
        "created_at": now,
        "updated_at": now,
    }


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
