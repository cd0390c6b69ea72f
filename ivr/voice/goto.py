"""What a sub-flow (bank, <Pay>, outage, text receipt) asks the call flow to do next.

A sub-flow answers a turn either with TwiML of its own (a question only it asks) or with one of
these decisions; `ivr.voice.flow.follow` acts on them. So the sub-flows never import the flow back.
"""

from __future__ import annotations

from dataclasses import dataclass

from twilio.twiml.voice_response import VoiceResponse

from ivr.rasa_client import BotMessage
from ivr.voice.twiml import Prompt


@dataclass(frozen=True)
class Menu:
    """Back to the main menu (the outage menu while Rasa is down), after `lead`."""

    lead: Prompt = ()


@dataclass(frozen=True)
class Agent:
    """Transfer to an agent, or say they are closed and go back to the menu."""

    lead: Prompt = ()


@dataclass(frozen=True)
class Missed:
    """The answer means nothing here: re-prompt after the message `lead`, then offer an agent."""

    lead: str


@dataclass(frozen=True)
class Converse:
    """Tell Rasa `message` and answer with what it says (the outage menu if it is down)."""

    message: str


@dataclass(frozen=True)
class Respond:
    """Speak these messages as Rasa's answer: its last one decides what is collected next."""

    replies: tuple[BotMessage, ...]


Goto = Menu | Agent | Missed | Converse | Respond
Outcome = VoiceResponse | Goto
