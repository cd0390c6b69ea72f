"""Conversation repair on the phone: the keys and words that work at every prompt, and silence.

Keys (every prompt, keypad-only ones included): an answer that is exactly `*` says the prompt
again, exactly `0` asks for an agent. Inside a longer entry both keep their meaning there: `*` is
the decimal point of an amount (`198*50`), `0` a digit. At the main menu 9 repeats too. Inside
Twilio's `<Pay>` Twilio owns the keypad (`*` there ends <Pay>, and an agent is offered).

Words: at the questions Rasa asks, Rasa hears them ("repeat that", "go back", "start over",
"main menu", "agent" are intents there, in forms too). At the IVR's own prompts they are read
here; "go back" and "start over" go to Rasa (`/go_back`, `/start_over`) so that it leaves or
rewinds the form it is in; "agent" goes to Rasa too (`/talk_to_agent`: it leaves its form and
says who the caller is, for the hand-off). While Rasa is down (the outage menu) the IVR decides.

Silence: the first time, "Are you still there?" and the question again; the second time, an offer
of an agent; silence at that offer gets "Are you still there?" once more, then a goodbye.
"""

from __future__ import annotations

import re

from twilio.twiml.voice_response import VoiceResponse

from ivr.voice.call import Call
from ivr.voice.goto import Agent, Converse, Menu, Outcome
from ivr.voice.twiml import ONE_KEY

REPEAT_KEY = "*"
AGENT_KEY = "0"
AGENT_WORDS = re.compile(
    r"\b(agent|agente|representative|representante|operator|operador|person|persona)\b", re.I
)
REPEAT_WORDS = re.compile(
    r"\b(repeat|say (that|it) again|come again|repita|rep[ií]talo|repetir|otra vez)\b", re.I
)
MENU_WORDS = re.compile(
    r"\b(start (over|again)|main menu|menu|men[uú]|empezar de nuevo|desde el principio)\b", re.I
)
BACK_WORDS = re.compile(r"\b(go back|back|atr[aá]s|regres\w*|volver)\b", re.I)
# Prompts where Rasa hears the caller's words itself.
RASA_STEPS = frozenset({"rasa", "after_hours"})


def to_agent(call: Call, reason: str | None = None, where: str | None = None) -> Outcome:
    """Ask for an agent: through Rasa (it leaves any form and says who the caller is), or
    straight to the transfer while Rasa is down. The IVR's own reason and place win."""
    if reason:
        call.state["agent_reason"] = reason
    if where:
        call.state["agent_where"] = where
    call.state.pop("bank", None)  # a bank entry in progress is dropped, never kept for later
    if call.state.get("outage"):
        call.state.setdefault("agent_reason", "outage")
        call.state.setdefault("agent_where", "outage")
        return Agent()
    return Converse("/talk_to_agent")


def to_rasa_or_menu(call: Call, message: str) -> Outcome:
    call.state.pop("bank", None)
    return Menu() if call.state.get("outage") else Converse(message)


def intercept(call: Call) -> Outcome | None:
    """The repair this turn's input asks for, or None to let the step handle it."""
    step = call.state.get("step", "rasa")
    if call.digits == REPEAT_KEY:
        return call.repeat()
    if call.digits == AGENT_KEY:
        return to_agent(call, where=_place(step))
    speech = call.speech
    if not speech or step in RASA_STEPS:
        return None
    if AGENT_WORDS.search(speech):
        return to_agent(call, where=_place(step))
    if REPEAT_WORDS.search(speech):
        return call.repeat()
    if MENU_WORDS.search(speech):
        return to_rasa_or_menu(call, "/start_over")
    if BACK_WORDS.search(speech):
        return to_rasa_or_menu(call, "/go_back")
    return None


def _place(step: str) -> str | None:
    """Where the caller was, for the agent: only the IVR's own prompts (Rasa says its own)."""
    return step.split("_", 1)[0] if step.startswith(("bank_", "outage_")) else None


def on_silence(call: Call) -> VoiceResponse:
    """No answer at all (Twilio fell through the Gather)."""
    silences = call.state["silences"] = call.state.get("silences", 0) + 1
    if call.state.get("step") == "offer_agent":
        if call.state.pop("still_there_asked", False):
            return call.hang_up([])
        call.state["still_there_asked"] = True
        return call.reask("voice_still_there")
    if silences == 1:
        return call.reask("voice_still_there")
    call.state["agent_reason"] = "silence"
    place = _place(call.state.get("step", ""))
    if place:
        call.state["agent_where"] = place
    return call.ask(
        [("voice_offer_agent_silence", {})],
        ONE_KEY,
        step="offer_agent",
        lead=[("voice_reprompt_silence", {})],
    )


def heard_something(call: Call) -> None:
    """Any input: the silence count starts again."""
    call.state["silences"] = 0
    call.state.pop("still_there_asked", None)
