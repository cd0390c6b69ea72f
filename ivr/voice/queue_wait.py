"""What callers hear while they wait for an agent, and what the agent hears before the caller.

The queue's wait URL: Twilio posts the caller's `QueuePosition`, the queue's `CurrentQueueSize`
and `AvgQueueTime` (how long the callers now waiting have waited, on average), plays what this
answers, and asks again when it ends. The estimate is Little's law: callers still waiting have
waited about half their whole wait, so callers leave the queue about every 2 x AvgQueueTime /
CurrentQueueSize seconds, and the caller at position p waits about p times that.

The whisper: said to the agent who picks up `<Dial><Number>`, before the caller is connected, in
English whatever the caller's language.
"""

from __future__ import annotations

import math
import re

from twilio.twiml.voice_response import VoiceResponse

from ivr.voice.handoff import Context
from ivr.voice.twiml import Prompt, speak
from messages.render import catalog, render

# Twilio's own classical hold music (its default wait music), between two position updates.
HOLD_MUSIC = "https://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3"
AGENT_LANGUAGE = "en"


def _count(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def estimated_minutes(position: int, queue_size: int, average_wait_s: int) -> int | None:
    """Minutes until the caller at `position` reaches an agent, or None without data."""
    if position < 1 or queue_size < 1 or average_wait_s < 1:
        return None
    seconds_per_caller = 2 * average_wait_s / queue_size
    return max(1, math.ceil(position * seconds_per_caller / 60))


def wait_prompt(form: dict[str, str]) -> Prompt:
    position = _count(form.get("QueuePosition"))
    said: list[tuple[str, dict]] = []
    if position == 1:
        said.append(("voice_queue_next", {}))
    elif position > 1:
        said.append(("voice_queue_position", {"position": position}))
    minutes = estimated_minutes(
        position, _count(form.get("CurrentQueueSize")), _count(form.get("AvgQueueTime"))
    )
    if minutes == 1:
        said.append(("voice_queue_estimate_one", {}))
    elif minutes:
        said.append(("voice_queue_estimate", {"minutes": minutes}))
    return said


def wait_twiml(form: dict[str, str], locale: str) -> VoiceResponse:
    response = speak(wait_prompt(form), "es" if locale == "es" else "en")
    response.play(HOLD_MUSIC)
    return response


def _words(message_id: str, name: str) -> str:
    """A topic or place in the agent's words; one without words of its own (a new intent, an
    FAQ key) is read as its name."""
    if message_id in catalog():
        return render(message_id, {}, locale=AGENT_LANGUAGE, channel="voice")
    return re.sub(r"[_/.]+", " ", name.removeprefix("faq/")).strip()


def whisper_prompt(context: Context | None) -> Prompt:
    """The agent's briefing, from the context stored when the call was handed over."""
    said: list[tuple[str, dict]] = [("whisper_intro", {})]
    if context is None:
        return [*said, ("reason.system_error", {})]
    if context.verified and context.account_last4:
        said.append(("whisper_verified", {"account_last4": context.account_last4}))
    else:
        said.append(("whisper_not_verified", {}))
    if context.asked:
        topics = ", ".join(_words(f"topic.{t}", t) for t in context.asked)
        said.append(("whisper_asked", {"topics": topics}))
    if context.stopped_in:
        form, _, question = context.stopped_in.partition(".")
        place = _words(f"place.{form}", form)
        if question:
            place = f"{place}, {_words(f'question.{question}', question)}"
        said.append(("whisper_stopped", {"place": place}))
    said.append((f"reason.{context.reason}", {}))
    if context.language == "es":
        said.append(("whisper_spanish", {}))
    return said


def whisper_twiml(context: Context | None) -> VoiceResponse:
    return speak(whisper_prompt(context), AGENT_LANGUAGE)
