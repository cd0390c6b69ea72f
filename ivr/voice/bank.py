"""Pay by phone: the IVR itself collects routing and account numbers by keypad and stores them.

Rasa never sees the numbers: billing_core stores them encrypted and Rasa gets an opaque reference,
the kind and the last 4. Between turns the entries wait in the call state encrypted with the
runtime's cipher, and are dropped as soon as they are stored (or the caller gives up).
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
from ivr.voice.twiml import KEYPAD_TIMEOUT, GatherSpec, Prompt

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
    call.state["bank"] = {"account_number": member_account(reply), "tries": 0}
    if call.pay_connector:
        return pay_with_connector(call, prompt)
    return call.ask([*prompt, ("voice_bank_kind", {})], KIND_SPEC, step="bank_kind")


def pay_with_connector(call: Call, prompt: Prompt) -> VoiceResponse:
    """Twilio <Pay> tokenizes the bank account with the configured connector; no digits reach us."""
    response = call.speak(prompt)
    response.pay(
        input="dtmf",
        payment_connector=call.pay_connector,
        payment_method="ach-debit",
        charge_amount="0",  # tokenize only; the payment is taken by billing_core after consent
        action=call.action("/voice/pay"),
        status_callback="/voice/pay/status",
        language={"en": "en-US", "es": "es-US"}[call.locale],
        timeout=KEYPAD_TIMEOUT,
        max_attempts=2,
    )
    call.state["step"] = "bank_pay"
    return response


def on_pay_result(call: Call) -> VoiceResponse:
    """The <Pay> action: a token on success (stored through billing_core), else keypad entry."""
    store = getattr(payments, "add_tokenized_bank_method", None)
    token = call.form.get("PaymentToken")
    if call.form.get("Result") == "success" and token and store is not None:
        with call.runtime.uow() as uow:
            ref = store(
                uow,
                _bank(call).get("account_number") or "",
                token=token,
                kind="checking",
                last4=(call.form.get("PaymentCardNumber") or "")[-4:],
                channel="voice",
                reference=call.sid,
                now=call.now,
            )
        return handed_over(call, ref)
    log.info(
        "Pay on call %s ended with %s; falling back to keypad entry",
        call.sid,
        call.form.get("Result"),
    )
    return call.ask(
        [("voice_bank_kind", {})], KIND_SPEC, step="bank_kind", lead=[("voice_pay_failed", {})]
    )


def on_kind(call: Call) -> VoiceResponse:
    kind = KINDS.get(call.digits)
    if kind is None:
        return flow.missed(call, "voice_reprompt_no_match")
    _bank(call)["kind"] = kind
    call.state["misses"] = 0
    return call.ask([("voice_bank_routing", {})], ROUTING_SPEC, step="bank_routing")


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
