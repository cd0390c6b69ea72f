"""Talks to the Rasa server's signed channel with a deadline; an outage becomes RasaUnavailable.

Every request carries the HMAC that rasa_addons/hc_signed_channel.py checks (RASA_CHANNEL_SECRET),
and every sender id names its channel: `voice:<CallSid>`, `sms:<keyed hash of the phone>`,
`web:<chat session>`. Rasa takes the channel from that namespace, never from the metadata.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import requests

CHANNEL_PATH = "/webhooks/hc_signed/webhook"


def sender_id(channel: str, local_id: str) -> str:
    """The Rasa conversation id of one call, chat session or (pseudonymised) phone."""
    return f"{channel}:{local_id}"


def pseudonym(value: str, key: str) -> str:
    """A keyed hash: stable for one value, and nobody without the key can work out (or guess by
    hashing candidates) which value it stands for."""
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def sms_sender_id(phone: str, key: str) -> str:
    """A texting number's conversation id: Rasa's store never holds the number."""
    return sender_id("sms", pseudonym(phone, key))


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    signature = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-HC-Timestamp": timestamp,
        "X-HC-Signature": signature,
    }


class RasaUnavailable(Exception):
    """Rasa or its action server did not answer in time, or answered with an error."""


@dataclass(frozen=True)
class BotMessage:
    msg: str
    params: dict[str, Any]
    expect: str | None = None
    max_digits: int | None = None
    buttons: tuple[dict[str, str], ...] = ()
    instructions_included: bool = False  # the message itself says how to answer (voice keys)


CONTROL_KEYS = {"msg", "expect", "max_digits", "buttons", "instructions_included"}
# The signed channel appends one item naming the NLU's reading of the message (intent and
# confidence only, never text or entities); older Rasa images do not, and nothing depends on it.
NLU_KEY = "hc_nlu"


@dataclass(frozen=True)
class NluReading:
    intent: str | None
    confidence: float | None
    fallback: bool = False  # the NLU fell back; intent and confidence are its best guess


class RasaReply(list[BotMessage]):
    """Rasa's messages, plus the NLU's reading of the member's message when Rasa gave it."""

    nlu: NluReading | None = None


def take_nlu(raw: list[Any]) -> NluReading | None:
    """Remove the channel's NLU item from the answer and return it (None when absent or odd)."""
    reading = None
    for item in [i for i in raw if isinstance(i, dict) and NLU_KEY in i]:
        raw.remove(item)
        data = item[NLU_KEY]
        if isinstance(data, dict):
            intent, confidence = data.get("intent"), data.get("confidence")
            reading = NluReading(
                intent=str(intent)[:40] if isinstance(intent, str) else None,
                confidence=float(confidence) if isinstance(confidence, int | float) else None,
                fallback=data.get("fallback") is True,
            )
    return reading


def parse_bot_messages(raw: list[dict[str, Any]]) -> list[BotMessage]:
    messages = []
    for item in raw:
        custom = item.get("custom")
        if not isinstance(custom, dict) or "msg" not in custom:
            continue  # Rasa answers only with message-id payloads; anything else is ignored
        params = {k: v for k, v in custom.items() if k not in CONTROL_KEYS}
        messages.append(
            BotMessage(
                msg=str(custom["msg"]),
                params=params,
                expect=custom.get("expect"),
                max_digits=custom.get("max_digits"),
                buttons=tuple(custom.get("buttons") or ()),
                instructions_included=bool(custom.get("instructions_included")),
            )
        )
    return messages


class RasaClient:
    def __init__(
        self,
        base_url: str,
        timeout: float,
        channel_secret: str,
        session: requests.Session | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._secret = channel_secret
        self._http = session or requests.Session()

    def send(self, sender: str, message: str, metadata: dict[str, Any]) -> RasaReply:
        body = json.dumps({"sender": sender, "message": message, "metadata": metadata}).encode()
        try:
            response = self._http.post(
                f"{self.base_url}{CHANNEL_PATH}",
                data=body,
                headers=signed_headers(self._secret, body),
                timeout=self.timeout,
            )
            response.raise_for_status()
            payload = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise RasaUnavailable(str(exc)) from exc
        if not isinstance(payload, list):
            raise RasaUnavailable("unexpected answer from Rasa")
        nlu = take_nlu(payload)
        messages = RasaReply(parse_bot_messages(payload))
        messages.nlu = nlu
        if not messages:
            # Rasa answers [] when an action failed (e.g. the action server is down).
            raise RasaUnavailable("Rasa gave no answer")
        return messages
