"""The warm hand-off: what the agent learns about the call, and the TwiML that carries it.

The context is whether the caller verified, that account's last 4 digits, the tasks they asked for,
where they left the assistant and why, and their language. It comes from Rasa's agent answer
(actions/handoff_context.py) and from what the IVR knows itself (an outage, a bank entry given up,
silence), and is rebuilt here field by field from an allow-list: anything else Rasa might send is
dropped, so no ZIP code, date of birth or bank detail can reach Twilio or the agent.

With `AGENT_QUEUE` set to a TaskRouter Workflow SID (WW…) the call is `<Enqueue>`d with the context
as the `<Task>`'s JSON attributes; with a plain queue name it is enqueued by name (a named queue
carries no attributes). Otherwise `<Dial><Number url=…>` calls the agent line and the whisper URL
says the context to the agent before the caller is connected. Either way the wait URL tells a
queued caller their position and estimated wait (ivr/voice/queue_wait.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from twilio.twiml.voice_response import VoiceResponse

from ivr.config import ChannelSettings

REASONS = frozenset(
    {
        "caller_asked",
        "not_understood",
        "silence",
        "bank_entry",
        "outage",
        "verification_locked",
        "system_error",
    }
)
_TOPIC = re.compile(r"[a-z][a-z_]{1,40}(/[a-z][a-z_.]{1,40})?")
_PLACE = re.compile(r"[a-z][a-z_]{1,40}(\.[a-z][a-z_]{1,40})?")
_LAST4 = re.compile(r"\d{4}")
MAX_TOPICS = 5
WORKFLOW_SID = re.compile(r"WW[0-9a-fA-F]{32}")


@dataclass(frozen=True)
class Context:
    """Everything the agent is told; built only from the allow-listed fields below."""

    language: str = "en"
    verified: bool = False
    account_last4: str | None = None
    asked: tuple[str, ...] = ()
    stopped_in: str | None = None
    reason: str = "caller_asked"

    @classmethod
    def build(
        cls,
        params: Mapping[str, Any] | None,
        *,
        language: str,
        reason: str | None = None,
        stopped_in: str | None = None,
        verified_account: str | None = None,
    ) -> Context:
        """From Rasa's agent answer (`params`, untrusted) and what the IVR knows itself: its
        reason and place win over Rasa's (Rasa only hears "agent"), and an account verified on the
        outage keypad counts as verified."""
        p = params or {}
        last4 = p.get("account_last4")
        rasa_verified = p.get("verified") is True and isinstance(last4, str)
        if rasa_verified and _LAST4.fullmatch(str(last4)):
            account_last4: str | None = str(last4)
        elif verified_account and verified_account[-4:].isdigit():
            account_last4 = verified_account[-4:]
        else:
            account_last4 = None
        raw_topics = p.get("asked")
        topics = raw_topics if isinstance(raw_topics, list | tuple) else ()
        asked = tuple(t for t in topics if isinstance(t, str) and _TOPIC.fullmatch(t))
        place = stopped_in or p.get("stopped_in")
        why = reason or p.get("reason")
        return cls(
            language="es" if language == "es" else "en",
            verified=account_last4 is not None,
            account_last4=account_last4,
            asked=asked[-MAX_TOPICS:],
            stopped_in=place if isinstance(place, str) and _PLACE.fullmatch(place) else None,
            reason=why if why in REASONS else "caller_asked",
        )

    def as_state(self) -> dict[str, Any]:
        return {**asdict(self), "asked": list(self.asked)}

    @classmethod
    def from_state(cls, state: Mapping[str, Any] | None) -> Context | None:
        if not state:
            return None
        return cls.build(
            {**state, "verified": bool(state.get("verified"))},
            language=str(state.get("language") or "en"),
            reason=state.get("reason"),
        )

    def task_attributes(self, call_sid: str | None) -> dict[str, Any]:
        """TaskRouter task attributes (JSON, under Twilio's 1024-character limit)."""
        return {
            "type": "payment_line",
            "channel": "voice",
            "call_sid": call_sid,
            "language": self.language,
            "verified": self.verified,
            "account_last4": self.account_last4,
            "asked": list(self.asked),
            "stopped_in": self.stopped_in,
            "reason": self.reason,
        }


def transfer(
    response: VoiceResponse,
    settings: ChannelSettings,
    context: Context | None = None,
    *,
    call_sid: str | None = None,
    action: str | None = None,
) -> VoiceResponse:
    """Hand the call to people. `action` is where Twilio reports how it ended (a full queue or an
    agent line that did not answer gets the caller a callback offer instead of silence)."""
    context = context or Context(reason="system_error")
    wait = "/voice/queue/wait?" + urlencode({"locale": context.language})
    queue = settings.agent_queue
    if queue and WORKFLOW_SID.fullmatch(queue):
        enqueue = response.enqueue(None, workflow_sid=queue, wait_url=wait, action=action)
        enqueue.task(json.dumps(context.task_attributes(call_sid), separators=(",", ":")))
    elif queue:
        response.enqueue(queue, wait_url=wait, action=action)
    else:
        dial = response.dial(action=action)
        whisper = "/voice/whisper?" + urlencode({"call": call_sid}) if call_sid else None
        dial.number(settings.agent_number, url=whisper)
    return response
