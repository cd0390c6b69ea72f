"""The call flow: greeting and language, the main menu, turns through Rasa, agents, re-prompts.

Every voice webhook enters here (ivr/voice/routes.py calls `start`, `on_gather`, `on_pay_result` or
`on_fallback`). A turn for a sub-flow (bank entry, <Pay>, the outage menu, the text receipt, after
hours) runs its step, which answers with TwiML or a decision (ivr/voice/goto.py) that `follow` acts
on. Before any step, silence and the repair keys and words are handled (ivr/voice/repair.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import date

from twilio.twiml.voice_response import VoiceResponse

from ivr.rasa_client import BotMessage, RasaUnavailable
from ivr.untrusted import as_text, holds_bank_or_card_number
from ivr.voice import after_hours, bank, outage, pay_connector, repair, text_receipt
from ivr.voice.call import MAX_MISSES, Call, inform
from ivr.voice.goto import Agent, Converse, Menu, Missed, Outcome, Respond
from ivr.voice.handoff import Context, transfer
from ivr.voice.hours import agents_available
from ivr.voice.twiml import MENU, ONE_KEY, GatherSpec, Prompt

log = logging.getLogger(__name__)

# Main-menu keys go straight to intents, without asking the NLU.
MENU_KEYS = {
    "1": "/check_balance",
    "2": "/ask_due_date",
    "3": "/pay_bill",
    "4": "/ask_autopay_status",
    "0": "/talk_to_agent",
}
YES_NO_KEYS = {"1": "/affirm", "2": "/deny"}
SPANISH = re.compile(r"\b(espa(ñ|n|ny)ol|spanish)\b", re.IGNORECASE)
AGENT_WORDS = repair.AGENT_WORDS
AGENT_ANSWERS = {"transfer_to_agent", "agent_closed"}
# The slot a keypad entry fills, from the id of the message that asked (when it names no "slot").
SLOT_HINTS = (
    ("date_of_birth", "date_of_birth"),
    ("dob", "date_of_birth"),
    ("birth", "date_of_birth"),
    ("zip", "zip_code"),
    ("draft_day", "draft_day"),
    ("amount", "amount"),
    ("account", "account_number"),
)


def start(call: Call) -> VoiceResponse:
    """Incoming call: greet, offer Spanish."""
    return call.ask(
        [("voice_greeting", {}), ("voice_language_choice", {})],
        GatherSpec(num_digits=1, timeout=3),
        step="language",
    )


def main_menu(call: Call, lead: Prompt = ()) -> VoiceResponse:
    if call.state.get("outage"):
        return outage.menu(call, lead)
    return call.ask([("voice_main_menu", {})], ONE_KEY, step="rasa", lead=lead, expect="menu")


def on_language(call: Call) -> VoiceResponse:
    if call.digits == "2" or SPANISH.search(call.speech):
        call.state["locale"] = "es"
    return main_menu(call)


def missed(call: Call, lead: str) -> VoiceResponse:
    """An answer that means nothing here: re-prompt twice, then offer an agent."""
    call.state["misses"] = call.state.get("misses", 0) + 1
    if call.state["misses"] <= MAX_MISSES:
        return call.reask(lead)
    call.state["misses"] = 0
    call.state["agent_reason"] = "not_understood"
    return call.ask([("voice_offer_agent", {})], ONE_KEY, step="offer_agent", lead=[(lead, {})])


def on_offer_agent(call: Call) -> VoiceResponse:
    """Not the agent (0 and "agent" are taken by repair.intercept): back to the main menu."""
    call.state.pop("agent_reason", None)
    call.state.pop("agent_where", None)
    return follow(call, repair.to_rasa_or_menu(call, "/start_over"))


def agent(call: Call, lead: Prompt = (), said: dict | None = None) -> VoiceResponse:
    """Transfer with the hand-off context (`said`: Rasa's agent answer), or after hours the
    hours and the callback / text offer."""
    context = Context.build(
        said,
        language=call.locale,
        reason=call.state.pop("agent_reason", None),
        stopped_in=call.state.pop("agent_where", None),
        verified_account=call.state.get("outage_account"),
    )
    if not agents_available(call.now, call.settings.holidays):
        return after_hours.menu(call, [*lead, ("voice_agent_closed", {})], context)
    response = call.speak([*lead, ("voice_agent_transfer", {})])
    call.state["step"] = "transferred"
    call.state["handoff"] = context.as_state()
    # Twilio reports how the queue or the agent line ended to the next turn (after_transfer).
    return transfer(response, call.settings, context, call_sid=call.sid, action=call.action())


QUEUE_FAILED = {"queue-full", "error", "system-error"}
DIAL_FAILED = {"busy", "no-answer", "failed", "canceled"}


def after_transfer(call: Call) -> VoiceResponse:
    """The queue or agent line gave up on the caller: offer a callback or a text; else goodbye."""
    if (
        call.form.get("QueueResult") in QUEUE_FAILED
        or call.form.get("DialCallStatus") in DIAL_FAILED
    ):
        context = Context.from_state(call.state.get("handoff")) or Context(language=call.locale)
        return after_hours.menu(call, [("voice_queue_failed", {})], context)
    return call.hang_up([])


def on_after_hours(call: Call) -> Outcome:
    chosen = after_hours.choice(call)
    if chosen is not None:
        return chosen
    return outage.on_menu(call) if call.state.get("outage") else on_rasa_turn(call)


def keypad_value(slot: str | None, digits: str) -> str | None:
    """Turn keys into the value Rasa's contract expects, or None when they can't be one."""
    if slot == "amount":
        dollars, _, cents = digits.partition("*")
        if not dollars.isdigit() or (cents and not (cents.isdigit() and len(cents) <= 2)):
            return None
        return f"{int(dollars)}.{cents.ljust(2, '0')}" if cents else str(int(dollars))
    if "*" in digits or "#" in digits:
        return None
    if slot == "date_of_birth":
        if len(digits) != 8:
            return None
        try:
            return date(int(digits[4:]), int(digits[:2]), int(digits[2:4])).isoformat()
        except ValueError:
            return None
    if slot == "draft_day":
        return str(int(digits)) if digits else None
    return digits


def caller_message(call: Call) -> str | None:
    """What this turn's input says to Rasa, or None when it is a miss."""
    expect = call.state.get("expect")
    if call.speech:
        return as_text(call.speech) or None  # words are words, even when they look like a command
    digits = call.digits
    if expect == "yes_no":
        return YES_NO_KEYS.get(digits)
    if expect == "digits":
        slot = call.state.get("slot")
        value = keypad_value(slot, digits)
        if value is None:
            return None
        return inform(slot, value) if slot else value
    return MENU_KEYS.get(digits)


def on_rasa_turn(call: Call) -> VoiceResponse:
    if call.state.get("expect") in (None, "menu") and call.digits == "9":
        return main_menu(call)
    if holds_bank_or_card_number(call.speech):
        # Rasa keeps every message: a spoken bank or card number never goes there.
        return missed(call, "voice_no_numbers_spoken")
    message = caller_message(call)
    if message is None:
        return missed(call, "voice_reprompt_no_match")
    call.state["misses"] = 0
    return converse(call, message)


def converse(call: Call, message: str) -> VoiceResponse:
    try:
        replies = call.send(message)
    except RasaUnavailable as exc:
        log.warning(
            "Rasa unavailable on call %s turn %s: %s", call.sid, call.claim.turn, type(exc).__name__
        )
        return outage.enter(call)
    return respond(call, replies)


def slot_for(reply: BotMessage) -> str | None:
    slot = reply.params.get("slot")
    if slot:
        return str(slot)
    for hint, name in SLOT_HINTS:
        if hint in reply.msg:
            return name
    return None


def respond(call: Call, replies: Sequence[BotMessage]) -> VoiceResponse:
    """Speak Rasa's messages; the last one's `expect` decides how the next answer is collected."""
    prompt: list[tuple[str, dict]] = [(r.msg, r.params) for r in replies]
    last = replies[-1]
    expect = last.expect
    if expect == "agent" or last.msg in AGENT_ANSWERS:
        # On the phone the IVR decides about agents: it knows the holidays, and it owns the
        # transfer wording. Rasa's own "transferring" / "closed" sentence is left out.
        return agent(call, prompt[:-1], last.params)
    if text_receipt.can_offer(call, replies):
        return text_receipt.offer(call, replies)
    if expect == "end":
        return call.hang_up(prompt, goodbye=not prompt)
    if expect == "bank_account":
        return bank.start(call, prompt, last)
    if expect == "yes_no":
        keys = [] if last.instructions_included else [("voice_yes_no_keys", {})]
        return call.ask([*prompt, *keys], ONE_KEY, step="rasa", expect=expect)
    if expect == "digits":
        slot = slot_for(last)
        # How to key money and dates is phone-only wording the channel-neutral question lacks.
        hint = {"date_of_birth": "voice_dob_keys"}.get(slot or "")
        spec = GatherSpec(num_digits=last.max_digits, finish_on_key="#")
        keys = [(hint, {})] if hint else []
        return call.ask([*prompt, *keys], spec, step="rasa", expect=expect, slot=slot)
    if expect == "menu":
        return call.ask([*prompt, ("voice_menu_short", {})], ONE_KEY, step="rasa", expect=expect)
    return call.ask(prompt, MENU, step="rasa", expect=None, slot=None)


def follow(call: Call, outcome: Outcome) -> VoiceResponse:
    """Answer with a sub-flow's TwiML, or do what its decision asks."""
    match outcome:
        case Menu(lead):
            return main_menu(call, lead)
        case Agent(lead):
            return agent(call, lead)
        case Missed(lead):
            return missed(call, lead)
        case Converse(message):
            return converse(call, message)
        case Respond(replies):
            return respond(call, replies)
        case _:  # TwiML the sub-flow answered with itself
            return outcome


STEPS: dict[str, Callable[[Call], Outcome]] = {
    "language": on_language,
    "rasa": on_rasa_turn,
    "offer_agent": on_offer_agent,
    "after_hours": on_after_hours,
    **after_hours.STEPS,
    **bank.STEPS,
    **outage.STEPS,
    **text_receipt.STEPS,
}


# Steps whose silence means something of its own: English at the greeting, no text receipt.
QUIET_STEPS = {"language", "text_receipt"}


def on_gather(call: Call) -> VoiceResponse:
    step = call.state.get("step", "rasa")
    if step == "ended":
        return call.hang_up([])
    if step == "transferred":
        return after_transfer(call)
    if call.silent and step not in QUIET_STEPS:
        return repair.on_silence(call)
    if not call.silent:
        repair.heard_something(call)
        fix = repair.intercept(call)
        if fix is not None:
            return follow(call, fix)
    return follow(call, STEPS.get(step, on_rasa_turn)(call))


def on_pay_result(call: Call) -> VoiceResponse:
    """Twilio's answer to <Pay>: the token is stored and its reference goes to Rasa, or not."""
    return follow(call, pay_connector.on_pay_result(call))


def on_fallback(call: Call) -> VoiceResponse:
    """Twilio's fallback URL (the primary answer failed): the outage menu."""
    return outage.enter(call)
