"""TwiML building blocks: voices and Gather settings per language, prompts from message ids."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from twilio.twiml import TwiML
from twilio.twiml.voice_response import VoiceResponse

from messages.render import UnknownMessage, render

log = logging.getLogger(__name__)

# Amazon Polly neural voices Twilio offers for US English and US Spanish.
VOICES = {"en": ("Polly.Joanna-Neural", "en-US"), "es": ("Polly.Lupe-Neural", "es-US")}
HINTS = {
    "en": "AutoPay, ConnectorCare, MassHealth, Health Connector, balance, due date, pay my bill, "
    "agent, representative, checking, savings",
    "es": "AutoPay, ConnectorCare, MassHealth, Health Connector, saldo, fecha de vencimiento, "
    "pagar, agente, representante, cuenta corriente, ahorros",
}
SPOKEN_IN_SPANISH = {"voice_language_choice"}
SPEECH_TIMEOUT = 2  # seconds of silence that end an utterance (an integer: "auto" cuts callers off)
INPUT_TIMEOUT = 6  # seconds to wait for the caller to start
KEYPAD_TIMEOUT = 10  # bank and account numbers take a while to key in

Prompt = Sequence[tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class GatherSpec:
    """How the next answer is collected."""

    keypad_only: bool = False
    num_digits: int | None = None
    finish_on_key: str | None = None
    timeout: int = INPUT_TIMEOUT


MENU = GatherSpec()
ONE_KEY = GatherSpec(num_digits=1)


def say(parent: TwiML, msg: str, params: dict[str, Any], locale: str) -> None:
    try:
        text = render(msg, params, locale=locale, channel="voice")
    except UnknownMessage:
        # A message id the catalogs don't know yet must not take the call down.
        log.warning("no voice text for message id %r", msg)
        return
    except (KeyError, ValueError) as exc:
        log.warning("message %r lacks or mangles a parameter: %s", msg, type(exc).__name__)
        return
    # The offer of Spanish is Spanish words on the English greeting: say it with the Spanish voice.
    voice, language = VOICES["es" if msg in SPOKEN_IN_SPANISH else locale]
    parent.say(text, voice=voice, language=language)


def say_all(parent: TwiML, prompt: Iterable[tuple[str, dict[str, Any]]], locale: str) -> None:
    for msg, params in prompt:
        say(parent, msg, params, locale)


def gather(
    response: VoiceResponse,
    prompt: Prompt,
    *,
    locale: str,
    action: str,
    spec: GatherSpec = MENU,
) -> VoiceResponse:
    """Say the prompt inside a Gather (callers can barge in); silence falls through to Redirect."""
    attrs: dict[str, Any] = {
        "action": action,
        "method": "POST",
        "timeout": spec.timeout,
    }
    if spec.keypad_only:
        attrs["input"] = "dtmf"
    else:
        attrs.update(
            input="dtmf speech",
            language=VOICES[locale][1],
            hints=HINTS[locale],
            speech_timeout=SPEECH_TIMEOUT,
        )
    if spec.num_digits:
        attrs["num_digits"] = spec.num_digits
    if spec.finish_on_key:
        attrs["finish_on_key"] = spec.finish_on_key
    g = response.gather(**attrs)
    say_all(g, prompt, locale)
    # No input: Twilio goes on to the next verb; the same action URL then sees an empty answer.
    response.redirect(action, method="POST")
    return response


def speak(prompt: Prompt, locale: str) -> VoiceResponse:
    response = VoiceResponse()
    say_all(response, prompt, locale)
    return response
