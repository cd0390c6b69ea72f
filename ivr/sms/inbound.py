"""Inbound texts: consent keywords answered here, everything else through Rasa, rendered for SMS."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from billing_core.accounts import account_for_caller_id
from billing_core.runtime import BillingRuntime
from billing_core.secrets import secret
from ivr.rasa_client import BotMessage, RasaClient, RasaUnavailable, sms_sender_id
from ivr.sms import consent
from ivr.sms.keywords import classify
from ivr.untrusted import as_text, holds_long_number
from messages.render import UnknownMessage, normalize_locale, render

log = logging.getLogger(__name__)

# Bank routing (9) and account numbers (4-17) must never reach Rasa, whose tracker keeps every
# message in plain text. A long run of digits (however written) is treated as one, whatever it
# really is: texts never need one, the phone number names the account.
LONG_NUMBER_DIGITS = 8
# Params that only a verified phone may see: money, dates and digits of one account.
ACCOUNT_PARAM_SUFFIXES = ("amount", "_date", "_at", "last4", "_digits", "confirmation_number")
PUBLIC_PARAMS = {"fee_amount", "card_fee_amount", "convenience_fee_amount"}
BANK_PROMPTS = ("routing", "bank_account", "bank_number")


def _sms(msg: str, locale: str, params: dict[str, object] | None = None) -> str:
    return render(msg, params, locale=locale, channel="sms")


def carries_account_data(message: BotMessage) -> bool:
    return any(
        key.endswith(ACCOUNT_PARAM_SUFFIXES) and key not in PUBLIC_PARAMS for key in message.params
    )


def asks_for_bank_details(message: BotMessage) -> bool:
    return any(word in message.msg for word in BANK_PROMPTS)


def render_bot_messages(messages: Iterable[BotMessage], *, locale: str, verified: bool) -> str:
    """Rasa's message ids as one SMS reply. An unverified phone never sees account data."""
    texts: list[str] = []
    withheld = False
    for message in messages:
        if asks_for_bank_details(message):
            text = _sms("sms_how_to_pay", locale)
        elif not verified and carries_account_data(message):
            withheld = True
            continue
        else:
            try:
                text = _sms(message.msg, locale, message.params)
            except (UnknownMessage, KeyError, ValueError, IndexError):
                log.warning("no SMS wording for message id %s", message.msg)
                continue
        if text not in texts:
            texts.append(text)
    if withheld:
        texts.append(_sms("sms_not_verified", locale))
    if not texts:
        texts.append(_sms("sms_not_understood", locale))
    return "\n".join(texts)


def handle_inbound(
    runtime: BillingRuntime,
    rasa: RasaClient,
    *,
    phone: str,
    body: str,
    now: datetime,
    reply_to_opt_out: bool = True,
    sender_key: str | None = None,
) -> str | None:
    """The reply to one inbound text, or None for no reply."""
    keyword = classify(body)
    with runtime.uow() as uow:
        locale = normalize_locale(keyword.locale or consent.language_for_number(uow, phone))
        if keyword.kind == "opt_out":
            consent.opt_out(uow, phone, source=keyword.word or "STOP", now=now)
            return _sms("sms_opted_out", locale) if reply_to_opt_out else None
        opted_out = consent.is_opted_out(uow, phone)
        # YES is also an everyday answer; it only means "opt me back in" after a STOP.
        if keyword.kind == "opt_in" and (keyword.word != "YES" or opted_out):
            consent.opt_in(uow, phone, source=keyword.word or "START", now=now)
            return _sms("sms_opted_in", locale)
        if keyword.kind == "help":
            return _sms("sms_help", locale)
        if opted_out:
            return None  # after STOP only START and HELP are answered
        verified = consent.is_verified_number(uow, phone)
        # Like caller ID on the phone: a number verified on exactly one account names it, so the
        # member is asked only for the ZIP code or date of birth (never to text long numbers).
        caller_account = account_for_caller_id(uow, phone) if verified else None
    if keyword.kind == "pay" or holds_long_number(body, LONG_NUMBER_DIGITS):
        return _sms("sms_how_to_pay", locale)
    if keyword.kind == "rasa" and not verified:
        return _sms("sms_not_verified", locale)
    # A keyword's message is built here; anything the texter wrote is only ever text.
    text = keyword.rasa_message or as_text(body)
    if not text:
        return _sms("sms_help", locale)
    try:
        messages = rasa.send(
            sms_sender_id(phone, sender_key or secret("SENDER_ID_KEY")),
            text,
            {"channel": "sms", "locale": locale, "phone": phone, "caller_account": caller_account},
        )
    except RasaUnavailable as exc:
        log.warning("Rasa unavailable for an SMS: %s", exc)
        return _sms("sms_unavailable", locale)
    return render_bot_messages(messages, locale=locale, verified=verified)
