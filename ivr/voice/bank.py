"""Pay by phone: the IVR collects the bank account itself and hands Rasa only a reference.

Two ways, after "checking or savings?": with a Twilio Pay connector configured (TWILIO_PAY_CONNECTOR),
<Pay paymentMethod="ach-debit"> has the connector's processor take the numbers and we store its
token (encrypted); otherwise keypad-only Gathers take the routing number (checksum checked) and the
account number twice, and billing_core stores them encrypted. With the card policy on, a connector,
and Rasa's `cards_allowed` (one-time payments only), "press 3" takes a card through
<Pay paymentMethod="credit-card">, stored as a method of kind "card". Either way Rasa gets an opaque
reference, the kind and the last 4. Between turns keyed entries wait in the call state encrypted
with the runtime's cipher, and are dropped as soon as they are stored (or the caller gives up).
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from twilio.twiml.voice_response import VoiceResponse

from billing_core import errors, payments
from ivr.rasa_client import BotMessage, RasaUnavailable
from ivr.voice import flow, outage
from ivr.voice.call import Call
from ivr.voice.twiml import KEYPAD_TIMEOUT, VOICES, GatherSpec, Prompt, say_all

log = logging.getLogger(__name__)

MAX_TRIES = 3
KIND_SPEC = GatherSpec(keypad_only=True, num_digits=1)
ROUTING_SPEC = GatherSpec(keypad_only=True, num_digits=9, finish_on_key="#", timeout=KEYPAD_TIMEOUT)
ACCOUNT_SPEC = GatherSpec(keypad_only=True, finish_on_key="#", timeout=KEYPAD_TIMEOUT + 5)
KINDS = {"1": "checking", "2": "savings"}


def _bank(call: Call) -> dict[str, Any]:
    return call.state.setdefault("bank", {})


def _seal(call: Call, digits: str) -> str:
    return call.runtime.cipher.encrypt(digits).decode()


def _open(call: Call, token: str) -> str:
    return call.runtime.cipher.decrypt(token.encode())


def member_account(reply: BotMessage) -> str | None:
    """The verified Health Connector account the bank details are for (from Rasa's payload)."""
    number = reply.params.get("account_number")
    return str(number) if number else None


def start(call: Call, prompt: Prompt, reply: BotMessage) -> VoiceResponse:
    """Rasa asked for a new bank account; with `cards_allowed` (a one-time payment while the card
    policy is on) and a Pay connector, a card is offered too, its fee said up front."""
    cards = bool(reply.params.get("cards_allowed")) and bool(call.pay_connector)
    fee = reply.params.get("card_fee_amount")
    call.state["bank"] = {"account_number": member_account(reply), "tries": 0, "cards": cards}
    question = (
        ("voice_bank_kind_or_card", {"fee_amount": fee}) if cards else ("voice_bank_kind", {})
    )
    return call.ask([*prompt, question], KIND_SPEC, step="bank_kind")


def on_kind(call: Call) -> VoiceResponse:
    bank = _bank(call)
    if call.digits == CARD_KEY and bank.get("cards"):
        bank["kind"] = payments.CARD
        call.state["misses"] = 0
        return pay_with_card(call)
    kind = KINDS.get(call.digits)
    if kind is None:
        return flow.missed(call, "voice_reprompt_no_match")
    bank["kind"] = kind
    call.state["misses"] = 0
    if call.pay_connector:
        return pay_with_connector(call, kind)
    return call.ask([("voice_bank_routing", {})], ROUTING_SPEC, step="bank_routing")


# --- Twilio <Pay>: the connector's processor takes and keeps the numbers; we get a token --------

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
    """Twilio <Pay> tokenizes the bank account with the configured connector; no digits reach us.
    Nothing is charged here (chargeAmount 0): the TEL authorization comes first, then billing_core
    takes the payment and the back office sends it to the processor with the token."""
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
        return payments.validate_routing_number(number) if number else None
    except errors.InvalidRoutingNumber:
        return None


def _store_token(call: Call, card: bool) -> payments.BankMethodRef | None:
    """Store what <Pay> tokenized through billing_core; None when it is incomplete or refused."""
    form, bank = call.form, _bank(call)
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
                return payments.add_card(uow, account, last4=last4, **common)
            return payments.add_tokenized_bank_method(
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


def on_pay_result(call: Call) -> VoiceResponse:
    """The <Pay> action: store the token through billing_core and hand Rasa its reference."""
    bank = _bank(call)
    result = call.form.get("Result") or "missing"
    card = bank.get("kind") == payments.CARD
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


# --- keypad entry ------------------------------------------------------------------------------


def _ask_again(call: Call, question: str, spec: GatherSpec, step: str) -> VoiceResponse:
    """A wrong entry: say so and ask again, up to MAX_TRIES, then give up on keypad entry."""
    bank = _bank(call)
    bank["tries"] = bank.get("tries", 0) + 1
    if bank["tries"] >= MAX_TRIES:
        return give_up(call)
    return call.ask([(question, {})], spec, step=step, lead=[(f"{question}_invalid", {})])


def on_routing(call: Call) -> VoiceResponse:
    bank = _bank(call)
    try:
        routing = payments.validate_routing_number(call.digits)
    except errors.InvalidRoutingNumber:
        return _ask_again(call, "voice_bank_routing", ROUTING_SPEC, "bank_routing")
    bank["routing"] = _seal(call, routing)
    bank["tries"] = 0
    return call.ask([("voice_bank_account", {})], ACCOUNT_SPEC, step="bank_account")


def on_account(call: Call) -> VoiceResponse:
    bank = _bank(call)
    try:
        number = payments.validate_bank_account_number(call.digits)
    except errors.InvalidBankAccountNumber:
        return _ask_again(call, "voice_bank_account", ACCOUNT_SPEC, "bank_account")
    bank["first"] = _seal(call, number)
    return call.ask([("voice_bank_account_again", {})], ACCOUNT_SPEC, step="bank_account_again")


def on_account_again(call: Call) -> VoiceResponse:
    bank = _bank(call)
    first = _open(call, bank.pop("first")) if bank.get("first") else ""
    second = call.digits
    if not first or not hmac.compare_digest(first.encode(), second.encode()):
        bank["tries"] = bank.get("tries", 0) + 1
        if bank["tries"] >= MAX_TRIES:
            return give_up(call)
        return call.ask(
            [("voice_bank_account", {})],
            ACCOUNT_SPEC,
            step="bank_account",
            lead=[("voice_bank_account_mismatch", {})],
        )
    routing = _open(call, bank["routing"])
    try:
        with call.runtime.uow() as uow:
            ref = payments.add_bank_method(
                uow,
                bank.get("account_number") or "",
                routing_number=routing,
                bank_account_number=first,
                kind=bank.get("kind", "checking"),
                channel="voice",
                reference=call.sid,
                now=call.now,
            )
    except errors.BillingError as exc:
        log.warning("bank method not stored on call %s: %s", call.sid, exc.code)
        return give_up(call)
    return handed_over(call, ref)


def handed_over(call: Call, ref: payments.BankMethodRef) -> VoiceResponse:
    call.state.pop("bank", None)
    call.state["misses"] = 0
    message = "/inform" + json.dumps(
        {"bank_method_ref": ref.reference, "bank_last4": ref.last4, "bank_kind": ref.kind},
        separators=(",", ":"),
    )
    try:
        replies = call.send(message)
    except RasaUnavailable:
        return outage.enter(call)
    return flow.respond(call, replies)


def give_up(call: Call) -> VoiceResponse:
    call.state.pop("bank", None)
    return call.ask(
        [("voice_offer_agent", {})],
        GatherSpec(num_digits=1),
        step="offer_agent",
        lead=[("voice_bank_gave_up", {})],
    )


STEPS = {
    "bank_kind": on_kind,
    "bank_routing": on_routing,
    "bank_account": on_account,
    "bank_account_again": on_account_again,
}
