"""One turn as a channel saw it: what ivr.outcomes.recorder stores (both its paths)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ivr.outcomes.vocabulary import LOW_CONFIDENCE


@dataclass
class TurnEvent:
    """One turn as a channel saw it; nothing in it identifies the member."""

    channel: str
    ref: str  # keyed hash of the channel's own id
    at: datetime
    language: str = "en"
    latency_ms: int = 0
    rasa_ms: int | None = None
    input: str = "none"  # speech | dtmf | text | button | none
    intent: str | None = None
    confidence: float | None = None
    fallback: bool = False
    outage: bool = False
    replies: list[str] = field(default_factory=list)
    text: str | None = None  # masked already
    text_key: str | None = None
    verified: bool = False
    tasks: int = 0
    faq_topic: str | None = None
    transfer: bool = False  # handed to a person in this turn
    transfer_reason: str | None = None  # None: decided here (agent offer before? -> not_understood)
    ended: bool = False  # the conversation is over with this turn (goodbye, hang-up)

    @property
    def miss(self) -> bool:
        if not self.text_key:
            return False
        return self.fallback or (self.confidence is not None and self.confidence < LOW_CONFIDENCE)
