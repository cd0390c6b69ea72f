"""Loaded by the Rasa server (credentials.yml): the only input channel, and only the gateway can use it.

Rasa's own REST channel answers anyone who can reach the port, as any sender. This one refuses a
request (401) unless it is signed with RASA_CHANNEL_SECRET (hc_channel_auth), which only the web
app holds (ivr/rasa_client.py signs the same way).

The sender id names its channel (`voice:…`, `sms:…`, `web:…`); the message metadata's `channel` is
overwritten with it, so what a channel may do never depends on what a request claims.
Not imported at interpreter start-up (it imports Rasa): Rasa imports it when it reads
credentials.yml (`hc_signed_channel.SignedRestInput`).
"""

from __future__ import annotations

import re
from typing import Any

from hc_channel_auth import MAX_SKEW_SECONDS, request_is_signed
from rasa.core.channels.rest import RestInput
from sanic import response

SENDER = re.compile(r"^(voice|sms|web):[A-Za-z0-9_.\-]{1,100}$")


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
        blueprint = super().blueprint(on_new_message)

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
