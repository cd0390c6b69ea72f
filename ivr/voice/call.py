"""One webhook turn of one call: its state, the caller's input, and helpers to answer with TwiML."""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from twilio.twiml.voice_response import VoiceResponse

from billing_core.runtime import BillingRuntime
from ivr.config import ChannelSettings
from ivr.rasa_client import BotMessage, RasaClient, sender_id
from ivr.voice.state import Claim
from ivr.voice.twiml import GatherSpec, Prompt, gather, speak

MAX_MISSES = 2  # re-prompts after silence or a key that means nothing here; then offer an agent
_DIGITS = re.compile(r"[0-9*#]+")


@dataclass
class Call:
    claim: Claim
    form: dict[str, str]
    settings: ChannelSettings
    runtime: BillingRuntime
    rasa: RasaClient
    now: datetime
    pay_connector: str | None = None
    rasa_ms: float = 0.0  # time spent waiting for Rasa in this turn (logged with the turn)

    @property
    def sid(self) -> str:
        return self.claim.call_sid

    @property
    def state(self) -> dict[str, Any]:
        return self.claim.state

    @property
    def locale(self) -> str:
        return self.state.get("locale", "en")

    @property
    def digits(self) -> str:
        """Keys pressed (Twilio strips finishOnKey); empty when the caller spoke or was silent."""
        raw = (self.form.get("Digits") or "").strip()
        return raw if _DIGITS.fullmatch(raw) else ""

    @property
    def speech(self) -> str:
        return (self.form.get("SpeechResult") or "").strip()

    @property
    def silent(self) -> bool:
        return not self.digits and not self.speech

    def action(self, path: str = "/voice/gather") -> str:
        # Relative: Twilio resolves it against the URL it just called, so proxies need no config.
        return f"{path}?turn={self.claim.turn + 1}"

    def ask(
        self, prompt: Prompt, spec: GatherSpec, step: str, *, lead: Prompt = (), **state: Any
    ) -> VoiceResponse:
        """Answer with a Gather and remember its question (not the lead), to repeat on a miss."""
        self.state.update(state)
        self.state["step"] = step
        self.state["prompt"] = [[msg, params] for msg, params in prompt]
        self.state["spec"] = asdict(spec)
        return gather(
            VoiceResponse(), [*lead, *prompt], locale=self.locale, action=self.action(), spec=spec
        )

    def reask(self, lead: str | None) -> VoiceResponse:
        """The last question again, after the message `lead` (None: just the question)."""
        said = [(m, p) for m, p in self.state.get("prompt", [])]
        prompt = [(lead, {}), *said] if lead else said
        spec = GatherSpec(**self.state.get("spec", {}))
        response = gather(
            VoiceResponse(), prompt, locale=self.locale, action=self.action(), spec=spec
        )
        return response

    def repeat(self) -> VoiceResponse:
        """The caller asked to hear the question again (`*` or "repeat that")."""
        return self.reask(None)

    def speak(self, prompt: Prompt) -> VoiceResponse:
        return speak(prompt, self.locale)

    def hang_up(self, prompt: Prompt, goodbye: bool = True) -> VoiceResponse:
        response = self.speak([*prompt, ("voice_goodbye", {})] if goodbye else prompt)
        response.hangup()
        self.state["step"] = "ended"
        return response

    def metadata(self) -> dict[str, Any]:
        return {
            "channel": "voice",
            "locale": self.locale,
            "phone": self.state.get("phone"),
            "caller_account": self.state.get("caller_account"),
            "call_sid": self.sid,
            # Extras beyond the fixed contract: what a payment's idempotency key and the consent
            # record can use (the turn is unique per webhook, repeated deliveries share it).
            "turn": self.claim.turn,
            "idempotency_key": f"{self.sid}:{self.claim.turn}",
            "input": "dtmf" if self.digits else "speech",
        }

    def send(self, message: str) -> list[BotMessage]:
        """One turn to Rasa; RasaUnavailable propagates (the flow then offers the outage menu)."""
        started = time.perf_counter()
        try:
            return self.rasa.send(sender_id("voice", self.sid), message, self.metadata())
        finally:
            self.rasa_ms += (time.perf_counter() - started) * 1000


def inform(slot: str, value: str) -> str:
    return "/inform" + json.dumps({slot: value}, separators=(",", ":"))
