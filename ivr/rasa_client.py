"""Talks to the Rasa server's REST channel with a deadline; an outage becomes RasaUnavailable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests


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
    def __init__(self, base_url: str, timeout: float, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = session or requests.Session()

    def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[BotMessage]:
        try:
            response = self._http.post(
                f"{self.base_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": message, "metadata": metadata},
                timeout=self.timeout,
            )
            response.raise_for_status()
            payload = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise RasaUnavailable(str(exc)) from exc
        if not isinstance(payload, list):
            raise RasaUnavailable("unexpected answer from Rasa")
        messages = parse_bot_messages(payload)
        if not messages:
            # Rasa answers [] when an action failed (e.g. the action server is down).
            raise RasaUnavailable("Rasa gave no answer")
        return messages
