"""Outbound text transports: Twilio's REST API, and the offline outbox of development mode.

A transport only hands a text over; recording it in `sms_messages` (and a ledger) is the caller's
job (`ivr.sms.message_log`), so the same bookkeeping serves both transports. The outbox is for
development mode only: outside it a process without Twilio's REST credentials refuses to start
(SmsNotConfigured).
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TextIO

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from billing_core.secrets import DEVELOPMENT_VALUES
from ivr.config import ChannelSettings
from ivr.sms.transport_policy import masked_number, require_twilio_rest

TWILIO_API = "https://api.twilio.com"
OPTED_OUT_ERROR = 21610  # "Attempt to send to unsubscribed recipient"


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


def status_callback_url(
    channels: ChannelSettings | None, reminder_id: int | None = None
) -> str | None:
    """Where Twilio reports delivery: none without channel settings or a public base URL."""
    if channels is None or not channels.public_base_url:
        return None
    url = f"{channels.public_base_url}/sms/status"
    return f"{url}?r={reminder_id}" if reminder_id is not None else url
