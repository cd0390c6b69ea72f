"""The one fake Rasa of the gateway's tests: answers each turn from a script and records it.

Two ways in, one set of knobs:
- in process, it stands in for `ivr.rasa_client.RasaClient` (`app.extensions["rasa"] = fake`), as
  the voice and SMS tests use it: `send()` answers BotMessages, or raises RasaUnavailable when Rasa
  is `down` or gave no answer, as the real client does;
- over HTTP, `serving()` puts it on a free local port as Rasa's channel webhook, for tests that go
  through the real RasaClient and its wire format (chat): `answer(body)` may then return any raw
  JSON (default: the scripted BotMessages as Rasa sends them) with HTTP `status`.
Either way `turns` holds every (sender, message, metadata) Rasa received, in order.
The end-to-end tests use the real Rasa server instead (tests/rasa_stack.py).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

from ivr.rasa_client import BotMessage, RasaReply, RasaUnavailable

Script = Callable[[str, dict[str, Any]], "list[BotMessage] | None"]
Answer = Callable[[dict[str, Any]], Any]


class Turn(NamedTuple):
    sender: str
    message: str
    metadata: dict[str, Any]


def bot(
    msg: str, expect: str | None = None, max_digits: int | None = None, **params: Any
) -> BotMessage:
    return BotMessage(msg=msg, params=params, expect=expect, max_digits=max_digits)


def wire(message: BotMessage) -> dict[str, Any]:
    """One BotMessage as Rasa's channel sends it: a `custom` payload (ivr.rasa_client parses it)."""
    custom: dict[str, Any] = {"msg": message.msg, **message.params}
    if message.expect is not None:
        custom["expect"] = message.expect
    if message.max_digits is not None:
        custom["max_digits"] = message.max_digits
    if message.buttons:
        custom["buttons"] = list(message.buttons)
    if message.instructions_included:
        custom["instructions_included"] = True
    return {"custom": custom}


@dataclass
class FakeRasa:
    script: Script | None = None  # (message, metadata) -> replies; without it, `replies`
    replies: list[BotMessage] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    down: bool = False
    answer: Answer | None = None  # over HTTP only: raw JSON for a request body
    status: int = 200  # over HTTP only
    base_url: str = "http://rasa.invalid"
    timeout: float = 0.1

    @property
    def url(self) -> str:
        return self.base_url

    @property
    def senders(self) -> list[str]:
        return [turn.sender for turn in self.turns]

    def reply(self, message: str, metadata: dict[str, Any]) -> list[BotMessage]:
        """The scripted answer; a RasaReply (with the NLU's reading) is returned as it is."""
        replies = self.script(message, metadata) if self.script else self.replies
        return replies if isinstance(replies, RasaReply) else list(replies or ())

    def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[BotMessage]:
        self.turns.append(Turn(sender, message, metadata))
        if self.down:
            raise RasaUnavailable("fake outage")
        replies = self.reply(message, metadata)
        if not replies:
            raise RasaUnavailable("Rasa gave no answer")
        return replies

    def _http_answer(self, body: dict[str, Any]) -> tuple[int, Any]:
        self.turns.append(Turn(body.get("sender"), body.get("message"), body.get("metadata")))
        if self.down:
            return 503, {"error": "fake outage"}
        if self.answer is not None:
            return self.status, self.answer(body)
        return self.status, [wire(m) for m in self.reply(body["message"], body["metadata"])]

    @contextmanager
    def serving(self) -> Iterator[FakeRasa]:
        """This fake as Rasa's HTTP channel on a free local port (`url`) for the duration."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, answer = fake._http_answer(body)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
