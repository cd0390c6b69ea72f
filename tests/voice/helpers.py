"""Plays Twilio in tests: signs webhook requests, keeps the call's pending action, parses TwiML."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from twilio.request_validator import RequestValidator

BASE = "http://localhost"
_sids = itertools.count(1)


def sign(token: str, url: str, params: dict[str, str]) -> str:
    return RequestValidator(token).compute_signature(url, params)


def parse(body: bytes) -> etree._Element:
    return etree.fromstring(body)


def spoken(root: etree._Element) -> str:
    return " ".join(el.text or "" for el in root.iter("Say"))


@dataclass
class Caller:
    """One simulated phone call against the Flask test client."""

    client: Any
    token: str
    phone: str = "+16175550199"
    sid: str = field(default_factory=lambda: f"CA{next(_sids):032d}")
    last: etree._Element | None = None
    action: str | None = None
    history: list[etree._Element] = field(default_factory=list)

    def post(self, path: str, params: dict[str, str], *, signed: bool = True) -> Any:
        form = {"CallSid": self.sid, "From": self.phone, "To": "+18776236765", **params}
        headers = {}
        if signed:
            headers["X-Twilio-Signature"] = sign(self.token, urljoin(BASE, path), form)
        return self.client.post(path, data=form, headers=headers)

    def _answer(self, path: str, params: dict[str, str]) -> etree._Element:
        response = self.post(path, params)
        assert response.status_code == 200, response.data
        assert response.mimetype == "text/xml"
        root = parse(response.data)
        self.last = root
        self.history.append(root)
        gather = root.find("Gather")
        redirect = root.find("Redirect")
        if gather is not None:
            self.action = gather.get("action")
        elif root.find("Pay") is not None:
            self.action = root.find("Pay").get("action")
        elif redirect is not None:
            self.action = redirect.text
        else:
            self.action = None
        return root

    def dial_in(self) -> etree._Element:
        return self._answer("/voice/incoming", {"CallStatus": "ringing"})

    def press(self, digits: str) -> etree._Element:
        assert self.action, "the call is not waiting for input"
        return self._answer(self.action, {"Digits": digits, "CallStatus": "in-progress"})

    def say(self, words: str) -> etree._Element:
        assert self.action, "the call is not waiting for input"
        return self._answer(
            self.action,
            {"SpeechResult": words, "Confidence": "0.92", "CallStatus": "in-progress"},
        )

    def silence(self) -> etree._Element:
        """No input: Twilio falls through the Gather to the Redirect after it."""
        redirect = self.last.find("Redirect") if self.last is not None else None
        assert redirect is not None
        return self._answer(redirect.text, {"CallStatus": "in-progress"})

    def repeat_last_request(self, digits: str, action: str) -> etree._Element:
        return self._answer(action, {"Digits": digits, "CallStatus": "in-progress"})

    def hang_up(self) -> Any:
        return self.post("/voice/status", {"CallStatus": "completed", "CallDuration": "42"})

    @property
    def heard(self) -> str:
        return spoken(self.last) if self.last is not None else ""
