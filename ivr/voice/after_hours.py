"""When no agent can take the call: the hours, then the menu with two more choices.

7 (or "call me back"): a callback on the next business day, morning, afternoon or any time, to the
number calling (or one keyed in when the caller ID cannot be called back), stored once per number
and day (ivr/voice/callbacks.py) with the hand-off context and language. 8 (or "text me"): a text
with the hours and the link to pay online (ivr/voice/hours_text.py). Any other answer is an answer
to the menu. The same choices follow a queue that is full or an agent line that did not answer.
"""

from __future__ import annotations

import logging
import re

from twilio.twiml.voice_response import VoiceResponse

from ivr.voice import callbacks
from ivr.voice.call import Call
from ivr.voice.goto import Menu, Missed, Outcome
from ivr.voice.handoff import Context
from ivr.voice.hours_text import send_hours_text
from ivr.voice.twiml import KEYPAD_TIMEOUT, ONE_KEY, GatherSpec, Prompt

log = logging.getLogger(__name__)

CALLBACK_KEY, TEXT_KEY = "7", "8"
CALLBACK_WORDS = re.compile(
    r"\b(call ?back|call me|ll[aá]m(en|e)me|devolver la llamada|devuelvan)\b", re.I
)
TEXT_WORDS = re.compile(r"\b(text|texto|mensaje)\b", re.I)
WINDOW_SPEC = GatherSpec(keypad_only=True, num_digits=1)
NUMBER_SPEC = GatherSpec(keypad_only=True, num_digits=10, finish_on_key="#", timeout=KEYPAD_TIMEOUT)
MAX_NUMBER_TRIES = 2


def menu(call: Call, lead: Prompt, context: Context) -> VoiceResponse:
    """The hours were said (in `lead`): offer a callback or a text, and the menu."""
    call.state["handoff"] = context.as_state()
    menu_msg = "voice_outage_menu" if call.state.get("outage") else "voice_main_menu"
    return call.ask(
        [("voice_after_hours_options", {}), (menu_msg, {})],
        ONE_KEY,
        step="after_hours",
        lead=lead,
        expect="menu",
        slot=None,
    )


def choice(call: Call) -> Outcome | None:
    """A callback or a text; None when the answer is for the menu."""
    if call.digits == CALLBACK_KEY or CALLBACK_WORDS.search(call.speech):
        return start_callback(call)
    if call.digits == TEXT_KEY or TEXT_WORDS.search(call.speech):
        return text_hours(call)
    return None


def start_callback(call: Call) -> Outcome:
    number = callbacks.callable_number(call.state.get("phone"))
    if number is None:
        call.state["callback_tries"] = 0
        return call.ask([("voice_callback_number", {})], NUMBER_SPEC, step="callback_number")
    return ask_window(call, number)


def ask_window(call: Call, number: str) -> Outcome:
    call.state["callback_phone"] = number
    return call.ask([("voice_callback_when", {})], WINDOW_SPEC, step="callback_window")


def on_number(call: Call) -> Outcome:
    number = callbacks.keyed_number(call.digits)
    if number is not None:
        return ask_window(call, number)
    call.state["callback_tries"] = tries = call.state.get("callback_tries", 0) + 1
    if tries >= MAX_NUMBER_TRIES:
        return Menu((("voice_callback_failed", {}),))
    return call.ask(
        [("voice_callback_number", {})],
        NUMBER_SPEC,
        step="callback_number",
        lead=[("voice_callback_number_invalid", {})],
    )


def on_window(call: Call) -> Outcome:
    window = callbacks.WINDOWS.get(call.digits)
    if window is None:
        return Missed("voice_reprompt_no_match")
    number = call.state.pop("callback_phone", None)
    if not number:
        return Menu((("voice_callback_failed", {}),))
    try:
        with call.runtime.uow() as uow:
            stored = callbacks.request_callback(
                uow,
                phone=number,
                window=window,
                locale=call.locale,
                context=call.state.get("handoff") or Context(language=call.locale).as_state(),
                call_sid=call.sid,
                now=call.now,
                holidays=call.settings.holidays,
            )
    except Exception:
        log.exception("callback request not stored on call %s", call.sid)
        return Menu((("voice_callback_failed", {}),))
    params = {"phone_digits": number[-4:], "callback_date": stored.callback_on.isoformat()}
    said = f"voice_callback_saved.{stored.window}" if stored.created else "voice_callback_already"
    return Menu(((said, params),))


def text_hours(call: Call) -> Outcome:
    number = callbacks.callable_number(call.state.get("phone"))
    sent = number is not None and send_hours_text(
        call.runtime, number, call.locale, call.settings, call.now
    )
    return Menu(((("voice_hours_text_sent" if sent else "voice_hours_text_not_sent"), {}),))


STEPS = {"callback_number": on_number, "callback_window": on_window}
