"""Loaded by the Rasa server (credentials.yml): the only input channel, and only the gateway can use it.

Rasa's own REST channel answers anyone who can reach the port, as any sender. This one refuses a
request (401) unless it is signed with RASA_CHANNEL_SECRET (hc_channel_auth), which only the web
app holds (ivr/rasa_client.py signs the same way).

The sender id names its channel (`voice:…`, `sms:…`, `web:…`); the message metadata's `channel` is
overwritten with it, so what a channel may do never depends on what a request claims.
Not imported at interpreter start-up (it imports Rasa): Rasa imports it when it reads
credentials.yml (`hc_signed_channel.SignedRestInput`).

Each answer ends with one extra item, `{"hc_nlu": {"intent": …, "confidence": …, "fallback": …}}`:
the NLU's reading of the message just handled (the gateway's outcome events need it). Only the
intent name and its confidence, never the text or entities; when the FallbackClassifier answered
nlu_fallback, the best real intent and its confidence with `"fallback": true`. Gateways that do not
know the item ignore it (they only read items with a `custom` payload).
"""

from __future__ import annotations

import contextvars
import re
from types import ModuleType
from typing import Any

from hc_channel_auth import MAX_SKEW_SECONDS, request_is_signed
from hc_import_hooks import when_imported
from rasa.core.channels.rest import RestInput
from sanic import response

SENDER = re.compile(r"^(voice|sms|web):[A-Za-z0-9_.\-]{1,100}$")
NLU_KEY = "hc_nlu"
FALLBACK_INTENT = "nlu_fallback"
# Where MessageProcessor.parse_message leaves its reading for the request being answered.
_READING: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "hc_nlu_reading", default=None
)


def nlu_reading(parse_data: dict[str, Any]) -> dict[str, Any]:
    """Intent and confidence of one parse, nothing else (no text, no entities)."""
    intent = parse_data.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence")
    fallback = name == FALLBACK_INTENT
    if fallback:
        ranked = [
            r for r in parse_data.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT
        ]
        if ranked:
            name, confidence = ranked[0].get("name"), ranked[0].get("confidence")
    return {
        "intent": str(name) if name else None,
        "confidence": round(float(confidence), 4) if confidence is not None else None,
        "fallback": fallback,
    }


def _remember_readings(module: ModuleType) -> None:
    processor_class = module.MessageProcessor
    parse_message = processor_class.parse_message
    if hasattr(parse_message, "hc_original"):
        return  # patched already

    async def parse_and_remember(
        self: Any, message: Any, tracker: Any = None, only_output_properties: bool = True
    ) -> dict[str, Any]:
        parse_data = await parse_message(self, message, tracker, only_output_properties)
        holder = _READING.get()
        if holder is not None:  # only messages that came through this channel
            holder.clear()
            holder.update(nlu_reading(parse_data))
        return parse_data

    parse_and_remember.hc_original = parse_message  # type: ignore[attr-defined]
    processor_class.parse_message = parse_and_remember


when_imported("rasa.core.processor", _remember_readings)


class SignedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "hc_signed"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SignedRestInput:
        credentials = credentials or {}
        secret = str(credentials.get("secret") or "")
        if len(secret) < 16:
            raise ValueError("hc_signed_channel needs a secret of at least 16 characters")
        return cls(secret, int(credentials.get("max_skew_seconds", MAX_SKEW_SECONDS)))

    def __init__(self, secret: str, max_skew_seconds: int = MAX_SKEW_SECONDS) -> None:
        self.secret = secret
        self.max_skew_seconds = max_skew_seconds

    def blueprint(self, on_new_message: Any) -> Any:
        async def handle_and_report(message: Any) -> None:
            holder: dict[str, Any] = {}
            token = _READING.set(holder)
            try:
                await on_new_message(message)
            finally:
                _READING.reset(token)
            collected = getattr(message.output_channel, "messages", None)
            if holder and isinstance(collected, list):  # not the streaming variant
                collected.append({NLU_KEY: dict(holder)})

        blueprint = super().blueprint(handle_and_report)

        @blueprint.middleware("request")
        async def require_gateway(request: Any) -> Any:
            if request.method == "GET":
                return None  # the channel's health check carries no data
            body = request.body or b""
            if not request_is_signed(self.secret, request.headers, body, self.max_skew_seconds):
                return response.json({"error": "unauthorized"}, status=401)
            payload = request.json if isinstance(request.json, dict) else {}
            if not SENDER.match(str(payload.get("sender") or "")):
                return response.json({"error": "bad sender"}, status=400)
            return None

        return blueprint

    def get_metadata(self, request: Any) -> dict[str, Any]:
        metadata = request.json.get("metadata")
        metadata = dict(metadata) if isinstance(metadata, dict) else {}
        metadata["channel"] = str(request.json.get("sender")).split(":", 1)[0]
        return metadata

    def _extract_input_channel(self, request: Any) -> str:
        return self.name()
