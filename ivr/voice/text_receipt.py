"""After a payment by phone, offer the caller a text with the amount and confirmation number.

Rasa's answer to a payment is its confirmation and usually a follow-up question ("anything else?").
The IVR speaks the confirmation, asks whether to text it to the number the caller is calling from,
sends it through the SMS channel if they say yes, then goes on with Rasa's follow-up.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict

from twilio.twiml.voice_response import VoiceResponse

from ivr.rasa_client import BotMessage
from ivr.sms.payment_confirmation import send_payment_confirmation
from ivr.voice.call import Call
from ivr.voice.goto import Menu, Respond
from ivr.voice.twiml import ONE_KEY

log = logging.getLogger(__name__)

CONFIRMATIONS = {"payment_confirmation", "payment_confirmation_card"}
YES = re.compile(r"\b(yes|yeah|sure|please|s[ií]|claro|por favor)\b", re.IGNORECASE)


def can_offer(call: Call, replies: list[BotMessage]) -> bool:
    """A payment was just confirmed and the call has a number to text (not withheld)."""
    phone = call.state.get("phone") or ""
    return phone.startswith("+") and any(r.msg in CONFIRMATIONS for r in replies)


def offer(call: Call, replies: list[BotMessage]) -> VoiceResponse:
    """Speak up to the confirmation, then ask; Rasa's remaining messages wait in the call state."""
    cut = next(i for i, r in enumerate(replies) if r.msg in CONFIRMATIONS) + 1
    receipt = replies[cut - 1].params
    call.state["text_receipt"] = {
        "amount": str(receipt.get("amount")),
        "confirmation_number": str(receipt.get("confirmation_number")),
        "then": [asdict(r) for r in replies[cut:]],
    }
    spoken = [(r.msg, r.params) for r in replies[:cut]]
    return call.ask([*spoken, ("voice_offer_text_receipt", {})], ONE_KEY, step="text_receipt")


def on_answer(call: Call) -> Menu | Respond:
    """Text the receipt if the caller wants it, then go on with what Rasa said after it."""
    pending = call.state.pop("text_receipt", None) or {}
    said: list[BotMessage] = []
    if call.digits == "1" or YES.search(call.speech):
        sid = send_payment_confirmation(
            call.runtime,
            call.state["phone"],
            call.locale,
            pending.get("amount", "0"),
            pending.get("confirmation_number", ""),
            channels=call.settings,
        )
        said = [BotMessage("voice_text_receipt_sent" if sid else "voice_text_receipt_not_sent", {})]
    then = [BotMessage(**{**m, "buttons": tuple(m["buttons"])}) for m in pending.get("then", [])]
    if not then:
        return Menu(tuple((m.msg, m.params) for m in said))
    return Respond((*said, *then))


STEPS = {"text_receipt": on_answer}
