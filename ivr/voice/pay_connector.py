"""Twilio <Pay>: the connector's processor takes and keeps the numbers; we store its token.

With a Pay connector configured (TWILIO_PAY_CONNECTOR), <Pay paymentMethod="ach-debit"> tokenizes
the bank account; with the card policy on and Rasa's `cards_allowed` (one-time payments only), "press
3" takes a card through <Pay paymentMethod="credit-card">, stored as a method of kind "card".
Nothing is charged here (chargeAmount 0): the authorization comes first, then billing_core takes
the payment and the back office sends it to the processor with the token.
"""

from __future__ import annotations

import logging
from typing import Any

from twilio.twiml.voice_response import VoiceResponse

from billing_core import errors, payment_methods
from ivr.voice.bank_handoff import KIND_SPEC, ROUTING_SPEC, entry, give_up, handed_over
from ivr.voice.call import Call
from ivr.voice.goto import Outcome
from ivr.voice.twiml import KEYPAD_TIMEOUT, VOICES, say_all

log = logging.getLogger(__name__)

ACCOUNT_TYPES = {"checking": "consumer-checking", "savings": "consumer-savings"}
# Our own wording (and voice) for what <Pay> asks, first time and after a wrong entry.
PAY_PROMPTS = [
    ("bank-routing-number", None, ["voice_bank_routing"]),
    (
        "bank-routing-number",
        "invalid-bank-routing-number",
        ["voice_bank_routing_invalid", "voice_bank_routing"],
    ),
    ("bank-account-number", None, ["voice_bank_account"]),
    (
        "bank-account-number",
        "invalid-bank-account-number",
        ["voice_bank_account_invalid", "voice_bank_account"],
    ),
]
CARD_KEY = "3"
CARD_PROMPTS = [
    ("payment-card-number", None, ["voice_card_number"]),
    (
        "payment-card-number",
        "invalid-card-number",
        ["voice_card_number_invalid", "voice_card_number"],
    ),
    ("expiration-date", None, ["voice_card_expiration"]),
    ("security-code", None, ["voice_card_security_code"]),
    ("postal-code", None, ["voice_card_postal_code"]),
]
# The caller gave up on <Pay> (or could not get through it): offer an agent, not the keypad again.
PAY_GAVE_UP = {"too-many-failed-attempts", "caller-interrupted-with-star"}


def _pay(call: Call, prompts: list, **attrs: Any) -> VoiceResponse:
    response = VoiceResponse()
    pay = response.pay(
        input="dtmf",
        payment_connector=call.pay_connector,
        charge_amount="0",  # tokenize only: the authorization comes first, then the payment
        action=call.action("/voice/pay"),
        status_callback="/voice/pay/status",
        language=VOICES[call.locale][1],
        timeout=KEYPAD_TIMEOUT,
        max_attempts=2,
        **attrs,
    )
    for field, error_type, messages in prompts:
        prompt_attrs = {"for_": field} | ({"error_type": error_type} if error_type else {})
        say_all(pay.prompt(**prompt_attrs), [(m, {}) for m in messages], call.locale)
    call.state["step"] = "bank_pay"
    return response


def pay_with_connector(call: Call, kind: str) -> VoiceResponse:
    """Twilio <Pay> tokenizes the bank account with the configured connector; no digits reach us."""
    return _pay(
        call,
        PAY_PROMPTS,
        payment_method="ach-debit",
        bank_account_type=ACCOUNT_TYPES[kind],
        token_type="reusable",  # noqa: S106 (not a password) AutoPay drafts reuse the token
    )


def pay_with_card(call: Call) -> VoiceResponse:
    """Only while the card policy is on (Rasa says so): <Pay> tokenizes the card, the fee was said
    before, and the card authorization (amount plus fee) comes next, from Rasa."""
    return _pay(
        call,
        CARD_PROMPTS,
        payment_method="credit-card",
        security_code=True,
        postal_code=True,
        token_type="one-time",  # noqa: S106 (not a password) one payment, never AutoPay
    )


def _last4(masked: str | None) -> str:
    digits = "".join(ch for ch in (masked or "") if ch.isdigit())
    return digits[-4:]


def _routing(number: str | None) -> str | None:
    """The routing number <Pay> reports, kept if it is one (it only describes the account)."""
    try:
        return payment_methods.validate_routing_number(number) if number else None
    except errors.InvalidRoutingNumber:
        return None


def _store_token(call: Call, card: bool) -> payment_methods.BankMethodRef | None:
    """Store what <Pay> tokenized through billing_core; None when it is incomplete or refused."""
    form, bank = call.form, entry(call)
    common: dict[str, Any] = {
        "token": form.get("PaymentToken") or "",
        "connector": call.pay_connector or "Default",
        "channel": "voice",
        "reference": call.sid,
        "now": call.now,
    }
    account = bank.get("account_number") or ""
    try:
        with call.runtime.uow() as uow:
            if card:
                last4 = _last4(form.get("PaymentCardNumber"))
                return payment_methods.add_card(uow, account, last4=last4, **common)
            return payment_methods.add_tokenized_bank_method(
                uow,
                account,
                kind=bank.get("kind") or "checking",
                last4=_last4(form.get("BankAccountNumber")),
                routing_number=_routing(form.get("BankRoutingNumber")),
                **common,
            )
    except errors.BillingError as exc:
        log.warning("Pay token not stored on call %s: %s", call.sid, exc.code)
        return None


def on_pay_result(call: Call) -> Outcome:
    """The <Pay> action: store the token through billing_core and hand Rasa its reference."""
    bank = entry(call)
    result = call.form.get("Result") or "missing"
    card = bank.get("kind") == payment_methods.CARD
    if result == "success":
        ref = _store_token(call, card)
        if ref is not None:
            return handed_over(call, ref)
    elif result == "caller-hung-up":
        call.state["step"] = "ended"
        return VoiceResponse()
    else:
        log.info("Pay on call %s ended with %s", call.sid, result)
        if result in PAY_GAVE_UP:
            return give_up(call)
    if card:  # no card this time: a bank account still works
        bank.update(kind=None, cards=False)
        return call.ask(
            [("voice_bank_kind", {})], KIND_SPEC, step="bank_kind", lead=[("voice_card_failed", {})]
        )
    # The connector failed us: the IVR can still take the numbers itself.
    return call.ask(
        [("voice_bank_routing", {})],
        ROUTING_SPEC,
        step="bank_routing",
        lead=[("voice_pay_failed", {})],
    )
