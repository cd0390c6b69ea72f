"""Pay by phone: the IVR collects the bank account itself and hands Rasa only a reference.

Two ways, after "checking or savings?": with a Twilio Pay connector configured, <Pay> takes the
numbers (ivr/voice/pay_connector.py); otherwise keypad-only Gathers here take the routing number
(checksum checked) and the account number twice, and billing_core stores them encrypted. With the
card policy on, a connector, and Rasa's `cards_allowed`, "press 3" takes a card through <Pay>.
Either way Rasa gets an opaque reference, the kind and the last 4. Between turns keyed entries wait
in the call state encrypted with the runtime's cipher, and are dropped as soon as they are stored
(or the caller gives up).
"""

from __future__ import annotations

import hmac
import logging

from twilio.twiml.voice_response import VoiceResponse

from billing_core import errors, payment_methods
from ivr.rasa_client import BotMessage
from ivr.voice.bank_handoff import KIND_SPEC, ROUTING_SPEC, entry, give_up, handed_over
from ivr.voice.call import Call
from ivr.voice.goto import Missed, Outcome
from ivr.voice.pay_connector import CARD_KEY, pay_with_card, pay_with_connector
from ivr.voice.twiml import KEYPAD_TIMEOUT, GatherSpec, Prompt

log = logging.getLogger(__name__)

MAX_TRIES = 3
ACCOUNT_SPEC = GatherSpec(keypad_only=True, finish_on_key="#", timeout=KEYPAD_TIMEOUT + 5)
KINDS = {"1": "checking", "2": "savings"}


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


def on_kind(call: Call) -> Outcome:
    bank = entry(call)
    if call.digits == CARD_KEY and bank.get("cards"):
        bank["kind"] = payment_methods.CARD
        call.state["misses"] = 0
        return pay_with_card(call)
    kind = KINDS.get(call.digits)
    if kind is None:
        return Missed("voice_reprompt_no_match")
    bank["kind"] = kind
    call.state["misses"] = 0
    if call.pay_connector:
        return pay_with_connector(call, kind)
    return call.ask([("voice_bank_routing", {})], ROUTING_SPEC, step="bank_routing")


# --- keypad entry ------------------------------------------------------------------------------


def _ask_again(call: Call, question: str, spec: GatherSpec, step: str) -> VoiceResponse:
    """A wrong entry: say so and ask again, up to MAX_TRIES, then give up on keypad entry."""
    bank = entry(call)
    bank["tries"] = bank.get("tries", 0) + 1
    if bank["tries"] >= MAX_TRIES:
        return give_up(call)
    return call.ask([(question, {})], spec, step=step, lead=[(f"{question}_invalid", {})])


def on_routing(call: Call) -> Outcome:
    bank = entry(call)
    try:
        routing = payment_methods.validate_routing_number(call.digits)
    except errors.InvalidRoutingNumber:
        return _ask_again(call, "voice_bank_routing", ROUTING_SPEC, "bank_routing")
    bank["routing"] = _seal(call, routing)
    bank["tries"] = 0
    return call.ask([("voice_bank_account", {})], ACCOUNT_SPEC, step="bank_account")


def on_account(call: Call) -> Outcome:
    bank = entry(call)
    try:
        number = payment_methods.validate_bank_account_number(call.digits)
    except errors.InvalidBankAccountNumber:
        return _ask_again(call, "voice_bank_account", ACCOUNT_SPEC, "bank_account")
    bank["first"] = _seal(call, number)
    return call.ask([("voice_bank_account_again", {})], ACCOUNT_SPEC, step="bank_account_again")


def on_account_again(call: Call) -> Outcome:
    bank = entry(call)
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
            ref = payment_methods.add_bank_method(
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


STEPS = {
    "bank_kind": on_kind,
    "bank_routing": on_routing,
    "bank_account": on_account,
    "bank_account_again": on_account_again,
}
