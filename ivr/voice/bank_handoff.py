"""What both ways of taking a bank account share: the keypad questions' settings, the entry kept
in the call state, and the two endings (the stored account's reference goes to Rasa, or the caller
gives up and is offered an agent)."""

from __future__ import annotations

import json
from typing import Any

from twilio.twiml.voice_response import VoiceResponse

from billing_core import payment_methods
from ivr.voice.call import Call
from ivr.voice.goto import Converse
from ivr.voice.twiml import KEYPAD_TIMEOUT, GatherSpec

KIND_SPEC = GatherSpec(keypad_only=True, num_digits=1)
ROUTING_SPEC = GatherSpec(keypad_only=True, num_digits=9, finish_on_key="#", timeout=KEYPAD_TIMEOUT)


def entry(call: Call) -> dict[str, Any]:
    """The bank entry in progress (kind, tries, sealed digits), kept in the call state."""
    return call.state.setdefault("bank", {})


def handed_over(call: Call, ref: payment_methods.BankMethodRef) -> Converse:
    """The account is stored: drop the entry and tell Rasa only its reference, kind and last 4."""
    call.state.pop("bank", None)
    call.state["misses"] = 0
    message = "/inform" + json.dumps(
        {"bank_method_ref": ref.reference, "bank_last4": ref.last4, "bank_kind": ref.kind},
        separators=(",", ":"),
    )
    return Converse(message)


def give_up(call: Call) -> VoiceResponse:
    call.state.pop("bank", None)
    call.state["agent_reason"], call.state["agent_where"] = "bank_entry", "bank"  # for the agent
    return call.ask(
        [("voice_offer_agent", {})],
        GatherSpec(num_digits=1),
        step="offer_agent",
        lead=[("voice_bank_gave_up", {})],
    )
