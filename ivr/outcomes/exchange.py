"""What Rasa said during the current request, kept on flask.g for the turn's outcome event.

RecordingRasa wraps the app's Rasa client (after the metrics wrapper): each channel keeps calling
`send` as before, and the outcome hook reads the exchanges afterwards. The member's message is not
kept here; the hook masks the words from the request itself.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from flask import g, has_request_context

from ivr.rasa_client import BotMessage, RasaUnavailable

_SLASH_INTENT = re.compile(r"^/([a-z_]+)")


@dataclass
class Exchange:
    """One message to Rasa and its answer (message ids only)."""

    structured: bool  # a keypad answer, menu key or button (`/intent{...}`), not words
    intent: str | None = None
    confidence: float | None = None
    nlu_fallback: bool = False
    replies: list[str] = field(default_factory=list)
    outage: bool = False
    rasa_ms: float = 0.0
    locale: str | None = None


def exchanges() -> list[Exchange]:
    if not has_request_context():
        return []
    return g.get("outcome_exchanges") or []


class RecordingRasa:
    """Wraps a Rasa client: every exchange of a request is remembered for its outcome event."""

    def __init__(self, inner: Any):
        self.inner = inner

    def __getattr__(self, name: str) -> Any:  # base_url, timeout, ... of the wrapped client
        return getattr(self.inner, name)

    def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[BotMessage]:
        slash = _SLASH_INTENT.match(message or "")
        exchange = Exchange(
            structured=slash is not None,
            intent=slash.group(1) if slash else None,
            confidence=1.0 if slash else None,
            locale=str(metadata.get("locale") or "") or None,
        )
        if has_request_context():
            g.setdefault("outcome_exchanges", []).append(exchange)
        started = time.perf_counter()
        try:
            replies = self.inner.send(sender, message, metadata)
        except RasaUnavailable:
            exchange.outage = True
            raise
        finally:
            exchange.rasa_ms = (time.perf_counter() - started) * 1000
        exchange.replies = [reply.msg for reply in replies]
        nlu = getattr(replies, "nlu", None)
        if nlu is not None and nlu.intent:
            exchange.intent = nlu.intent
            exchange.confidence = nlu.confidence
            exchange.nlu_fallback = bool(getattr(nlu, "fallback", False))
        return replies
