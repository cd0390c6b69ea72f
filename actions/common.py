"""Helpers shared by the actions: conversation context, answering by message id, error mapping,
and calling billing_core with that error mapping (`call_billing`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import billing
from billing_core import errors
from billing_core.billing_calendar import eastern_date
from billing_core.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
T = TypeVar("T")

CHANNELS = ("voice", "sms", "web")
# Only the phone line collects bank details (the IVR keypad, never Rasa) and reads the TEL
# authorization. Web chat and SMS never ask for bank numbers: they point to the portal, guest
# payment (Locate Account) or the phone line instead.
BANK_PAYMENT_CHANNELS = ("voice",)

MAIN_BUTTONS = [
    {"title_msg": "button_balance", "payload": "/check_balance"},
    {"title_msg": "button_due_date", "payload": "/ask_due_date"},
    {"title_msg": "button_pay", "payload": "/pay_bill"},
    {"title_msg": "button_autopay", "payload": "/ask_autopay_status"},
    {"title_msg": "button_agent", "payload": "/talk_to_agent"},
]
YES_NO_BUTTONS = [
    {"title_msg": "button_yes", "payload": "/affirm"},
    {"title_msg": "button_no", "payload": "/deny"},
]


def channel_of(sender_id: str) -> str:
    """The channel a sender id belongs to (`voice:…`, `sms:…`, `web:…`, set by the gateway's
    signed channel); anything else gets the channel that may do least: `web`."""
    namespace = sender_id.split(":", 1)[0] if ":" in sender_id else ""
    return namespace if namespace in CHANNELS else "web"


@dataclass(frozen=True)
class Context:
    """Who is talking and where. The channel comes from the sender id, never from metadata; the
    locale and caller ID from the gateway's metadata, else from the session's slots."""

    sender_id: str
    channel: str
    locale: str
    phone: str | None
    client: str | None = None  # the web client's keyed address hash, for per-source limits

    @classmethod
    def of(cls, tracker: Tracker) -> Context:
        meta = (tracker.latest_message or {}).get("metadata") or {}
        locale = meta.get("locale") or tracker.get_slot("locale") or "en"
        phone = meta.get("phone") or tracker.get_slot("phone")
        return cls(
            sender_id=tracker.sender_id,
            channel=channel_of(tracker.sender_id),
            locale="es" if str(locale).lower().startswith("es") else "en",
            phone=phone or None,
            client=str(meta["client"])[:64] if meta.get("client") else None,
        )


def raw(value: Any) -> Any:
    """A payload parameter as the renderer wants it: money "198.50", ISO dates, digit strings."""
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def say(dispatcher: CollectingDispatcher, msg: str, **params: Any) -> None:
    """Answer with a message id and raw parameters; the channel renders the words."""
    payload = {"msg": msg}
    payload.update({k: raw(v) for k, v in params.items() if v is not None})
    dispatcher.utter_message(json_message=payload)


def takes_bank_payments(ctx: Context) -> bool:
    """Whether this conversation's channel may take a payment or an AutoPay enrollment."""
    return ctx.channel in BANK_PAYMENT_CHANNELS


def say_error(dispatcher: CollectingDispatcher, exc: errors.BillingError) -> None:
    """Every billing_core error has a message id `error_<code>` in the dialogue catalog.

    Counts get one message id per plural form (`error_verification_failed_one` for 1), so no
    sentence says "1 tries"; the count stays in the payload."""
    params: dict[str, Any] = {}
    msg = f"error_{exc.code}"
    if isinstance(exc, errors.VerificationFailed):
        params["tries_left"] = exc.tries_left
        if exc.tries_left == 1:
            msg = "error_verification_failed_one"
    elif isinstance(exc, errors.VerificationLocked):
        params["locked_until_at"] = exc.until
    elif isinstance(exc, errors.AmountExceedsBalance):
        params["owed_amount"] = exc.owed
    say(dispatcher, msg, **params)


def say_system_error(dispatcher: CollectingDispatcher, where: str) -> None:
    # The exception text is not logged with values: it might echo member data.
    log.exception("action %s failed", where)
    say(dispatcher, "system_error", expect="menu", buttons=MAIN_BUTTONS)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a billing_core call gave: its value, or which failure the member has been told of."""

    value: T | None = None
    failure: str | None = None  # "billing": said `error_<code>`; "system": said `system_error`

    @property
    def ok(self) -> bool:
        return self.failure is None


async def call_billing(
    dispatcher: CollectingDispatcher,
    where: str,
    work: Callable[[UnitOfWork], T],
    *,
    explain: bool = True,
) -> Outcome[T]:
    """Run one billing_core unit of work off the event loop; on failure, answer the member.

    A BillingError is explained by its own message id (`say_error`); with `explain=False` it is
    treated like any other failure: logged as a system error under `where`, `system_error` said."""
    try:
        return Outcome(value=await billing.call(work))
    except Exception as exc:
        if explain and isinstance(exc, errors.BillingError):
            say_error(dispatcher, exc)
            return Outcome(failure="billing")
        say_system_error(dispatcher, where)
        return Outcome(failure="system")


def today_eastern(now: datetime) -> date:
    return eastern_date(now)


def intent_of(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def yes_or_no(tracker: Tracker) -> str | None:
    """An explicit answer to a yes/no question: the affirm or deny intent, or keypad 1 / 2."""
    intent = intent_of(tracker)
    text = latest_text(tracker).strip()
    if intent == "affirm" or text == "1":
        return "yes"
    if intent == "deny" or text == "2":
        return "no"
    return None


def consent_input(tracker: Tracker, channel: str) -> str:
    """How the member agreed, for the authorization record (keypad/button payload or words)."""
    text = latest_text(tracker).strip()
    how = "button" if text.startswith("/") or text.isdigit() else "said"
    return f"{channel}:{how}:{text[:60]}"


def idempotency_key(tracker: Tracker, purpose: str) -> str:
    """Stable for one confirming message: a retried action call cannot pay twice."""
    stamp = next(
        (e.get("timestamp") for e in reversed(tracker.events) if e.get("event") == "user"), None
    )
    return f"rasa:{tracker.sender_id}:{purpose}:{stamp}"


def anything_else(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """After a finished answer, offer more help, unless a form is waiting for its own question."""
    if not (tracker.active_loop or {}).get("name"):
        say(dispatcher, "anything_else", expect="yes_no")
